//! A circuit breaker: after an outage, skip the backend for a cool-down instead of
//! paying its timeout on every call.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Open after a failure, for `cooldown`; then let calls probe again (half-open)
/// until one succeeds (closed) or fails (open again).
#[derive(Debug)]
pub(crate) struct Breaker {
    cooldown: Duration,
    opened_at: Mutex<Option<Instant>>,
}

impl Breaker {
    /// A closed breaker; a zero `cooldown` never opens.
    pub(crate) fn new(cooldown: Duration) -> Self {
        Self {
            cooldown,
            opened_at: Mutex::new(None),
        }
    }

    /// Whether calls should skip the backend right now.
    pub(crate) fn is_open(&self) -> bool {
        let opened_at = self
            .opened_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        opened_at.is_some_and(|at| at.elapsed() < self.cooldown)
    }

    /// The backend failed as if down: open (again) for the cool-down.
    pub(crate) fn record_outage(&self) {
        if self.cooldown.is_zero() {
            return;
        }
        let mut opened_at = self
            .opened_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if opened_at.is_none() {
            tracing::warn!(cooldown = ?self.cooldown, "cache backend down; skipping it for the cool-down");
        }
        *opened_at = Some(Instant::now());
    }

    /// The backend answered: close.
    pub(crate) fn record_success(&self) {
        let mut opened_at = self
            .opened_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if opened_at.take().is_some() {
            tracing::info!("cache backend reachable again");
        }
    }

    /// The cool-down.
    pub(crate) fn cooldown(&self) -> Duration {
        self.cooldown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_for_the_cooldown_then_half_opens_and_closes_on_success() {
        let breaker = Breaker::new(Duration::from_millis(50));
        assert!(!breaker.is_open());
        breaker.record_outage();
        assert!(breaker.is_open());
        std::thread::sleep(Duration::from_millis(70));
        assert!(!breaker.is_open(), "no probe allowed after the cool-down");
        breaker.record_outage();
        assert!(breaker.is_open(), "a failed probe re-opens");
        breaker.record_success();
        assert!(!breaker.is_open());
    }

    #[test]
    fn a_zero_cooldown_never_opens() {
        let breaker = Breaker::new(Duration::ZERO);
        breaker.record_outage();
        assert!(!breaker.is_open());
    }
}
