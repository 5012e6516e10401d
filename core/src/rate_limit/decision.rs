//! [`Decision`]: what a limiter answered for one request.

use std::time::Duration;

/// The outcome of checking one request against a key's quota, with what the
/// `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    allowed: bool,
    limit: u32,
    remaining: u32,
    reset: Duration,
    retry_after: Duration,
}

impl Decision {
    /// The request may proceed; `remaining` more requests would be allowed right
    /// now, and the full quota is back after `reset`.
    pub fn allowed(limit: u32, remaining: u32, reset: Duration) -> Self {
        Self {
            allowed: true,
            limit,
            remaining: remaining.min(limit),
            reset,
            retry_after: Duration::ZERO,
        }
    }

    /// The request is refused; the next one may succeed after `retry_after`, and
    /// the full quota is back after `reset`.
    pub fn denied(limit: u32, retry_after: Duration, reset: Duration) -> Self {
        Self {
            allowed: false,
            limit,
            remaining: 0,
            reset: reset.max(retry_after),
            retry_after,
        }
    }

    /// Whether the request may proceed.
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }

    /// The quota's request count (`RateLimit-Limit`).
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Requests still allowed right now (`RateLimit-Remaining`).
    pub fn remaining(&self) -> u32 {
        self.remaining
    }

    /// Time until the whole quota is available again (`RateLimit-Reset`).
    pub fn reset(&self) -> Duration {
        self.reset
    }

    /// For a refused request, time until the next one may succeed (`Retry-After`);
    /// zero when allowed.
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }
}

/// Whole seconds, rounded up: a client that waits this long is never early.
pub(crate) fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_resets_no_sooner_than_it_may_retry() {
        let d = Decision::denied(5, Duration::from_secs(12), Duration::from_secs(3));
        assert!(!d.is_allowed());
        assert_eq!(d.remaining(), 0);
        assert_eq!(d.reset(), Duration::from_secs(12));
        let a = Decision::allowed(5, 9, Duration::from_secs(1));
        assert_eq!(a.remaining(), 5);
        assert_eq!(a.retry_after(), Duration::ZERO);
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(ceil_secs(Duration::ZERO), 0);
        assert_eq!(ceil_secs(Duration::from_millis(1)), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1000)), 1);
        assert_eq!(ceil_secs(Duration::from_millis(1001)), 2);
    }
}
