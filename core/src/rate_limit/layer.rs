//! [`RateLimitLayer`]: limit a route group.

use std::sync::Arc;

use tower::Layer;

use super::{FailurePolicy, KeyBy, Limiter, MemoryLimiter, Quota, RateLimit, TrustedProxies};

/// Limits the requests of the routes it wraps: one quota per key, checked before
/// the handler runs.
///
/// - Allowed requests reach the handler; the response carries `RateLimit-Limit`,
///   `RateLimit-Remaining` and `RateLimit-Reset` (whole seconds until the full
///   quota is back).
/// - Refused requests get 429 `RATE_LIMITED` in the error envelope with
///   `Retry-After` (whole seconds, rounded up) and the same three headers.
/// - When the limiter fails, the [`FailurePolicy`] decides (open by default).
///
/// Apply it per route group, so each group has its own quota:
///
/// ```
/// use strata::axum::{Router, routing::post};
/// use strata::rate_limit::{FailurePolicy, RateLimitLayer};
///
/// let login = Router::<()>::new()
///     .route("/login", post(|| async { "token" }))
///     .route_layer(RateLimitLayer::per_ip("5/min".parse().unwrap()).on_failure(FailurePolicy::Closed));
/// ```
///
/// Peer addresses come from `ConnectInfo<SocketAddr>`: serve the router with
/// `into_make_service_with_connect_info::<SocketAddr>()` (the [`App`](crate::App)
/// server does). Without it, every client shares one `ip:unknown` bucket.
#[derive(Clone)]
pub struct RateLimitLayer {
    shared: Arc<Shared>,
}

/// What every clone of the service shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) limiter: Arc<dyn Limiter>,
    pub(crate) key_by: KeyBy,
    pub(crate) proxies: TrustedProxies,
    pub(crate) failure: FailurePolicy,
    pub(crate) enabled: bool,
}

impl RateLimitLayer {
    /// Limit with `limiter`, keyed by `key_by`; no trusted proxies, fail open.
    pub fn new(limiter: impl Limiter, key_by: KeyBy) -> Self {
        Self::from_shared_limiter(Arc::new(limiter), key_by)
    }

    /// [`new`](Self::new) with a limiter already shared elsewhere (e.g. between
    /// route groups that should count together).
    pub fn from_shared_limiter(limiter: Arc<dyn Limiter>, key_by: KeyBy) -> Self {
        Self {
            shared: Arc::new(Shared {
                limiter,
                key_by,
                proxies: TrustedProxies::none(),
                failure: FailurePolicy::default(),
                enabled: true,
            }),
        }
    }

    /// An in-memory limit per client IP.
    pub fn per_ip(quota: Quota) -> Self {
        Self::new(MemoryLimiter::new(quota), KeyBy::ClientIp)
    }

    /// An in-memory limit per user ([`UserKey`](super::UserKey)), per client IP
    /// for anonymous requests.
    pub fn per_user(quota: Quota) -> Self {
        Self::new(MemoryLimiter::new(quota), KeyBy::User)
    }

    /// Believe `X-Forwarded-For` from these proxies (see [`TrustedProxies`]).
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        Arc::make_mut(&mut self.shared).proxies = proxies;
        self
    }

    /// What to do when the limiter fails.
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        Arc::make_mut(&mut self.shared).failure = policy;
        self
    }

    /// Switch enforcement off (`false`): requests pass untouched, without headers.
    pub fn enabled(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.shared).enabled = enabled;
        self
    }

    /// The quota this layer enforces.
    pub fn quota(&self) -> Quota {
        self.shared.limiter.quota()
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit::new(inner, Arc::clone(&self.shared))
    }
}

impl std::fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("quota", &self.quota())
            .field("key_by", &self.shared.key_by)
            .field("proxies", &self.shared.proxies)
            .field("failure", &self.shared.failure)
            .field("enabled", &self.shared.enabled)
            .finish_non_exhaustive()
    }
}
