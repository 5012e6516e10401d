//! List cost against depth (SPEC §13): page 1 vs page 10 000 of a 1M-row table,
//! keyset (cursor) pages against offset pages, through the repository the
//! generated list endpoint calls. Keyset pages should cost the same at any
//! depth; offset pages grow with it (and count every matching row for `total`).
//!
//! ```text
//! cargo bench -p strata --bench depth                     # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p strata --bench depth                 # SQLite and Postgres
//! ```
//!
//! Seeding takes a few seconds per database; `DEPTH_ROWS` (default 1 000 000)
//! changes the table size.

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use strata::query::{CursorCodec, ListQuery, Value};
use strata::repo::{Repository, SqlRepository};
use strata::testing::TestDatabase;
use strata::{Db, Dialect};
use uuid::Uuid;

mod common;

use common::Item;

const PER_PAGE: u64 = 20;
const DEEP_PAGE: u64 = 10_000;

/// Fills `items` with `rows` rows in one statement (random ids, so `sort=id`
/// walks the primary key in an order unrelated to insertion).
async fn seed(db: &Db, rows: u64) {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) \
                 INSERT INTO items SELECT randomblob(16), 'Item ' || x, 'pending', \
                 randomblob(16), '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00', 1 \
                 FROM n",
            )
            .bind(i64::try_from(rows).expect("row count"))
            .execute(pool)
            .await
            .expect("seed");
            sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO items SELECT gen_random_uuid(), 'Item ' || x, 'pending', \
                 gen_random_uuid(), now(), now(), 1 FROM generate_series(1, $1) x",
            )
            .bind(i64::try_from(rows).expect("row count"))
            .execute(pool)
            .await
            .expect("seed");
            sqlx::query("VACUUM ANALYZE items")
                .execute(pool)
                .await
                .expect("analyze");
        }
    }
}

/// The id of the last row before page `page` in id order.
async fn id_before_page(db: &Db, page: u64) -> Uuid {
    let offset = i64::try_from((page - 1) * PER_PAGE - 1).expect("offset");
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT id FROM items ORDER BY id LIMIT 1 OFFSET ?",
        Dialect::Postgres => "SELECT id FROM items ORDER BY id LIMIT 1 OFFSET $1",
    };
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).bind(offset).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).bind(offset).fetch_one(p).await,
    }
    .expect("row at depth")
}

fn depth(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let rows: u64 = std::env::var("DEPTH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let codec = Arc::new(CursorCodec::new(b"depth benchmark cursor secret...."));
    let repo = SqlRepository::<Item>::new(codec.clone());
    let parse = |raw: &str| ListQuery::parse(raw, <Item as strata::repo::Entity>::SPEC, &codec);

    let mut group = c.benchmark_group("list_depth");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for database in runtime.block_on(TestDatabase::all()) {
        let (db, deep_id) = runtime.block_on(async {
            let db = Db::connect(&database.config().database)
                .await
                .expect("connect");
            strata::testing::execute(&db, common::ddl(db.dialect()))
                .await
                .expect("ddl");
            seed(&db, rows).await;
            let deep_id = id_before_page(&db, DEEP_PAGE).await;
            (db, deep_id)
        });
        let dialect = format!("{:?}", db.dialect());

        let first = parse(&format!("sort=id&cursor=&limit={PER_PAGE}")).expect("query");
        let cursor = codec.encode(&first.cursor_after(vec![Value::Uuid(deep_id)]));
        let deep = parse(&format!("sort=id&limit={PER_PAGE}&cursor={cursor}")).expect("query");
        let offset =
            |page: u64| parse(&format!("sort=id&page={page}&perPage={PER_PAGE}")).expect("query");
        let scenarios = [
            ("keyset_page_1".to_owned(), first),
            (format!("keyset_page_{DEEP_PAGE}"), deep),
            ("offset_page_1".to_owned(), offset(1)),
            (format!("offset_page_{DEEP_PAGE}"), offset(DEEP_PAGE)),
        ];
        // The deep keyset page must start right after `deep_id`, or the
        // comparison would measure the wrong page.
        let deep_page = runtime
            .block_on(repo.list(&db, &scenarios[1].1))
            .expect("deep page");
        let offset_page = runtime
            .block_on(repo.list(&db, &scenarios[3].1))
            .expect("offset page");
        assert_eq!(deep_page.items.len(), PER_PAGE as usize);
        assert_eq!(
            deep_page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            offset_page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            "keyset and offset page {DEEP_PAGE} differ"
        );
        for (name, query) in &scenarios {
            group.bench_with_input(BenchmarkId::new(name, &dialect), query, |b, query| {
                b.to_async(&runtime)
                    .iter(|| async { repo.list(&db, query).await.expect("page") });
            });
        }
        runtime.block_on(async { db.close().await });
    }
    group.finish();
}

criterion_group!(benches, depth);
criterion_main!(benches);
