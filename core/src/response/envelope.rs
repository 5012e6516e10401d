use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// `meta` of every envelope: request id and the time the response was made.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The request id (absent only outside a request, e.g. in unit tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// When the response was produced, RFC 3339 in UTC with second precision.
    #[serde(serialize_with = "rfc3339_seconds")]
    pub timestamp: DateTime<Utc>,
}

impl Meta {
    /// Meta for a response made now.
    pub fn now(request_id: Option<&str>) -> Self {
        Self {
            request_id: request_id.map(str::to_owned),
            timestamp: Utc::now(),
        }
    }

    /// Meta for the request being served on this task.
    pub fn current() -> Self {
        Self {
            request_id: crate::http::RequestContext::current_request_id(),
            timestamp: Utc::now(),
        }
    }
}

fn rfc3339_seconds<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// How a list was paginated, as sent in `pagination`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Pagination {
    /// Page-number pagination with a total count.
    #[serde(rename_all = "camelCase")]
    Offset {
        /// 1-based page number.
        page: u64,
        /// Items per page.
        per_page: u64,
        /// Items across all pages.
        total: u64,
        /// Number of pages (0 for an empty collection).
        total_pages: u64,
    },
    /// Keyset (cursor) pagination.
    #[serde(rename_all = "camelCase")]
    Cursor {
        /// Items per page.
        limit: u64,
        /// Opaque cursor of the next page; `null` on the last page.
        next_cursor: Option<String>,
        /// Whether another page follows.
        has_more: bool,
    },
}

impl Pagination {
    /// Offset pagination; `total_pages` is derived.
    pub fn offset(page: u64, per_page: u64, total: u64) -> Self {
        let total_pages = if per_page == 0 {
            0
        } else {
            total.div_ceil(per_page)
        };
        Self::Offset {
            page,
            per_page,
            total,
            total_pages,
        }
    }

    /// Cursor pagination; `has_more` follows from `next_cursor`.
    pub fn cursor(limit: u64, next_cursor: Option<String>) -> Self {
        Self::Cursor {
            limit,
            has_more: next_cursor.is_some(),
            next_cursor,
        }
    }
}

/// The success envelope `{"success": true, "data": …, "pagination"?: …, "meta": …}`.
#[derive(Debug, Clone, Serialize)]
pub struct Envelope<T> {
    /// Always `true`; errors use the error envelope.
    pub success: bool,
    /// The payload.
    pub data: T,
    /// Present on lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    /// Request id and timestamp.
    pub meta: Meta,
}

impl<T> Envelope<T> {
    /// An envelope around `data` for the current request.
    pub fn new(data: T) -> Self {
        Self {
            success: true,
            data,
            pagination: None,
            meta: Meta::current(),
        }
    }

    /// An envelope around a list page.
    pub fn paginated(data: T, pagination: Pagination) -> Self {
        Self {
            pagination: Some(pagination),
            ..Self::new(data)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_pagination_is_camel_case_with_total_pages() {
        let json = serde_json::to_value(Pagination::offset(2, 20, 145)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"page": 2, "perPage": 20, "total": 145, "totalPages": 8})
        );
        assert_eq!(
            serde_json::to_value(Pagination::offset(1, 20, 0)).unwrap()["totalPages"],
            0
        );
    }

    #[test]
    fn cursor_pagination_derives_has_more() {
        let json = serde_json::to_value(Pagination::cursor(20, None)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"limit": 20, "nextCursor": null, "hasMore": false})
        );
    }

    #[test]
    fn timestamp_is_rfc3339_seconds_utc() {
        let json = serde_json::to_value(Meta::now(Some("r1"))).unwrap();
        let ts = json["timestamp"].as_str().unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
        assert_eq!(json["requestId"], "r1");
    }
}
