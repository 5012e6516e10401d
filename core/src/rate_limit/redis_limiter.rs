//! [`RedisLimiter`]: GCRA in Redis, one quota shared by every app instance.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use redis::Script;
use redis::aio::ConnectionManager;

use super::{Decision, Limiter, Quota, RateLimitError};
use crate::cache::RedisOptions;
use crate::cache::breaker::Breaker;

const BACKEND: &str = "redis";

/// GCRA, atomically, in one round trip (EVALSHA; EVAL when Redis lost the script).
///
/// `KEYS[1]` holds the key's theoretical arrival time (TAT) in microseconds since
/// the epoch, by Redis's own clock so that instances' clocks never matter.
/// `ARGV[1]` is the emission interval (period / limit) in µs, `ARGV[2]` the limit.
/// Replies `{allowed (0|1), remaining, retry_after µs, reset µs}`. The key expires
/// when its quota is full again, so idle keys cost Redis nothing.
const GCRA: &str = r"
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then
  tat = now
end
local tolerance = interval * (limit - 1)
local allow_at = tat - tolerance
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
local new_tat = tat + interval
local ttl_ms = math.max(1, math.ceil((new_tat - now) / 1000))
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ttl_ms)
return {1, math.floor((now + tolerance - tat) / interval), 0, new_tat - now}
";

static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(GCRA));

/// A [`Limiter`] in Redis: every instance using the same URL and namespace shares
/// one quota per key, under the Redis keys `strata:rate_limit:<namespace>:<key>`.
///
/// Timeouts, reconnection and the outage circuit breaker work as for
/// [`RedisCache`](crate::cache::RedisCache) and take the same [`RedisOptions`]:
/// a check gives up after the operation timeout (250 ms by default), and after
/// one failure checks fail at once for the outage cool-down (1 s) instead of each
/// waiting. A failed check is a [`RateLimitError`]; the layer's
/// [`FailurePolicy`](super::FailurePolicy) then allows or refuses the request.
///
/// Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct RedisLimiter {
    connection: ConnectionManager,
    prefix: String,
    quota: Quota,
    operation_timeout: Duration,
    breaker: Arc<Breaker>,
}

impl RedisLimiter {
    /// Connect to `url`, waiting at most the options' connect timeout.
    ///
    /// # Errors
    /// An invalid URL, or Redis unreachable within the connect timeout.
    pub async fn connect(
        url: &str,
        namespace: &str,
        quota: Quota,
        options: RedisOptions,
    ) -> Result<Self, RateLimitError> {
        let client = redis::Client::open(url).map_err(backend_error)?;
        let connect = ConnectionManager::new_with_config(client, options.manager_config());
        let connection = tokio::time::timeout(options.connect_timeout, connect)
            .await
            .map_err(|_| RateLimitError::Timeout {
                backend: BACKEND,
                after: options.connect_timeout,
            })?
            .map_err(redis_error)?;
        Ok(Self::from_parts(connection, namespace, quota, &options))
    }

    /// A limiter that connects on first use: never waits and never fails for an
    /// unreachable server, only for an invalid URL (so an app can start, and
    /// degrade per its failure policy, while Redis is down).
    ///
    /// # Errors
    /// An invalid URL.
    pub fn connect_lazy(
        url: &str,
        namespace: &str,
        quota: Quota,
        options: RedisOptions,
    ) -> Result<Self, RateLimitError> {
        let client = redis::Client::open(url).map_err(backend_error)?;
        let connection = ConnectionManager::new_lazy_with_config(client, options.manager_config())
            .map_err(backend_error)?;
        Ok(Self::from_parts(connection, namespace, quota, &options))
    }

    fn from_parts(
        connection: ConnectionManager,
        namespace: &str,
        quota: Quota,
        options: &RedisOptions,
    ) -> Self {
        Self {
            connection,
            prefix: format!("strata:rate_limit:{namespace}:"),
            quota,
            operation_timeout: options.operation_timeout,
            breaker: Arc::new(Breaker::new(options.outage_cooldown)),
        }
    }

    /// The prefix put before every key, `strata:rate_limit:<namespace>:`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Check and consume one request for `key`.
    ///
    /// # Errors
    /// Redis unreachable, slower than the operation timeout, skipped during the
    /// outage cool-down, or answering unexpectedly.
    pub async fn check_key(&self, key: &str) -> Result<Decision, RateLimitError> {
        if self.breaker.is_open() {
            let cooldown = self.breaker.cooldown();
            return Err(RateLimitError::Unavailable {
                backend: BACKEND,
                source: format!("skipped: Redis failed less than {cooldown:?} ago").into(),
            });
        }
        let result = self.run_script(key).await;
        match &result {
            Ok(_) => self.breaker.record_success(),
            Err(err) if err.is_outage() => self.breaker.record_outage(),
            Err(_) => {}
        }
        let reply = result?;
        decision(self.quota.limit(), &reply).ok_or_else(|| RateLimitError::Backend {
            backend: BACKEND,
            source: format!("unexpected GCRA script reply {reply:?}").into(),
        })
    }

    async fn run_script(&self, key: &str) -> Result<Vec<i64>, RateLimitError> {
        let interval = u64::try_from(self.quota.interval().as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut invocation = SCRIPT.key(format!("{}{key}", self.prefix));
        invocation.arg(interval).arg(self.quota.limit());
        let mut connection = self.connection.clone();
        let query = invocation.invoke_async::<Vec<i64>>(&mut connection);
        match tokio::time::timeout(self.operation_timeout, query).await {
            Ok(result) => result.map_err(redis_error),
            Err(_) => Err(RateLimitError::Timeout {
                backend: BACKEND,
                after: self.operation_timeout,
            }),
        }
    }
}

/// The script's `{allowed, remaining, retry_after µs, reset µs}` as a decision.
fn decision(limit: u32, reply: &[i64]) -> Option<Decision> {
    let &[allowed, remaining, retry_after, reset] = reply else {
        return None;
    };
    let micros = |value: i64| Duration::from_micros(u64::try_from(value).unwrap_or(0));
    match allowed {
        1 => Some(Decision::allowed(
            limit,
            u32::try_from(remaining).unwrap_or(0),
            micros(reset),
        )),
        0 => Some(Decision::denied(limit, micros(retry_after), micros(reset))),
        _ => None,
    }
}

fn redis_error(err: redis::RedisError) -> RateLimitError {
    if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() {
        RateLimitError::Unavailable {
            backend: BACKEND,
            source: Box::new(err),
        }
    } else {
        backend_error(err)
    }
}

fn backend_error(err: redis::RedisError) -> RateLimitError {
    RateLimitError::Backend {
        backend: BACKEND,
        source: Box::new(err),
    }
}

impl Limiter for RedisLimiter {
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Decision, RateLimitError>> {
        self.check_key(key).boxed()
    }

    fn quota(&self) -> Quota {
        self.quota
    }
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .field("quota", &self.quota)
            .field("operation_timeout", &self.operation_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_replies_become_decisions() {
        let allowed = decision(5, &[1, 4, 0, 12_000_000]).unwrap();
        assert!(allowed.is_allowed());
        assert_eq!(allowed.remaining(), 4);
        assert_eq!(allowed.reset(), Duration::from_secs(12));
        let denied = decision(5, &[0, 0, 2_500_000, 60_000_000]).unwrap();
        assert!(!denied.is_allowed());
        assert_eq!(denied.retry_after(), Duration::from_millis(2500));
        assert_eq!(decision(5, &[1, 2]), None);
        assert_eq!(decision(5, &[7, 0, 0, 0]), None);
    }

    #[tokio::test]
    async fn lazy_connect_to_nothing_fails_fast_then_skips_redis() {
        let quota: Quota = "5/min".parse().unwrap();
        let options = RedisOptions::default().operation_timeout(Duration::from_millis(200));
        let limiter =
            RedisLimiter::connect_lazy("redis://127.0.0.1:1", "t", quota, options).unwrap();
        assert_eq!(limiter.prefix(), "strata:rate_limit:t:");
        let started = std::time::Instant::now();
        let err = limiter.check_key("k").await.unwrap_err();
        assert!(err.is_outage(), "{err:?}");
        let second = limiter.check_key("k").await.unwrap_err();
        assert!(second.to_string().contains("skipped"), "{second}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
