//! [`MemoryLimiter`]: GCRA in this process, on governor.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

use super::{Decision, Limiter, Quota, RateLimitError};

/// How often the background task forgets keys whose quota is full again.
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(60);

/// Without a Tokio runtime to run the cleanup task, clean up every this many checks.
const CHECKS_PER_CLEANUP: u64 = 10_000;

/// governor's `DefaultKeyedRateLimiter`, reporting its state on every check.
type Keyed = governor::RateLimiter<
    Arc<str>,
    DefaultKeyedStateStore<Arc<str>>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// A [`Limiter`] in this process's memory: governor's keyed GCRA limiter.
///
/// Each instance of the app has its own quotas; use
/// [`RedisLimiter`](super::RedisLimiter) for one quota across instances.
///
/// ## Memory
/// Every key seen keeps a small entry until its quota is full again. While a
/// limiter lives, a background Tokio task calls governor's `retain_recent` every
/// [cleanup interval](Self::with_cleanup_interval) (60 s by default), so memory
/// follows the number of *recently active* keys, not every key ever seen. The task
/// holds only a weak reference and ends once the last clone of the limiter is
/// dropped. Built outside a Tokio runtime, the limiter cleans up inline every
/// 10 000 checks instead.
///
/// Cheap to clone: clones share the state.
#[derive(Clone)]
pub struct MemoryLimiter {
    keyed: Arc<Keyed>,
    quota: Quota,
    checks: Arc<AtomicU64>,
    background_cleanup: bool,
}

impl MemoryLimiter {
    /// A limiter holding every key to `quota`, cleaned up every 60 s.
    pub fn new(quota: Quota) -> Self {
        Self::with_cleanup_interval(quota, DEFAULT_CLEANUP_INTERVAL)
    }

    /// A limiter whose background task forgets idle keys every `interval`.
    pub fn with_cleanup_interval(quota: Quota, interval: Duration) -> Self {
        let keyed = Arc::new(
            governor::RateLimiter::keyed(quota.to_governor())
                .with_middleware::<StateInformationMiddleware>(),
        );
        let background_cleanup = match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !interval.is_zero() => {
                runtime.spawn(clean_up_periodically(Arc::downgrade(&keyed), interval));
                true
            }
            _ => false,
        };
        Self {
            keyed,
            quota,
            checks: Arc::new(AtomicU64::new(0)),
            background_cleanup,
        }
    }

    /// Check and consume one request for `key`; never fails.
    pub fn check_key(&self, key: &str) -> Decision {
        if !self.background_cleanup
            && self.checks.fetch_add(1, Ordering::Relaxed) % CHECKS_PER_CLEANUP
                == CHECKS_PER_CLEANUP - 1
        {
            self.retain_recent();
        }
        let limit = self.quota.limit();
        let interval = self.quota.interval();
        match self.keyed.check_key(&Arc::from(key)) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let reset = interval * limit.saturating_sub(remaining);
                Decision::allowed(limit, remaining, reset)
            }
            Err(not_until) => {
                let retry_after = not_until.wait_time_from(self.keyed.clock().now());
                let reset = retry_after.saturating_add(interval * limit.saturating_sub(1));
                Decision::denied(limit, retry_after, reset)
            }
        }
    }

    /// Forget every key whose quota is full again (what the cleanup task does).
    pub fn retain_recent(&self) {
        self.keyed.retain_recent();
        self.keyed.shrink_to_fit();
    }

    /// How many keys are held (an estimate while checks run concurrently).
    pub fn len(&self) -> usize {
        self.keyed.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keyed.is_empty()
    }
}

async fn clean_up_periodically(keyed: Weak<Keyed>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick is immediate
    loop {
        ticks.tick().await;
        let Some(keyed) = keyed.upgrade() else {
            return;
        };
        let before = keyed.len();
        keyed.retain_recent();
        keyed.shrink_to_fit();
        tracing::trace!(before, after = keyed.len(), "rate limiter forgot idle keys");
    }
}

impl Limiter for MemoryLimiter {
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Decision, RateLimitError>> {
        std::future::ready(Ok(self.check_key(key))).boxed()
    }

    fn quota(&self) -> Quota {
        self.quota
    }
}

impl std::fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("quota", &self.quota)
            .field("keys", &self.keyed.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(text: &str) -> Quota {
        text.parse().unwrap()
    }

    #[test]
    fn allows_the_limit_then_refuses_with_a_retry_time() {
        let limiter = MemoryLimiter::new(quota("3/min"));
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check_key("a").remaining()).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check_key("a");
        assert!(!refused.is_allowed());
        assert!(
            refused.retry_after() > Duration::from_secs(19),
            "{refused:?}"
        );
        assert!(
            refused.retry_after() <= Duration::from_secs(20),
            "{refused:?}"
        );
        assert!(refused.reset() > Duration::from_secs(59), "{refused:?}");
        // Another key has its own quota.
        assert!(limiter.check_key("b").is_allowed());
    }

    #[test]
    fn reset_grows_with_what_was_used() {
        let limiter = MemoryLimiter::new(quota("10/10s"));
        let first = limiter.check_key("k");
        assert_eq!(first.remaining(), 9);
        assert_eq!(first.reset(), Duration::from_secs(1));
        let second = limiter.check_key("k");
        assert_eq!(second.reset(), Duration::from_secs(2));
    }

    #[test]
    fn without_a_runtime_cleanup_runs_inline() {
        let limiter = MemoryLimiter::new(quota("1000/s"));
        assert!(!limiter.background_cleanup);
        for i in 0..CHECKS_PER_CLEANUP - 1 {
            limiter.check_key(&format!("k{i}"));
        }
        assert!(limiter.len() > 1);
        std::thread::sleep(Duration::from_millis(20));
        limiter.check_key("last");
        assert!(limiter.len() <= 1, "{}", limiter.len());
    }
}
