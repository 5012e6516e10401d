//! [`CacheAside`]: read-through caching with stampede protection.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use super::flight::{Flights, Leader, Outcome, Role};
use super::{Cache, CacheError};

/// Cache-aside reads over any [`Cache`]: look in the cache, on a miss load from
/// the source (the database) and fill the cache.
///
/// - **Single flight.** Concurrent misses for one key run the loader once; the
///   other callers wait and receive the same value. A loader that fails, panics or
///   is cancelled wakes its waiters, who try again (one of them loading next): an
///   error is never shared or cached, and never wedges the key.
/// - **Degrades, never fails.** A cache error on read or write is logged with
///   `tracing::warn!` and the call goes to the loader; only the loader's own error
///   reaches the caller. After a failed read the write-back is skipped, so an outage
///   costs one bounded cache round-trip per call.
/// - **Absence is not cached.** When the loader returns `Ok(None)` nothing is
///   written, so a row created later is seen at once.
/// - **Invalidation.** [`CacheAside::invalidate`] deletes the key and stops a load
///   already running from writing back what it read before the change.
///
/// Values are stored as JSON. Cheap to clone: clones share the cache and the
/// in-flight loads.
#[derive(Clone)]
pub struct CacheAside {
    cache: Arc<dyn Cache>,
    ttl: Duration,
    flights: Arc<Flights>,
    pending: Arc<PendingInvalidations>,
}

/// Keys whose invalidation failed (the cache was down when the source changed).
///
/// Until their delete succeeds, reads of these keys bypass the cache (the cached
/// value may be stale) and every read retries the outstanding deletes, so a write
/// made during an outage is never followed by a stale read once the cache is back.
#[derive(Debug, Default)]
struct PendingInvalidations {
    count: std::sync::atomic::AtomicUsize,
    keys: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Most outstanding deletes retried by one read.
const MAX_RETRIED_DELETES: usize = 64;

impl PendingInvalidations {
    fn is_empty(&self) -> bool {
        self.count.load(std::sync::atomic::Ordering::Acquire) == 0
    }

    fn with_keys<R>(&self, f: impl FnOnce(&mut std::collections::HashSet<String>) -> R) -> R {
        // A poisoned set is still a valid set.
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let result = f(&mut keys);
        self.count
            .store(keys.len(), std::sync::atomic::Ordering::Release);
        result
    }
}

/// What a cache read found.
enum Lookup {
    Hit(Vec<u8>),
    Miss,
    Down,
}

impl CacheAside {
    /// Read through `cache`, keeping loaded values for `default_ttl`.
    pub fn new(cache: Arc<dyn Cache>, default_ttl: Duration) -> Self {
        Self {
            cache,
            ttl: default_ttl,
            flights: Arc::new(Flights::default()),
            pending: Arc::default(),
        }
    }

    /// The cache this reads through.
    pub fn cache(&self) -> &Arc<dyn Cache> {
        &self.cache
    }

    /// How long loaded values are kept by [`CacheAside::get_or_load`].
    pub fn default_ttl(&self) -> Duration {
        self.ttl
    }

    /// The value under `key`, from the cache or else from `load`, which then fills
    /// the cache for the default TTL.
    ///
    /// # Errors
    /// Only `load`'s error; cache failures are logged and bypassed.
    pub async fn get_or_load<T, F, Fut, E>(&self, key: &str, load: F) -> Result<Option<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        self.get_or_load_for(key, self.ttl, load).await
    }

    /// Like [`CacheAside::get_or_load`], keeping a loaded value for `ttl`.
    ///
    /// # Errors
    /// Only `load`'s error; cache failures are logged and bypassed.
    pub async fn get_or_load_for<T, F, Fut, E>(
        &self,
        key: &str,
        ttl: Duration,
        load: F,
    ) -> Result<Option<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        if !self.pending.is_empty() && self.settle_pending(key).await {
            // Its cached value may predate a write: read the source, cache nothing.
            return load().await;
        }
        let mut cache_up = true;
        let leader = loop {
            if cache_up {
                match self.lookup(key).await {
                    Lookup::Hit(bytes) => {
                        if let Some(value) = decode(key, &bytes) {
                            return Ok(Some(value));
                        }
                    }
                    Lookup::Miss => {}
                    Lookup::Down => cache_up = false,
                }
            }
            match self.flights.join_or_lead(key) {
                Role::Lead(leader) => break leader,
                Role::Wait(waiter) => match waiter.outcome().await {
                    Outcome::Loaded(None) => return Ok(None),
                    Outcome::Loaded(Some(bytes)) => {
                        if let Some(value) = decode(key, &bytes) {
                            return Ok(Some(value));
                        }
                    }
                    Outcome::Failed => {}
                },
            }
        };

        // A flight that ended between our miss and our lead has filled the cache.
        if cache_up {
            match self.lookup(key).await {
                Lookup::Hit(bytes) => {
                    if let Some(value) = decode(key, &bytes) {
                        leader.finish(Outcome::Loaded(Some(Arc::from(bytes))));
                        return Ok(Some(value));
                    }
                }
                Lookup::Miss => {}
                Lookup::Down => cache_up = false,
            }
        }

        let loaded = load().await?;
        self.publish(key, ttl, leader, loaded.as_ref(), cache_up)
            .await;
        Ok(loaded)
    }

    /// Remove `key` from the cache, and keep a load already running for it from
    /// writing back a value read before the change.
    ///
    /// Call it after every write to the source. A cache error is logged, not
    /// returned: the stale entry then lives until its TTL ends.
    pub async fn invalidate(&self, key: &str) {
        self.flights.mark_stale(key);
        if let Err(err) = self.cache.delete(key).await {
            tracing::warn!(
                key,
                error = %err.report(),
                "cache delete failed; reads of this key bypass the cache until the delete succeeds"
            );
            self.pending.with_keys(|keys| keys.insert(key.to_owned()));
        }
    }

    /// Retries outstanding deletes; returns whether `key` is still pending.
    async fn settle_pending(&self, key: &str) -> bool {
        let keys: Vec<String> = self
            .pending
            .with_keys(|keys| keys.iter().take(MAX_RETRIED_DELETES).cloned().collect());
        for stale in keys {
            if self.cache.delete(&stale).await.is_ok() {
                self.pending.with_keys(|keys| keys.remove(&stale));
            } else {
                break; // still down: try again on a later read
            }
        }
        self.pending.with_keys(|keys| keys.contains(key))
    }

    async fn lookup(&self, key: &str) -> Lookup {
        match self.cache.get(key).await {
            Ok(Some(bytes)) => Lookup::Hit(bytes),
            Ok(None) => Lookup::Miss,
            Err(err) => {
                tracing::warn!(key, error = %err.report(), "cache read failed; loading from the source");
                Lookup::Down
            }
        }
    }

    /// Write a loaded value back (unless the cache is down or the key was
    /// invalidated meanwhile) and hand it to the waiters.
    async fn publish<T: Serialize>(
        &self,
        key: &str,
        ttl: Duration,
        leader: Leader<'_>,
        loaded: Option<&T>,
        cache_up: bool,
    ) {
        let Some(value) = loaded else {
            leader.finish(Outcome::Loaded(None));
            return;
        };
        let bytes = match serde_json::to_vec(value) {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::warn!(key, error = %err, "loaded value does not encode as JSON; not cached");
                return;
            }
        };
        if cache_up
            && !leader.is_stale()
            && let Err(err) = self.cache.set(key, &bytes, ttl).await
        {
            tracing::warn!(key, error = %err.report(), "cache write failed; value not cached");
        }
        leader.finish(Outcome::Loaded(Some(Arc::from(bytes))));
    }
}

/// Decode a cached value; a value of another shape is treated as a miss.
fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Option<T> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(err) => {
            let err = CacheError::from(err);
            tracing::warn!(key, error = %err.report(), "cached value does not decode; reloading");
            None
        }
    }
}

impl std::fmt::Debug for CacheAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheAside")
            .field("default_ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt;
    use futures_util::future::BoxFuture;

    use super::*;
    use crate::cache::MokaCache;

    const MINUTE: Duration = Duration::from_secs(60);

    /// A cache that is always down.
    struct DownCache;

    impl Cache for DownCache {
        fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
            async { Err(down()) }.boxed()
        }
        fn set<'a>(
            &'a self,
            _: &'a str,
            _: &'a [u8],
            _: Duration,
        ) -> BoxFuture<'a, Result<(), CacheError>> {
            async { Err(down()) }.boxed()
        }
        fn delete<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
            async { Err(down()) }.boxed()
        }
    }

    fn down() -> CacheError {
        CacheError::Unavailable {
            backend: "test",
            source: "connection refused".into(),
        }
    }

    fn aside() -> CacheAside {
        CacheAside::new(Arc::new(MokaCache::new(1 << 20)), MINUTE)
    }

    #[tokio::test]
    async fn a_down_cache_falls_through_to_every_load() {
        let aside = CacheAside::new(Arc::new(DownCache), MINUTE);
        let loads = AtomicUsize::new(0);
        for _ in 0..3 {
            let value = aside
                .get_or_load("k", || async {
                    loads.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(Some(5))
                })
                .await;
            assert_eq!(value, Ok(Some(5)));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 3);
        aside.invalidate("k").await;
    }

    #[tokio::test]
    async fn none_is_not_cached() {
        let aside = aside();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<Option<u32>, ()>(None)
        };
        assert_eq!(aside.get_or_load("k", load).await, Ok(None));
        assert_eq!(aside.get_or_load("k", load).await, Ok(None));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_undecodable_entry_is_reloaded_and_replaced() {
        let aside = aside();
        aside.cache().set("k", b"not json", MINUTE).await.unwrap();
        let value = aside
            .get_or_load("k", || async { Ok::<_, ()>(Some(3u8)) })
            .await;
        assert_eq!(value, Ok(Some(3)));
        assert_eq!(
            aside.cache().get("k").await.unwrap().as_deref(),
            Some(&b"3"[..])
        );
    }

    #[tokio::test]
    async fn invalidation_during_a_load_keeps_its_stale_value_out() {
        let aside = aside();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let loader = {
            let aside = aside.clone();
            tokio::spawn(async move {
                aside
                    .get_or_load("k", || async move {
                        let _ = started_tx.send(());
                        let _ = release_rx.await;
                        Ok::<_, ()>(Some("old".to_owned()))
                    })
                    .await
            })
        };
        started_rx.await.unwrap();
        aside.invalidate("k").await;
        release_tx.send(()).unwrap();
        assert_eq!(loader.await.unwrap(), Ok(Some("old".to_owned())));
        assert_eq!(aside.cache().get("k").await.unwrap(), None);
        assert_eq!(aside.flights.len(), 0);
    }

    #[tokio::test]
    async fn a_panicking_loader_does_not_wedge_the_key() {
        let aside = aside();
        let panicking = {
            let aside = aside.clone();
            tokio::spawn(async move {
                aside
                    .get_or_load("k", || async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        panic!("loader panicked");
                        #[allow(unreachable_code)]
                        Ok::<Option<u32>, ()>(None)
                    })
                    .await
            })
        };
        // A waiter that joined the doomed flight retries and loads itself.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let waiter = aside.get_or_load("k", || async { Ok::<_, ()>(Some(9u32)) });
        assert_eq!(waiter.await, Ok(Some(9)));
        assert!(panicking.await.unwrap_err().is_panic());
        assert_eq!(aside.flights.len(), 0);
    }
}
