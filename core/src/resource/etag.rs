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

/// `If-Match` (RFC 9110 §13.1.1): the header lists `etag` by strong
/// comparison, or is `*`. A weak tag (`W/"…"`) never matches.
pub(crate) fn matches(header: &HeaderValue, etag: &HeaderValue) -> bool {
    compare(header, etag, |candidate, etag| candidate == etag)
}

/// `If-None-Match` (RFC 9110 §13.1.2): the header lists `etag` by weak
/// comparison (`W/"v3"` matches `"v3"`), or is `*`.
pub(crate) fn matches_weak(header: &HeaderValue, etag: &HeaderValue) -> bool {
    compare(header, etag, |candidate, etag| {
        opaque(candidate) == opaque(etag)
    })
}

/// A tag without its weak marker.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

fn compare(header: &HeaderValue, etag: &HeaderValue, same: impl Fn(&str, &str) -> bool) -> bool {
    let Ok(list) = header.to_str() else {
        return false;
    };
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || same(candidate, etag))
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

    #[test]
    fn if_none_match_compares_weakly() {
        let tag = HeaderValue::from_static("\"v3\"");
        assert!(matches_weak(&HeaderValue::from_static("W/\"v3\""), &tag));
        assert!(matches_weak(
            &HeaderValue::from_static("\"v1\", W/\"v3\""),
            &tag
        ));
        assert!(matches_weak(&HeaderValue::from_static("\"v3\""), &tag));
        assert!(matches_weak(&HeaderValue::from_static("*"), &tag));
        assert!(!matches_weak(&HeaderValue::from_static("W/\"v4\""), &tag));
    }
}
