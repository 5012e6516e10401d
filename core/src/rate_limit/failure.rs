//! [`FailurePolicy`]: what a limited route does when its limiter cannot decide.

use serde::Deserialize;

/// What happens to a request when the limiter fails (Redis down or timed out).
///
/// Either way the failure is logged at `warn` level with the error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FailurePolicy {
    /// Let the request through, without `RateLimit-*` headers (the state is
    /// unknown). The default: an outage of the limiter's store should not take
    /// the API down with it.
    #[default]
    Open,
    /// Refuse the request with 503 `SERVICE_UNAVAILABLE` (not 429: the client did
    /// nothing wrong, and SPEC §3 maps "Redis unreachable" to 503). For routes
    /// where unlimited access is worse than none, such as login.
    Closed,
}
