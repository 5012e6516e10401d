//! [`RedisCache`]: a cache shared by every app instance, on redis-rs.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::breaker::Breaker;
use super::{Cache, CacheError};

const BACKEND: &str = "redis";

/// Timeouts and reconnection for a [`RedisCache`].
///
/// The defaults keep an outage cheap for requests: an operation gives up after
/// 250 ms, after which Redis is skipped for a 1 s cool-down; start-up waits at most
/// 2 s for the first connection.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    pub(crate) connect_timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) outage_cooldown: Duration,
    pub(crate) reconnect_attempts: usize,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            operation_timeout: Duration::from_millis(250),
            outage_cooldown: Duration::from_secs(1),
            reconnect_attempts: 2,
        }
    }
}

impl RedisOptions {
    /// How long [`RedisCache::connect_with`] waits for the first connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The most any one `get`/`set`/`delete` may take, waiting for a reconnection
    /// included; also each connection attempt's and each response's limit.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// After an operation finds Redis down (unreachable or timed out), how long
    /// operations fail at once without trying Redis (a circuit breaker). After the
    /// cool-down, operations try Redis again: the first success closes the breaker,
    /// a failure re-opens it; a successful [`RedisCache::ping`] closes it early.
    /// Zero disables the breaker.
    pub fn outage_cooldown(mut self, cooldown: Duration) -> Self {
        self.outage_cooldown = cooldown;
        self
    }

    /// How many times a lost connection is retried (with jittered exponential
    /// back-off from 50 ms) before the next operation starts a new round.
    pub fn reconnect_attempts(mut self, attempts: usize) -> Self {
        self.reconnect_attempts = attempts;
        self
    }

    pub(crate) fn manager_config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.operation_timeout))
            .set_response_timeout(Some(self.operation_timeout))
            .set_number_of_retries(self.reconnect_attempts)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
    }
}

/// A [`Cache`] in Redis, under the key prefix `strata:<namespace>:`.
///
/// Values are written with `SET key value PX ttl`, so Redis expires them. One
/// multiplexed connection (redis-rs `ConnectionManager`) serves every task and is
/// re-established in the background after a failure.
///
/// ## When Redis is down
/// - [`RedisCache::connect`] / [`connect_with`](Self::connect_with) give up after
///   the connect timeout (2 s by default) with [`CacheError::Unavailable`] or
///   [`CacheError::Timeout`]: start-up never blocks indefinitely.
/// - [`RedisCache::connect_lazy`] returns at once and connects on first use, for
///   apps that must start (and degrade) while Redis is unreachable.
/// - Every operation is bounded by the operation timeout (250 ms by default) and
///   then fails with an error; [`CacheAside`](super::CacheAside) turns that into a
///   warning and a load from the database.
/// - After such a failure, operations fail immediately for the outage cool-down
///   (1 s by default) instead of each waiting out the timeout; then one call
///   probes Redis again. Once Redis is back, the connection is re-established in
///   the background without a restart.
///
/// Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    prefix: String,
    operation_timeout: Duration,
    breaker: Arc<Breaker>,
}

impl RedisCache {
    /// Connect to `url` (`redis://host:port/db`) with default [`RedisOptions`].
    ///
    /// # Errors
    /// An invalid URL, or Redis unreachable within the connect timeout.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, CacheError> {
        Self::connect_with(url, namespace, RedisOptions::default()).await
    }

    /// Connect to `url`, waiting at most `options`' connect timeout.
    ///
    /// # Errors
    /// An invalid URL, or Redis unreachable within the connect timeout.
    pub async fn connect_with(
        url: &str,
        namespace: &str,
        options: RedisOptions,
    ) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(backend_error)?;
        let connect = ConnectionManager::new_with_config(client, options.manager_config());
        let connection = tokio::time::timeout(options.connect_timeout, connect)
            .await
            .map_err(|_| CacheError::Timeout {
                backend: BACKEND,
                operation: "connect",
                after: options.connect_timeout,
            })?
            .map_err(redis_error)?;
        Ok(Self::from_parts(connection, namespace, &options))
    }

    /// A cache that connects on first use: never waits and never fails for an
    /// unreachable server, only for an invalid URL.
    ///
    /// # Errors
    /// An invalid URL.
    pub fn connect_lazy(
        url: &str,
        namespace: &str,
        options: RedisOptions,
    ) -> Result<Self, CacheError> {
        let client = redis::Client::open(url).map_err(backend_error)?;
        let connection = ConnectionManager::new_lazy_with_config(client, options.manager_config())
            .map_err(backend_error)?;
        Ok(Self::from_parts(connection, namespace, &options))
    }

    fn from_parts(connection: ConnectionManager, namespace: &str, options: &RedisOptions) -> Self {
        Self {
            connection,
            prefix: format!("strata:{namespace}:"),
            operation_timeout: options.operation_timeout,
            breaker: Arc::new(Breaker::new(options.outage_cooldown)),
        }
    }

    /// The prefix put before every key, `strata:<namespace>:`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Round-trip a `PING`, for readiness checks.
    ///
    /// # Errors
    /// Redis unreachable or slower than the operation timeout.
    ///
    /// Unlike other operations, a ping always tries Redis, even while the outage
    /// cool-down is running, and a successful ping ends the cool-down.
    pub async fn ping(&self) -> Result<(), CacheError> {
        self.send("ping", redis::cmd("PING")).await
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Run one command unless the breaker is open.
    async fn run<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        command: redis::Cmd,
    ) -> Result<T, CacheError> {
        if self.breaker.is_open() {
            let cooldown = self.breaker.cooldown();
            return Err(CacheError::Unavailable {
                backend: BACKEND,
                source: format!("skipped: Redis failed less than {cooldown:?} ago").into(),
            });
        }
        self.send(operation, command).await
    }

    /// Run one command, bounded by the operation timeout, feeding the breaker.
    async fn send<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        command: redis::Cmd,
    ) -> Result<T, CacheError> {
        let mut connection = self.connection.clone();
        let query = async move { command.query_async::<T>(&mut connection).await };
        let result = bounded(operation, self.operation_timeout, query).await;
        match &result {
            Ok(_) => self.breaker.record_success(),
            Err(err) if err.is_outage() => self.breaker.record_outage(),
            Err(_) => {}
        }
        result
    }
}

async fn bounded<T>(
    operation: &'static str,
    limit: Duration,
    query: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, CacheError> {
    match tokio::time::timeout(limit, query).await {
        Ok(result) => result.map_err(redis_error),
        Err(_) => Err(CacheError::Timeout {
            backend: BACKEND,
            operation,
            after: limit,
        }),
    }
}

fn redis_error(err: redis::RedisError) -> CacheError {
    if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() {
        CacheError::Unavailable {
            backend: BACKEND,
            source: Box::new(err),
        }
    } else {
        backend_error(err)
    }
}

fn backend_error(err: redis::RedisError) -> CacheError {
    CacheError::Backend {
        backend: BACKEND,
        source: Box::new(err),
    }
}

/// Redis's `PX` takes whole milliseconds, at least one.
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.prefix)
            .field("operation_timeout", &self.operation_timeout)
            .finish_non_exhaustive()
    }
}

impl Cache for RedisCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        self.run("get", command).boxed()
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        if ttl.is_zero() {
            return self.delete(key);
        }
        let mut command = redis::cmd("SET");
        command
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(ttl_millis(ttl));
        self.run("set", command).boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        self.run("delete", command).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_is_whole_milliseconds_at_least_one() {
        assert_eq!(ttl_millis(Duration::from_micros(10)), 1);
        assert_eq!(ttl_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(ttl_millis(Duration::MAX), u64::MAX);
    }

    #[tokio::test]
    async fn a_slow_operation_becomes_a_timeout() {
        let never = std::future::pending::<redis::RedisResult<()>>();
        let err = bounded("get", Duration::from_millis(20), never)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CacheError::Timeout {
                    operation: "get",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn lazy_connect_to_nothing_returns_at_once_and_fails_fast() {
        // Port 1 on loopback: nothing listens, connections are refused.
        let options = RedisOptions::default().operation_timeout(Duration::from_millis(200));
        let cache = RedisCache::connect_lazy("redis://127.0.0.1:1", "t", options).unwrap();
        assert_eq!(cache.prefix(), "strata:t:");
        let started = std::time::Instant::now();
        let err = cache.get("k").await.unwrap_err();
        assert!(err.is_outage(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn eager_connect_to_nothing_fails_within_the_connect_timeout() {
        let options = RedisOptions::default().connect_timeout(Duration::from_millis(300));
        let started = std::time::Instant::now();
        let err = RedisCache::connect_with("redis://127.0.0.1:1", "t", options)
            .await
            .unwrap_err();
        assert!(err.is_outage(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn invalid_url_is_a_backend_error() {
        let err = RedisCache::connect_lazy("not a url", "t", RedisOptions::default()).unwrap_err();
        assert!(matches!(err, CacheError::Backend { .. }), "{err:?}");
    }
}
