//! [`KeyBy`]: which bucket a request counts against; [`UserKey`], set by auth.

use std::sync::Arc;

use http::{HeaderName, Request};
use sha2::{Digest, Sha256};

use super::TrustedProxies;

/// The authenticated caller's rate-limit identity, as a request extension.
///
/// The auth layer inserts it (`request.extensions_mut().insert(UserKey::new(id))`)
/// once it knows who is calling; [`KeyBy::User`] then limits by it, and by client
/// IP for anonymous requests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserKey(Arc<str>);

impl UserKey {
    /// The identity of a user, typically their id.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Self(id.into())
    }

    /// The identity as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a [`RateLimitLayer`](super::RateLimitLayer) keys its quota by.
///
/// Keys are namespaced (`ip:…`, `user:…`, `api-key:…`), so one limiter may mix
/// them without collisions. API keys are hashed (SHA-256, truncated) so secrets are
/// never held in memory maps or written to Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyBy {
    /// The client IP: the peer address, or `X-Forwarded-For` from a
    /// [trusted proxy](TrustedProxies).
    ClientIp,
    /// The [`UserKey`] extension, or the client IP when the request is anonymous.
    User,
    /// The value of this header (e.g. `x-api-key`), or the client IP when absent.
    ApiKey(HeaderName),
}

/// The key for requests whose client address is unknown (no `ConnectInfo`): they
/// share one bucket rather than escaping the limit.
const UNKNOWN_IP: &str = "ip:unknown";

impl KeyBy {
    /// The bucket `request` counts against.
    pub fn key<B>(&self, request: &Request<B>, proxies: &TrustedProxies) -> String {
        match self {
            Self::User => {
                if let Some(user) = request.extensions().get::<UserKey>() {
                    return format!("user:{}", user.as_str());
                }
            }
            Self::ApiKey(header) => {
                if let Some(value) = request.headers().get(header) {
                    let digest = Sha256::digest(value.as_bytes());
                    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                    return format!("api-key:{hex}");
                }
            }
            Self::ClientIp => {}
        }
        match proxies.client_ip(request) {
            Some(ip) => format!("ip:{ip}"),
            None => {
                tracing::debug!("rate limit: no ConnectInfo, client address unknown");
                UNKNOWN_IP.to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;

    use super::*;

    fn request(peer: &str) -> Request<()> {
        let mut request = Request::new(());
        let addr: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        request
    }

    #[test]
    fn users_are_keyed_by_id_and_anonymous_ones_by_ip() {
        let none = TrustedProxies::none();
        let mut signed_in = request("1.2.3.4:5000");
        signed_in.extensions_mut().insert(UserKey::new("42"));
        assert_eq!(KeyBy::User.key(&signed_in, &none), "user:42");
        assert_eq!(KeyBy::ClientIp.key(&signed_in, &none), "ip:1.2.3.4");
        assert_eq!(KeyBy::User.key(&request("1.2.3.4:1"), &none), "ip:1.2.3.4");
        assert_eq!(KeyBy::User.key(&Request::new(()), &none), "ip:unknown");
    }

    #[test]
    fn api_keys_are_hashed() {
        let none = TrustedProxies::none();
        let by_key = KeyBy::ApiKey(HeaderName::from_static("x-api-key"));
        let mut with_key = request("1.2.3.4:5000");
        with_key
            .headers_mut()
            .insert("x-api-key", "secret-123".parse().unwrap());
        let key = by_key.key(&with_key, &none);
        assert!(key.starts_with("api-key:"), "{key}");
        assert_eq!(key.len(), "api-key:".len() + 32);
        assert!(!key.contains("secret"));
        assert_eq!(by_key.key(&request("1.2.3.4:1"), &none), "ip:1.2.3.4");
    }
}
