//! [`MokaCache`]: a bounded in-process cache on moka.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use moka::Expiry;

use super::{Cache, CacheError};

/// Bytes charged per entry on top of key and value, for moka's bookkeeping.
const ENTRY_OVERHEAD: usize = 64;

/// The TTL ceiling [`MokaCache::new`] uses.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(60 * 60);

/// An in-process [`Cache`] bounded by total size in bytes.
///
/// Each entry lives for the TTL given to [`Cache::set`], capped at the cache's
/// maximum TTL ([`DEFAULT_MAX_TTL`] unless set with [`MokaCache::with_max_ttl`]).
/// When the byte budget (keys plus values plus a small per-entry overhead) is
/// exceeded, moka evicts the least useful entries (TinyLFU). Operations never fail.
///
/// Cheap to clone: clones share the same entries.
#[derive(Clone)]
pub struct MokaCache {
    entries: moka::future::Cache<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    bytes: Arc<[u8]>,
    ttl: Duration,
}

/// Expires each entry after its own TTL, restarting the clock on every `set`.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, value: &Entry, _at: Instant) -> Option<Duration> {
        Some(value.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        value: &Entry,
        _at: Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

impl MokaCache {
    /// A cache holding at most `max_bytes` of keys and values, TTLs capped at
    /// [`DEFAULT_MAX_TTL`].
    pub fn new(max_bytes: u64) -> Self {
        Self::with_max_ttl(max_bytes, DEFAULT_MAX_TTL)
    }

    /// A cache holding at most `max_bytes`, no entry living longer than `max_ttl`.
    pub fn with_max_ttl(max_bytes: u64, max_ttl: Duration) -> Self {
        let entries = moka::future::Cache::builder()
            .name("strata")
            .max_capacity(max_bytes)
            .weigher(|key: &String, entry: &Entry| {
                let weight = key.len() + entry.bytes.len() + ENTRY_OVERHEAD;
                u32::try_from(weight).unwrap_or(u32::MAX)
            })
            .time_to_live(max_ttl)
            .expire_after(PerEntryTtl)
            .build();
        Self { entries }
    }

    /// How many entries are stored (approximate until pending maintenance runs).
    pub fn entry_count(&self) -> u64 {
        self.entries.entry_count()
    }

    /// The bytes charged against the budget (approximate, like [`Self::entry_count`]).
    pub fn weighted_size(&self) -> u64 {
        self.entries.weighted_size()
    }
}

impl std::fmt::Debug for MokaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MokaCache")
            .field("entry_count", &self.entries.entry_count())
            .field("weighted_size", &self.entries.weighted_size())
            .finish()
    }
}

impl Cache for MokaCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        async move { Ok(self.entries.get(key).await.map(|e| e.bytes.to_vec())) }.boxed()
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            if ttl.is_zero() {
                self.entries.invalidate(key).await;
            } else {
                let entry = Entry {
                    bytes: Arc::from(value),
                    ttl,
                };
                self.entries.insert(key.to_owned(), entry).await;
            }
            Ok(())
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        async move {
            self.entries.invalidate(key).await;
            Ok(())
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn set_get_delete() {
        let cache = MokaCache::new(1 << 20);
        assert_eq!(cache.get("a").await.unwrap(), None);
        cache.set("a", b"one", MINUTE).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
        cache.set("a", b"two", MINUTE).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some(&b"two"[..]));
        cache.delete("a").await.unwrap();
        assert_eq!(cache.get("a").await.unwrap(), None);
        cache.delete("never-set").await.unwrap();
    }

    #[tokio::test]
    async fn each_entry_expires_after_its_own_ttl() {
        let cache = MokaCache::new(1 << 20);
        cache
            .set("short", b"x", Duration::from_millis(50))
            .await
            .unwrap();
        cache.set("long", b"y", MINUTE).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(cache.get("short").await.unwrap(), None);
        assert!(cache.get("long").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn overwrite_restarts_the_ttl_and_zero_ttl_deletes() {
        let cache = MokaCache::new(1 << 20);
        cache
            .set("k", b"x", Duration::from_millis(50))
            .await
            .unwrap();
        cache.set("k", b"x", MINUTE).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert!(cache.get("k").await.unwrap().is_some());
        cache.set("k", b"x", Duration::ZERO).await.unwrap();
        assert_eq!(cache.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn max_ttl_caps_longer_entry_ttls() {
        let cache = MokaCache::with_max_ttl(1 << 20, Duration::from_millis(50));
        cache.set("k", b"x", MINUTE).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(cache.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn stays_within_its_byte_budget() {
        let budget = 16 * 1024;
        let cache = MokaCache::new(budget);
        let value = vec![7u8; 1000];
        for i in 0..100 {
            cache.set(&format!("k{i}"), &value, MINUTE).await.unwrap();
        }
        cache.entries.run_pending_tasks().await;
        assert!(cache.weighted_size() <= budget, "{}", cache.weighted_size());
        assert!(cache.entry_count() < 100);
    }
}
