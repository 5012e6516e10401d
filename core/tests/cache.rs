//! The cache suite: every behaviour on moka, and on Redis when `TEST_REDIS_URL`
//! is set (each test under its own key prefix); Redis outages through a
//! `TcpProxy`, never by touching the shared server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::cache::{Cache, CacheAside, MokaCache, RedisCache, RedisOptions, get_json, set_json};
use strata::testing::TcpProxy;

const MINUTE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Course {
    id: i64,
    title: String,
}

fn course(id: i64) -> Course {
    Course {
        id,
        title: format!("Course {id}"),
    }
}

use strata::testing::redis_url;

fn namespace() -> String {
    format!("test-{}", uuid::Uuid::new_v4().simple())
}

/// A Redis cache under a fresh prefix, or `None` when `TEST_REDIS_URL` is unset.
///
/// # Panics
/// When `TEST_REDIS_URL` is set but Redis is unreachable.
async fn redis() -> Option<RedisCache> {
    let url = redis_url()?;
    let cache = RedisCache::connect(&url, &namespace())
        .await
        .unwrap_or_else(|e| panic!("TEST_REDIS_URL is set but unreachable: {}", e.report()));
    Some(cache)
}

/// Moka always, Redis when configured.
async fn backends() -> Vec<(&'static str, Arc<dyn Cache>)> {
    let mut backends: Vec<(&'static str, Arc<dyn Cache>)> =
        vec![("moka", Arc::new(MokaCache::new(1 << 20)))];
    match redis().await {
        Some(cache) => backends.push(("redis", Arc::new(cache))),
        None => eprintln!("TEST_REDIS_URL unset: Redis backend skipped"),
    }
    backends
}

#[tokio::test]
async fn get_set_ttl_and_delete() {
    for (name, cache) in backends().await {
        assert_eq!(cache.get("a").await.unwrap(), None, "{name}");
        cache.set("a", b"one", MINUTE).await.unwrap();
        assert_eq!(
            cache.get("a").await.unwrap().as_deref(),
            Some(&b"one"[..]),
            "{name}"
        );

        cache
            .set("short", b"x", Duration::from_millis(100))
            .await
            .unwrap();
        assert!(cache.get("short").await.unwrap().is_some(), "{name}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            cache.get("short").await.unwrap(),
            None,
            "{name}: TTL not honoured"
        );
        assert!(cache.get("a").await.unwrap().is_some(), "{name}");

        cache.delete("a").await.unwrap();
        assert_eq!(cache.get("a").await.unwrap(), None, "{name}");
        cache.delete("a").await.unwrap();
    }
}

#[tokio::test]
async fn json_helpers_round_trip() {
    for (name, cache) in backends().await {
        set_json(cache.as_ref(), "course:1", &course(1), MINUTE)
            .await
            .unwrap();
        let back: Option<Course> = get_json(cache.as_ref(), "course:1").await.unwrap();
        assert_eq!(back, Some(course(1)), "{name}");
        let absent: Option<Course> = get_json(cache.as_ref(), "course:2").await.unwrap();
        assert_eq!(absent, None, "{name}");
    }
}

#[tokio::test]
async fn redis_keys_carry_the_namespace_prefix() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: skipped");
        return;
    };
    let ns = namespace();
    let first = RedisCache::connect(&url, &ns).await.unwrap();
    let other = RedisCache::connect(&url, &namespace()).await.unwrap();
    assert_eq!(first.prefix(), format!("strata:{ns}:"));
    first.set("k", b"mine", MINUTE).await.unwrap();
    assert_eq!(other.get("k").await.unwrap(), None, "namespaces leak");
    assert!(first.get("k").await.unwrap().is_some());
}

/// A loader that counts its calls and returns `course(id)` after `delay`.
async fn load_counted(
    loads: &AtomicUsize,
    id: i64,
    delay: Duration,
) -> Result<Option<Course>, String> {
    loads.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(delay).await;
    Ok(Some(course(id)))
}

#[tokio::test]
async fn cache_aside_hits_expires_and_invalidates() {
    for (name, cache) in backends().await {
        let aside = CacheAside::new(cache, Duration::from_millis(300));
        let loads = AtomicUsize::new(0);
        let get = || aside.get_or_load("course:1", || load_counted(&loads, 1, Duration::ZERO));

        assert_eq!(get().await, Ok(Some(course(1))), "{name}");
        assert_eq!(get().await, Ok(Some(course(1))), "{name}");
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "{name}: second read missed"
        );

        aside.invalidate("course:1").await;
        assert_eq!(get().await, Ok(Some(course(1))), "{name}");
        assert_eq!(
            loads.load(Ordering::SeqCst),
            2,
            "{name}: invalidation ignored"
        );

        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(get().await, Ok(Some(course(1))), "{name}");
        assert_eq!(loads.load(Ordering::SeqCst), 3, "{name}: TTL ignored");
    }
}

#[tokio::test]
async fn fifty_concurrent_misses_run_one_load() {
    for (name, cache) in backends().await {
        let aside = CacheAside::new(cache, MINUTE);
        let loads = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (aside, loads, barrier) = (aside.clone(), loads.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    aside
                        .get_or_load("course:7", || {
                            load_counted(&loads, 7, Duration::from_millis(100))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(Some(course(7))), "{name}");
        }
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "{name}: stampede reached the source"
        );
    }
}

#[tokio::test]
async fn a_loader_error_is_returned_once_and_not_cached() {
    for (name, cache) in backends().await {
        let aside = CacheAside::new(cache, MINUTE);

        // Sequential: the error reaches the caller, the next call retries.
        let failed: Result<Option<Course>, String> = aside
            .get_or_load("k", || async { Err("db down".to_owned()) })
            .await;
        assert_eq!(failed, Err("db down".to_owned()), "{name}");
        let loaded = aside.get_or_load("k", || async { Ok::<_, String>(Some(course(2))) });
        assert_eq!(loaded.await, Ok(Some(course(2))), "{name}");

        // Concurrent: the first load fails; its waiters retry and share one load.
        let loads = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(tokio::sync::Barrier::new(10));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (aside, loads, barrier) = (aside.clone(), loads.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    aside
                        .get_or_load("flaky", || async move {
                            let attempt = loads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            if attempt == 0 {
                                Err("transient".to_owned())
                            } else {
                                Ok(Some(course(3)))
                            }
                        })
                        .await
                })
            })
            .collect();
        let mut errors = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(value) => assert_eq!(value, Some(course(3)), "{name}"),
                Err(_) => errors += 1,
            }
        }
        assert_eq!(errors, 1, "{name}: the error was shared");
        assert_eq!(loads.load(Ordering::SeqCst), 2, "{name}");
    }
}

/// Waits until `cache` answers, returning how long that took.
async fn until_up(cache: &RedisCache, limit: Duration) -> Duration {
    let started = Instant::now();
    while cache.ping().await.is_err() {
        assert!(
            started.elapsed() < limit,
            "Redis did not come back within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn a_redis_outage_degrades_to_the_loader_and_recovers() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: skipped");
        return;
    };
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    let proxy = TcpProxy::start(&target).await.unwrap();
    let options = RedisOptions::default().operation_timeout(Duration::from_millis(250));
    let redis =
        RedisCache::connect_with(&format!("redis://{}", proxy.addr()), &namespace(), options)
            .await
            .unwrap();
    let aside = CacheAside::new(Arc::new(redis.clone()), MINUTE);
    let loads = Arc::new(AtomicUsize::new(0));
    let get = || aside.get_or_load("course:9", || load_counted(&loads, 9, Duration::ZERO));

    // Warm.
    assert_eq!(get().await, Ok(Some(course(9))));
    assert_eq!(get().await, Ok(Some(course(9))));
    assert_eq!(loads.load(Ordering::SeqCst), 1);

    proxy.sever();
    let mut timings = Vec::new();
    for i in 0..5 {
        let started = Instant::now();
        assert_eq!(get().await, Ok(Some(course(9))), "outage call {i} failed");
        timings.push(started.elapsed());
    }
    assert_eq!(
        loads.load(Ordering::SeqCst),
        6,
        "every outage call should load"
    );
    // The first call waits out the operation timeout; the breaker spares the rest.
    assert!(
        timings[0] < Duration::from_secs(1),
        "first outage call took {:?}",
        timings[0]
    );
    let slowest_after = timings[1..].iter().max().copied().unwrap_or_default();
    assert!(
        slowest_after < Duration::from_millis(100),
        "later outage calls: {timings:?}"
    );
    let err = redis.get("course:9").await.unwrap_err();
    assert!(err.is_outage(), "{err:?}");

    // Single flight still shields the source while the cache is down.
    let before = loads.load(Ordering::SeqCst);
    let started = Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (aside, loads) = (aside.clone(), loads.clone());
            tokio::spawn(async move {
                aside
                    .get_or_load("course:10", || {
                        load_counted(&loads, 10, Duration::from_millis(500))
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(Some(course(10))));
    }
    let stampede = started.elapsed();
    assert_eq!(loads.load(Ordering::SeqCst) - before, 1, "outage stampede");

    proxy.restore();
    let recovery = until_up(&redis, Duration::from_secs(10)).await;
    // The entry warmed before the outage is served again, then the cache fills anew.
    let before = loads.load(Ordering::SeqCst);
    assert_eq!(get().await, Ok(Some(course(9))));
    assert_eq!(
        loads.load(Ordering::SeqCst),
        before,
        "warm entry not served after restore"
    );
    aside.invalidate("course:9").await;
    assert_eq!(get().await, Ok(Some(course(9))));
    assert_eq!(get().await, Ok(Some(course(9))));
    assert_eq!(
        loads.load(Ordering::SeqCst) - before,
        1,
        "cache not refilled after restore"
    );
    eprintln!(
        "redis outage: degraded calls {timings:?}, 50-caller stampede {stampede:?} \
         (loader 500 ms), recovery after restore {recovery:?}"
    );
}

#[tokio::test]
async fn an_app_starts_with_redis_down_and_caches_once_it_is_up() {
    let Some(url) = redis_url() else {
        eprintln!("TEST_REDIS_URL unset: skipped");
        return;
    };
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    let proxy = TcpProxy::start(&target).await.unwrap();
    proxy.sever();
    let proxied = format!("redis://{}", proxy.addr());

    let started = Instant::now();
    let eager = RedisCache::connect_with(
        &proxied,
        &namespace(),
        RedisOptions::default().connect_timeout(Duration::from_millis(500)),
    )
    .await;
    let eager_took = started.elapsed();
    assert!(eager.is_err(), "connected through a severed proxy");
    assert!(
        eager_took < Duration::from_secs(2),
        "eager connect took {eager_took:?}"
    );

    let started = Instant::now();
    let lazy = RedisCache::connect_lazy(&proxied, &namespace(), RedisOptions::default()).unwrap();
    assert!(started.elapsed() < Duration::from_millis(50));
    let aside = CacheAside::new(Arc::new(lazy.clone()), MINUTE);
    let loads = AtomicUsize::new(0);
    let get = || aside.get_or_load("k", || load_counted(&loads, 1, Duration::ZERO));
    assert_eq!(get().await, Ok(Some(course(1))));

    proxy.restore();
    until_up(&lazy, Duration::from_secs(10)).await;
    assert_eq!(get().await, Ok(Some(course(1))));
    assert_eq!(get().await, Ok(Some(course(1))));
    assert_eq!(loads.load(Ordering::SeqCst), 2);
    eprintln!("redis down at start: eager connect failed after {eager_took:?}");
}
