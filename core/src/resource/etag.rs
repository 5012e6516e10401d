use http::HeaderValue;
use sha2::{Digest, Sha256};

/// The strong ETag of a representation: `"v<version>"` for versioned rows (the
/// version is the lock token `If-Match` is compared with), otherwise a hash of
/// the serialised body.
pub fn etag_of(version: Option<i64>, body: &[u8]) -> HeaderValue {
    let tag = match version {
        Some(v) => format!("\"v{v}\""),
        None => {
            let digest = Sha256::digest(body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        }
    };
    HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Whether an `If-Match` / `If-None-Match` header value lists `etag` (or is `*`).
/// Weak tags (`W/"…"`) never match: both comparisons here are strong.
pub(crate) fn matches(header: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = header.to_str() else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_and_hashed_tags() {
        assert_eq!(etag_of(Some(3), b"{}"), "\"v3\"");
        let a = etag_of(None, b"{\"a\":1}");
        assert_ne!(a, etag_of(None, b"{\"a\":2}"));
        assert_eq!(a.len(), 26);
    }

    #[test]
    fn lists_stars_and_weak_tags() {
        let tag = HeaderValue::from_static("\"v3\"");
        assert!(matches(&HeaderValue::from_static("\"v2\", \"v3\""), &tag));
        assert!(matches(&HeaderValue::from_static("*"), &tag));
        assert!(!matches(&HeaderValue::from_static("W/\"v3\""), &tag));
        assert!(!matches(&HeaderValue::from_static("\"v4\""), &tag));
    }
}
