//! Keyset cursors and their tamper-evident encoding.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{SortKey, Value, render_sort};
use crate::AppError;

/// Longest encoded cursor accepted, in bytes.
pub const MAX_CURSOR_LEN: usize = 4096;

/// Bytes of HMAC-SHA256 kept in a cursor (128 bits).
const TAG_LEN: usize = 16;

/// HMAC-SHA256 block size: keys are zero-padded (or first hashed) to it.
const BLOCK_LEN: usize = 64;

/// A position in a keyset-paginated list: the sort-key values of the last row
/// of the previous page.
///
/// `values` holds one value per sort key, in order, the id value last. `sort`
/// is the sort the values were taken under, rendered as a `sort` parameter
/// (`-dueDate,-id`); it is signed with the values, so a cursor made for one
/// sort is rejected under another. Build one with [`Cursor::new`] or
/// [`ListQuery::cursor_after`](super::ListQuery::cursor_after).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// The sort fingerprint, e.g. `-dueDate,-id`.
    pub sort: String,
    /// One value per sort key, the id value last.
    pub values: Vec<Value>,
}

impl Cursor {
    /// A cursor over `values` taken under `sort`.
    pub fn new(sort: &[SortKey], values: Vec<Value>) -> Self {
        Self {
            sort: render_sort(sort),
            values,
        }
    }
}

/// Signs and verifies cursors with HMAC-SHA256.
///
/// A cursor is `base64url(payload) "." base64url(tag)`, where the payload is a
/// small JSON document holding the sort fingerprint and the tagged values, and
/// the tag is the first 128 bits of HMAC-SHA256 over the encoded payload. The
/// payload is readable but not forgeable: any change fails the MAC.
///
/// ```
/// use strata::query::{Cursor, CursorCodec, Value};
///
/// let codec = CursorCodec::new(b"a secret of at least 32 bytes, please");
/// let cursor = Cursor { sort: "id".into(), values: vec![Value::Int(42)] };
/// let token = codec.encode(&cursor);
/// assert_eq!(codec.decode(&token).unwrap(), cursor);
/// assert!(CursorCodec::new(b"another secret").decode(&token).is_err());
/// ```
#[derive(Clone)]
pub struct CursorCodec {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorCodec").finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    s: String,
    v: Vec<(String, String)>,
}

impl CursorCodec {
    /// A codec keyed with `secret` (use at least 32 random bytes; keep it
    /// stable across restarts and instances or outstanding cursors break).
    pub fn new(secret: &[u8]) -> Self {
        // HMAC pads keys to the block size and hashes longer ones first, so this
        // is exactly HMAC keyed with `secret`, through the infallible constructor.
        let mut key = [0u8; BLOCK_LEN];
        if secret.len() > BLOCK_LEN {
            key[..32].copy_from_slice(&Sha256::digest(secret));
        } else {
            key[..secret.len()].copy_from_slice(secret);
        }
        Self {
            mac: Hmac::<Sha256>::new(&key.into()),
        }
    }

    /// The opaque, signed text form of `cursor`.
    pub fn encode(&self, cursor: &Cursor) -> String {
        let payload = Payload {
            s: cursor.sort.clone(),
            v: cursor
                .values
                .iter()
                .map(|v| (v.tag().to_owned(), v.to_string()))
                .collect(),
        };
        // Serialising strings and pairs of strings cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(json);
        let tag = self.tag(body.as_bytes());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_LEN]))
    }

    /// Verifies and reads a cursor; any failure is a 400 naming `cursor`.
    pub fn decode(&self, text: &str) -> Result<Cursor, AppError> {
        let invalid = || AppError::bad_parameter("cursor", "invalid_cursor", "invalid cursor");
        if text.len() > MAX_CURSOR_LEN {
            return Err(invalid());
        }
        let (body, tag) = text.split_once('.').ok_or_else(invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != TAG_LEN {
            return Err(invalid());
        }
        let mut mac = self.mac.clone();
        mac.update(body.as_bytes());
        mac.verify_truncated_left(&tag).map_err(|_| invalid())?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| invalid())?;
        let values = payload
            .v
            .iter()
            .map(|(tag, text)| Value::from_tagged(tag, text))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(invalid)?;
        Ok(Cursor {
            sort: payload.s,
            values,
        })
    }

    fn tag(&self, body: &[u8]) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> CursorCodec {
        CursorCodec::new(b"test secret test secret test secret")
    }

    fn sample() -> Cursor {
        Cursor {
            sort: "-dueDate,-id".into(),
            values: vec![
                Value::String("a.b,\"c\"".into()),
                Value::Null,
                Value::Float(-0.5),
                Value::Uuid(uuid::Uuid::nil()),
            ],
        }
    }

    #[test]
    fn round_trips() {
        let token = codec().encode(&sample());
        assert_eq!(codec().decode(&token).unwrap(), sample());
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn equals_plain_hmac_for_short_and_long_keys() {
        for secret in [b"k".to_vec(), vec![7u8; 64], vec![9u8; 200]] {
            let ours = CursorCodec::new(&secret).tag(b"body");
            let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret).unwrap();
            reference.update(b"body");
            assert_eq!(ours, reference.finalize().into_bytes().to_vec());
        }
    }

    #[test]
    fn rejects_tampering_and_garbage() {
        let token = codec().encode(&sample());
        let (body, tag) = token.split_once('.').unwrap();
        let mut flipped = body.as_bytes().to_vec();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{}.{tag}", String::from_utf8(flipped).unwrap());
        let forged = {
            let json = br#"{"s":"-dueDate,-id","v":[["i","1"]]}"#;
            format!("{}.{tag}", URL_SAFE_NO_PAD.encode(json))
        };
        let garbage = [
            String::new(),
            "abc".into(),
            ".".into(),
            format!("{body}."),
            format!("{body}.{tag}{tag}"),
            format!("{body}.!!"),
            flipped,
            forged,
            "x".repeat(MAX_CURSOR_LEN + 1),
            CursorCodec::new(b"other").encode(&sample()),
        ];
        for text in garbage {
            let err = codec().decode(&text).unwrap_err();
            assert_eq!(err.details()[0].field, "cursor", "{text}");
            assert_eq!(err.details()[0].code, "invalid_cursor");
        }
    }

    #[test]
    fn signed_but_malformed_payloads_are_rejected() {
        let c = codec();
        for json in [
            &b"not json"[..],
            br#"{"s":"id","v":[["i","x"]]}"#,
            br#"{"s":"id","v":[["q","1"]]}"#,
        ] {
            let body = URL_SAFE_NO_PAD.encode(json);
            let tag = URL_SAFE_NO_PAD.encode(&c.tag(body.as_bytes())[..TAG_LEN]);
            assert!(c.decode(&format!("{body}.{tag}")).is_err());
        }
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", codec()), "CursorCodec { .. }");
    }
}
