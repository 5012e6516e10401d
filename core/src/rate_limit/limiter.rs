//! [`Limiter`]: the backend interface behind [`RateLimitLayer`](super::RateLimitLayer).

use futures_util::future::BoxFuture;

use super::{Decision, Quota, RateLimitError};

/// Decides whether a request under a key fits its quota, and records it when it
/// does. Implemented by [`MemoryLimiter`](super::MemoryLimiter) (one process) and
/// [`RedisLimiter`](super::RedisLimiter) (shared by every instance).
pub trait Limiter: Send + Sync + 'static {
    /// Check and, when allowed, consume one request for `key`.
    ///
    /// # Errors
    /// The backend could not decide (Redis down, timed out); the layer's
    /// [`FailurePolicy`](super::FailurePolicy) says what happens to the request.
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Decision, RateLimitError>>;

    /// The quota every key is held to.
    fn quota(&self) -> Quota;
}
