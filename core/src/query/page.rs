//! Offset and keyset page requests, and the numbers they are made of.

use super::Cursor;
use crate::AppError;

/// Which page of a list to return.
#[derive(Debug, Clone, PartialEq)]
pub enum PageRequest {
    /// `page`/`perPage`: classic offset pagination (with a total count).
    Offset {
        /// 1-based page number.
        page: u64,
        /// Rows per page, already clamped to the resource maximum.
        per_page: u64,
    },
    /// `cursor`: keyset pagination, cost independent of depth.
    Cursor {
        /// Rows per page, already clamped to the resource maximum.
        limit: u64,
        /// Start after this position; `None` for the first page.
        after: Option<Cursor>,
    },
}

impl PageRequest {
    /// Rows to return.
    pub fn limit(&self) -> u64 {
        match self {
            Self::Offset { per_page, .. } => *per_page,
            Self::Cursor { limit, .. } => *limit,
        }
    }

    /// Rows to skip (`(page - 1) * per_page`); zero in cursor mode. The parser
    /// guarantees this fits in an `i64`.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Offset { page, per_page } => page.saturating_sub(1).saturating_mul(*per_page),
            Self::Cursor { .. } => 0,
        }
    }
}

/// Parses a page size (`perPage`/`limit`): a positive decimal integer; larger
/// than `max` (however large) is clamped to `max`.
pub(crate) fn parse_per_page(param: &str, raw: &str, max: u64) -> Result<u64, AppError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_parameter(
            param,
            "invalid_value",
            "expected a positive integer",
        ));
    }
    match raw.parse::<u64>() {
        Ok(0) => Err(AppError::bad_parameter(
            param,
            "out_of_range",
            "must be at least 1",
        )),
        Ok(n) => Ok(n.min(max)),
        // Only digits, so the only failure is overflow: huge means "the maximum".
        Err(_) => Ok(max),
    }
}

/// Parses a 1-based page number. The offset it implies at `per_page` rows
/// must fit in an `i64` (what SQL `OFFSET` takes).
pub(crate) fn parse_page(raw: &str, per_page: u64) -> Result<u64, AppError> {
    let page = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<u64>().ok()
    } else {
        return Err(AppError::bad_parameter(
            "page",
            "invalid_value",
            "expected a positive integer",
        ));
    };
    let fits = |p: u64| {
        (p - 1)
            .checked_mul(per_page)
            .is_some_and(|o| i64::try_from(o).is_ok())
    };
    match page {
        Some(0) => Err(AppError::bad_parameter(
            "page",
            "out_of_range",
            "must be at least 1",
        )),
        Some(p) if fits(p) => Ok(p),
        _ => Err(AppError::bad_parameter(
            "page",
            "out_of_range",
            "page number too large",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(err: AppError) -> (String, String) {
        let d = &err.details()[0];
        (d.field.clone(), d.code.clone())
    }

    #[test]
    fn per_page_is_clamped() {
        assert_eq!(parse_per_page("perPage", "5", 100).unwrap(), 5);
        assert_eq!(parse_per_page("perPage", "007", 100).unwrap(), 7);
        assert_eq!(parse_per_page("perPage", "101", 100).unwrap(), 100);
        assert_eq!(parse_per_page("limit", &"9".repeat(400), 100).unwrap(), 100);
    }

    #[test]
    fn per_page_rejections_name_the_parameter() {
        for (raw, c) in [
            ("0", "out_of_range"),
            ("-1", "invalid_value"),
            ("", "invalid_value"),
            ("+5", "invalid_value"),
            ("ten", "invalid_value"),
            ("1.5", "invalid_value"),
        ] {
            assert_eq!(
                code(parse_per_page("limit", raw, 100).unwrap_err()),
                ("limit".into(), c.into()),
                "{raw}"
            );
        }
    }

    #[test]
    fn pages() {
        assert_eq!(parse_page("3", 20).unwrap(), 3);
        for (raw, c) in [
            ("0", "out_of_range"),
            ("-2", "invalid_value"),
            ("x", "invalid_value"),
            ("", "invalid_value"),
            (&"9".repeat(30), "out_of_range"),
        ] {
            assert_eq!(
                code(parse_page(raw, 20).unwrap_err()),
                ("page".into(), c.into()),
                "{raw}"
            );
        }
        let last = i64::MAX as u64 / 100 + 1;
        assert!(parse_page(&last.to_string(), 100).is_ok());
        assert!(parse_page(&(last + 1).to_string(), 100).is_err());
    }

    #[test]
    fn offset_and_limit() {
        let p = PageRequest::Offset {
            page: 3,
            per_page: 20,
        };
        assert_eq!((p.offset(), p.limit()), (40, 20));
        let c = PageRequest::Cursor {
            limit: 5,
            after: None,
        };
        assert_eq!((c.offset(), c.limit()), (0, 5));
    }
}
