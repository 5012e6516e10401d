//! [`RateLimitError`]: a limiter could not decide.

use std::time::Duration;

use crate::AppError;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a limiter could not reach a decision (the in-memory limiter never fails;
/// the Redis one does when Redis is down or misbehaves).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The backend is unreachable, or skipped during an outage cool-down.
    #[error("rate limit backend {backend} unavailable: {source}")]
    Unavailable {
        /// Which backend, e.g. `redis`.
        backend: &'static str,
        /// What failed.
        source: BoxError,
    },
    /// The backend did not answer in time.
    #[error("rate limit backend {backend} did not answer within {after:?}")]
    Timeout {
        /// Which backend.
        backend: &'static str,
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The backend answered with an error or an unexpected reply.
    #[error("rate limit backend {backend} failed: {source}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// What failed.
        source: BoxError,
    },
    /// The configuration cannot build a limiter (normally caught by config validation).
    #[error("rate limit configuration: {0}")]
    Config(String),
}

impl RateLimitError {
    /// Whether the backend looks down (unreachable or timed out) rather than
    /// answering wrongly.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Timeout { .. })
    }
}

impl From<RateLimitError> for AppError {
    /// Any limiter failure is a 503 (the client may retry); the cause is not sent.
    fn from(_: RateLimitError) -> Self {
        AppError::unavailable("Rate limiting is temporarily unavailable")
    }
}
