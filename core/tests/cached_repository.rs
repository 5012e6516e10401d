//! The cache-aside repository decorator on moka and on real Redis
//! (`TEST_REDIS_URL`): read-through, invalidation on every write, one load for N
//! concurrent misses, and a Redis outage degrading to the database.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::cache::{Cache, CacheAside, MokaCache, RedisCache};
use strata::query::{CursorCodec, FieldMeta, FieldType, Filter, ListQuery, QuerySpec, Value};
use strata::repo::{CachedRepository, Entity, Page, Repository, SqlRepository};
use strata::testing::{TcpProxy, TestDatabase};
use strata::{AppError, Db, Exec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
struct Note {
    id: i64,
    body: String,
}

static FIELDS: [FieldMeta; 2] = [
    FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
    FieldMeta::new("body", "body", FieldType::String).filter(),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

impl Entity for Note {
    const TABLE: &'static str = "notes";
    const SPEC: &'static QuerySpec = &SPEC;
    type Id = i64;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Int(self.id)),
            ("body", Value::String(self.body.clone())),
        ]
    }
}

/// Counts database reads by id, with a delay so concurrent misses overlap.
struct Counting {
    inner: SqlRepository<Note>,
    loads: Arc<AtomicUsize>,
}

impl Repository<Note> for Counting {
    fn find_by_id<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a i64,
    ) -> BoxFuture<'a, Result<Option<Note>, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            self.loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.inner.find_by_id(exec, id).await
        })
    }
    fn list<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        q: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<Note>, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.list(exec, q).await })
    }
    fn create<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        e: &'a Note,
    ) -> BoxFuture<'a, Result<Note, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.create(exec, e).await })
    }
    fn update<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a i64,
        e: &'a Note,
        v: Option<i64>,
    ) -> BoxFuture<'a, Result<Note, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.update(exec, id, e, v).await })
    }
    fn patch<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a i64,
        c: &'a [(&'static str, Value)],
        v: Option<i64>,
    ) -> BoxFuture<'a, Result<Note, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.patch(exec, id, c, v).await })
    }
    fn delete<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a i64,
        v: Option<i64>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.delete(exec, id, v).await })
    }
    fn count<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        f: &'a [Filter],
    ) -> BoxFuture<'a, Result<u64, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.count(exec, f).await })
    }
    fn exists<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a i64,
    ) -> BoxFuture<'a, Result<bool, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.exists(exec, id).await })
    }
}

struct Setup {
    _db: TestDatabase,
    pool: Db,
    repo: Arc<CachedRepository<Note, Counting>>,
    loads: Arc<AtomicUsize>,
}

async fn setup(cache: Arc<dyn Cache>) -> Setup {
    let db = TestDatabase::sqlite();
    let pool = Db::connect(&db.config().database).await.unwrap();
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(pool.as_sqlite().unwrap())
        .await
        .unwrap();
    let loads = Arc::new(AtomicUsize::new(0));
    let inner = Counting {
        inner: SqlRepository::new(Arc::new(CursorCodec::new(b"cached repository test secret"))),
        loads: loads.clone(),
    };
    let repo = Arc::new(CachedRepository::new(
        inner,
        CacheAside::new(cache, Duration::from_secs(60)),
    ));
    Setup {
        _db: db,
        pool,
        repo,
        loads,
    }
}

async fn redis(namespace: &str) -> Option<(String, RedisCache)> {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped Redis half: TEST_REDIS_URL is not set");
        return None;
    };
    let ns = format!("{namespace}-{}", uuid::Uuid::new_v4().simple());
    let cache = RedisCache::connect(&url, &ns)
        .await
        .expect("Redis reachable");
    Some((url, cache))
}

async fn backends(name: &str) -> Vec<(&'static str, Arc<dyn Cache>)> {
    let mut all: Vec<(&'static str, Arc<dyn Cache>)> =
        vec![("moka", Arc::new(MokaCache::new(1 << 20)))];
    if let Some((_, cache)) = redis(name).await {
        all.push(("redis", Arc::new(cache)));
    }
    all
}

#[tokio::test]
async fn reads_through_and_every_write_invalidates() {
    for (name, cache) in backends("rw").await {
        let s = setup(cache).await;
        let note = s
            .repo
            .create(
                &s.pool,
                &Note {
                    id: 1,
                    body: "first".into(),
                },
            )
            .await
            .unwrap();

        assert_eq!(
            s.repo.find_by_id(&s.pool, &1).await.unwrap(),
            Some(note.clone())
        );
        assert_eq!(
            s.repo.find_by_id(&s.pool, &1).await.unwrap(),
            Some(note.clone())
        );
        assert_eq!(
            s.loads.load(Ordering::SeqCst),
            1,
            "{name}: second read is a hit"
        );

        s.repo
            .update(
                &s.pool,
                &1,
                &Note {
                    id: 1,
                    body: "second".into(),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            s.repo.find_by_id(&s.pool, &1).await.unwrap().unwrap().body,
            "second",
            "{name}"
        );
        assert_eq!(
            s.loads.load(Ordering::SeqCst),
            2,
            "{name}: update invalidated"
        );

        s.repo
            .patch(
                &s.pool,
                &1,
                &[("body", Value::String("third".into()))],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            s.repo.find_by_id(&s.pool, &1).await.unwrap().unwrap().body,
            "third",
            "{name}"
        );
        assert_eq!(
            s.loads.load(Ordering::SeqCst),
            3,
            "{name}: patch invalidated"
        );

        s.repo.delete(&s.pool, &1, None).await.unwrap();
        assert_eq!(
            s.repo.find_by_id(&s.pool, &1).await.unwrap(),
            None,
            "{name}: delete invalidated"
        );
        assert_eq!(s.repo.find_by_id(&s.pool, &1).await.unwrap(), None);
        assert_eq!(
            s.loads.load(Ordering::SeqCst),
            5,
            "{name}: misses are not cached"
        );

        // Inside a transaction the cache is bypassed: nothing uncommitted is cached.
        let mut tx = s.pool.begin().await.unwrap();
        s.repo
            .create(
                &mut tx,
                &Note {
                    id: 2,
                    body: "uncommitted".into(),
                },
            )
            .await
            .unwrap();
        assert!(s.repo.find_by_id(&mut tx, &2).await.unwrap().is_some());
        tx.rollback().await.unwrap();
        assert_eq!(
            s.repo.find_by_id(&s.pool, &2).await.unwrap(),
            None,
            "{name}"
        );
    }
}

#[tokio::test]
async fn concurrent_misses_load_once() {
    for (name, cache) in backends("stampede").await {
        let s = setup(cache).await;
        s.repo
            .create(
                &s.pool,
                &Note {
                    id: 7,
                    body: "hot".into(),
                },
            )
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let repo = s.repo.clone();
            let pool = s.pool.clone();
            tasks.push(tokio::spawn(
                async move { repo.find_by_id(&pool, &7).await },
            ));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().unwrap().body, "hot");
        }
        assert_eq!(
            s.loads.load(Ordering::SeqCst),
            1,
            "{name}: 50 misses, one load"
        );
    }
}

#[tokio::test]
async fn redis_outage_degrades_to_the_database() {
    let Ok(url) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped: TEST_REDIS_URL is not set");
        return;
    };
    let target = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let proxy = TcpProxy::start(&target).await.unwrap();
    let cache = RedisCache::connect(
        &format!("redis://{}", proxy.addr()),
        &format!("outage-{}", uuid::Uuid::new_v4().simple()),
    )
    .await
    .unwrap();
    let s = setup(Arc::new(cache)).await;
    s.repo
        .create(
            &s.pool,
            &Note {
                id: 1,
                body: "durable".into(),
            },
        )
        .await
        .unwrap();
    s.repo.find_by_id(&s.pool, &1).await.unwrap();
    assert_eq!(s.loads.load(Ordering::SeqCst), 1);

    proxy.sever();
    let started = Instant::now();
    for _ in 0..3 {
        let note = s
            .repo
            .find_by_id(&s.pool, &1)
            .await
            .expect("no error while Redis is down");
        assert_eq!(note.unwrap().body, "durable");
    }
    let err = s
        .repo
        .patch(
            &s.pool,
            &1,
            &[("body", Value::String("changed".into()))],
            None,
        )
        .await;
    assert!(err.is_ok(), "writes succeed while Redis is down: {err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "outage handled quickly: {:?}",
        started.elapsed()
    );
    assert!(
        s.loads.load(Ordering::SeqCst) >= 4,
        "reads went to the database"
    );

    proxy.restore();
    tokio::time::sleep(Duration::from_millis(1200)).await; // past the breaker's cool-down
    assert_eq!(
        s.repo.find_by_id(&s.pool, &1).await.unwrap().unwrap().body,
        "changed"
    );
}
