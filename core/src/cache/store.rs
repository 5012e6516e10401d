//! The [`Cache`] trait: byte values under string keys, each with its own TTL.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::CacheError;

/// A key-value cache of byte strings, each entry with its own time to live.
///
/// Object safe, so applications hold an `Arc<dyn Cache>` and pick the backend at
/// start-up: [`MokaCache`](super::MokaCache) in process, or
/// [`RedisCache`](super::RedisCache) shared between instances. Typed access goes
/// through [`get_json`](super::get_json) / [`set_json`](super::set_json) or
/// [`CacheAside`](super::CacheAside).
///
/// Backends must bound every operation in time: a cache that is down reports a
/// [`CacheError`] quickly rather than stalling the request that asked.
pub trait Cache: Send + Sync + 'static {
    /// The value stored under `key`, or `None` when absent or expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>>;

    /// Store `value` under `key` for `ttl`, replacing any previous value and TTL.
    ///
    /// A zero `ttl` removes the key instead.
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Remove `key`; removing an absent key succeeds.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>>;
}
