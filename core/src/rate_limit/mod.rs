//! Rate limiting per route group: GCRA quotas keyed by client IP, user or API key,
//! in memory (governor) or shared through Redis.
//!
//! ```
//! use strata::axum::{Router, routing::{get, post}};
//! use strata::rate_limit::{FailurePolicy, KeyBy, MemoryLimiter, RateLimitLayer, TrustedProxies};
//!
//! let proxies = TrustedProxies::parse(["10.0.0.0/8"]).unwrap();
//! let api = Router::<()>::new()
//!     .route("/notes", get(|| async { "[]" }))
//!     .route_layer(
//!         RateLimitLayer::new(MemoryLimiter::new("100/15min".parse().unwrap()), KeyBy::User)
//!             .trusted_proxies(proxies.clone()),
//!     );
//! let login = Router::<()>::new()
//!     .route("/login", post(|| async { "token" }))
//!     .route_layer(
//!         RateLimitLayer::per_ip("5/min".parse().unwrap())
//!             .trusted_proxies(proxies)
//!             .on_failure(FailurePolicy::Closed),
//!     );
//! let app = api.merge(login);
//! # let _ = app;
//! ```
//!
//! ## Pieces
//! - [`Quota`]: `N/period` (`5/min`, `100/15min`, `1000/h`, `10/s`, `2/day`).
//! - [`Limiter`]: a backend deciding per key. [`MemoryLimiter`] (governor's keyed
//!   GCRA, per process) or [`RedisLimiter`] (the same GCRA in one atomic Lua
//!   script, one quota across every instance sharing the namespace).
//! - [`KeyBy`]: client IP, user ([`UserKey`] request extension, set by auth; IP
//!   when anonymous) or an API-key header (hashed; IP when absent).
//! - [`TrustedProxies`]: whose `X-Forwarded-For` is believed.
//! - [`RateLimitLayer`] → [`RateLimit`] service → [`ResponseFuture`].
//! - [`FailurePolicy`]: allow or refuse (503) when the limiter fails.
//!
//! ## Design notes (where SPEC §7 is silent)
//! - **Algorithm.** GCRA with burst = limit and emission interval = period / limit:
//!   a fresh key may make `limit` requests at once, then one more every
//!   `period / limit`. This is not a fixed window: after a burst, quota returns
//!   gradually.
//! - **Headers.** `RateLimit-Limit` is the quota's count, `RateLimit-Remaining`
//!   the requests allowed right now, `RateLimit-Reset` the whole seconds (rounded
//!   up) until the full quota is back. A 429 adds `Retry-After`: whole seconds,
//!   rounded up, at least 1, until the next request may succeed. All three headers
//!   are on every allowed or refused response of a limited route, except when the
//!   limiter failed open (the state is unknown, so no numbers are invented).
//! - **Failure.** [`FailurePolicy::Open`] (default) lets requests through and logs a
//!   warning; [`FailurePolicy::Closed`] answers 503 `SERVICE_UNAVAILABLE`, not 429:
//!   the client exceeded nothing, and SPEC §3 maps "Redis unreachable" to 503.
//!   Both log at `warn` with the error. The Redis limiter bounds every check by
//!   the operation timeout (250 ms by default) and then skips Redis for a
//!   cool-down (1 s), like [`RedisCache`](crate::cache::RedisCache), so an outage
//!   costs at most one timeout per cool-down, not one per request.
//! - **Time.** The Redis script reads Redis's `TIME`, so instances' clocks do not
//!   need to agree. Keys expire in Redis once their quota is full again.
//! - **Keys.** Namespaced (`ip:`, `user:`, `api-key:`); API keys are stored as a
//!   truncated SHA-256 so secrets never sit in memory maps or Redis. A request with
//!   no `ConnectInfo` (served without connect info) falls into one shared
//!   `ip:unknown` bucket rather than escaping the limit.
//! - **`X-Forwarded-For`.** Believed only when the peer is a trusted proxy; read
//!   right to left, skipping trusted hops; an unparseable entry stops the walk at
//!   the last trusted hop. A forged leftmost entry therefore never changes the key.
//! - **Memory.** [`MemoryLimiter`] runs governor's `retain_recent` (and
//!   `shrink_to_fit`) from a background task every 60 s by default, holding only a
//!   weak reference; without a runtime it cleans up every 10 000 checks.
//! - **Order with auth.** [`KeyBy::User`] reads the [`UserKey`] extension, so the
//!   layer that authenticates (and inserts `UserKey`) must run before the rate
//!   limit: add it *after* the `RateLimitLayer` (`.route_layer(rate_limit)
//!   .route_layer(auth)`), as axum runs the last-added layer first. SPEC §3's
//!   "rate limit → auth" order holds for IP-keyed limits such as login.
//! - **Wiring.** Not part of the default stack: limits are per route group, so apps
//!   add a layer to each group. [`RateLimitConfig`](crate::config::RateLimitConfig)
//!   (`[rate_limit]`) carries the quotas, trusted proxies, Redis switch and failure
//!   policy; [`RateLimitLayer::from_config`] builds a group's layer from it.

mod client_ip;
mod decision;
mod error;
mod failure;
mod from_config;
mod future;
mod key;
mod layer;
mod limiter;
mod memory;
mod quota;
mod redis_limiter;
mod service;

pub use client_ip::{InvalidProxy, TrustedProxies};
pub use decision::Decision;
pub use error::{BoxError, RateLimitError};
pub use failure::FailurePolicy;
pub use future::ResponseFuture;
pub use key::{KeyBy, UserKey};
pub use layer::RateLimitLayer;
pub use limiter::Limiter;
pub use memory::{DEFAULT_CLEANUP_INTERVAL, MemoryLimiter};
pub use quota::{MAX_PERIOD, Quota, QuotaError};
pub use redis_limiter::RedisLimiter;
pub use service::{RATELIMIT_LIMIT, RATELIMIT_REMAINING, RATELIMIT_RESET, RateLimit};
