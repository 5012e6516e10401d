//! Offset and keyset pages, and the keyset plan on Postgres.

use std::collections::HashSet;

use chrono::NaiveDate;
use strata::query::{CursorCodec, ListQuery, Value};
use strata::repo::{Repository, SqlRepository};
use strata::testing::TestDatabase;
use strata::{Db, Dialect, Pagination};
use uuid::Uuid;

use super::support::*;

#[tokio::test]
async fn offset_pages_count_totals_including_last_and_empty() {
    for f in fixtures().await {
        let (items, pagination) = f.list("").await;
        assert!(items.is_empty());
        assert_eq!(pagination, Pagination::offset(1, 20, 0));

        for i in 0..45 {
            f.repo
                .create(&f.pool, &task(&format!("T{i:02}"), i))
                .await
                .unwrap();
        }
        let (items, pagination) = f.list("page=1&perPage=20&sort=priority").await;
        assert_eq!(items.len(), 20);
        assert_eq!(pagination, Pagination::offset(1, 20, 45));
        let (items, pagination) = f.list("page=3&perPage=20&sort=priority").await;
        assert_eq!(
            items.iter().map(|t| t.priority).collect::<Vec<_>>(),
            [40, 41, 42, 43, 44]
        );
        assert_eq!(pagination, Pagination::offset(3, 20, 45));
        let (items, _) = f.list("page=4&perPage=20").await;
        assert!(items.is_empty());
        let (items, pagination) = f.list("perPage=10&priority[lt]=5").await;
        assert_eq!((items.len(), pagination), (5, Pagination::offset(1, 10, 5)));
    }
}

/// Filtered offset pages bind the filter values and then the offset (SQLite
/// writes the limit as a literal): walking 160 distinct pages one row at a time
/// returns every matching row once, in order, and lookups still work after
/// those many distinct statements went through the statement cache.
#[tokio::test]
async fn many_distinct_filtered_offset_pages_walk_every_row_once() {
    for f in fixtures().await {
        for i in 0..200 {
            f.repo
                .create(&f.pool, &task(&format!("W{i:03}"), i))
                .await
                .unwrap();
        }
        let mut seen = Vec::new();
        for page in 1..=161 {
            let (items, pagination) = f
                .list(&format!(
                    "page={page}&perPage=1&sort=priority&priority[gte]=40"
                ))
                .await;
            assert_eq!(pagination, Pagination::offset(page, 1, 160));
            seen.extend(items.into_iter().map(|t| t.priority));
        }
        assert_eq!(seen, (40..200).collect::<Vec<i64>>());
        let sql = SqlRepository::<Task>::list_sql(&f.parse("page=7&perPage=3"), f.pool.dialect());
        assert!(sql.ends_with("LIMIT 3 OFFSET 18"), "{sql}");
        let (items, _) = f.list("perPage=1&sort=-priority").await;
        let found = f.repo.find_by_id(&f.pool, &items[0].id).await.unwrap();
        assert_eq!(found.map(|t| t.priority), Some(199));
    }
}

async fn walk_cursor(f: &Fixture, base: &str) -> (Vec<Uuid>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor = String::new();
    loop {
        let (items, pagination) = f.list(&format!("{base}&cursor={cursor}")).await;
        pages += 1;
        seen.extend(items.iter().map(|t| t.id));
        match pagination {
            Pagination::Cursor {
                next_cursor: Some(next),
                has_more: true,
                ..
            } => cursor = next,
            Pagination::Cursor {
                next_cursor: None,
                has_more: false,
                ..
            } => return (seen, pages),
            other => panic!("unexpected pagination {other:?}"),
        }
        assert!(pages < 100, "cursor loop does not end");
    }
}

#[tokio::test]
async fn keyset_pages_walk_every_row_once_in_order() {
    for f in fixtures().await {
        let (items, pagination) = f.list("cursor=").await;
        assert!(items.is_empty());
        assert_eq!(pagination, Pagination::cursor(20, None));

        for i in 0..23 {
            let mut t = task(&format!("T{:02}", i % 7), i % 4);
            if i % 5 == 0 {
                t.due_on = NaiveDate::from_ymd_opt(2030, 1, 1 + (i as u32 % 3));
            }
            f.repo.create(&f.pool, &t).await.unwrap();
        }
        for sort in [
            "",
            "sort=-priority",
            "sort=title,-priority",
            "sort=-dueOn,priority",
            "sort=dueOn",
            "sort=-createdAt",
        ] {
            let (all, _) = f.list(&format!("{sort}&perPage=100")).await;
            let expected: Vec<Uuid> = all.iter().map(|t| t.id).collect();
            let (walked, pages) = walk_cursor(&f, &format!("{sort}&limit=5")).await;
            assert_eq!(walked, expected, "{sort} on {:?}", f.pool.dialect());
            assert_eq!(pages, 5, "{sort}: 23 rows in pages of 5");
            assert_eq!(walked.iter().collect::<HashSet<_>>().len(), 23);
        }
        // Exactly a multiple of the page size: the last full page says no more.
        let (walked, pages) = walk_cursor(&f, "priority[lt]=3&limit=6").await;
        assert_eq!(walked.len(), 18);
        assert_eq!(pages, 3);
    }
}

#[tokio::test]
async fn keyset_page_on_postgres_is_an_index_range_scan() {
    let Some(db) = TestDatabase::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let pool = Db::connect(&db.config().database).await.unwrap();
    let pg = pool.as_postgres().unwrap();
    for statement in POSTGRES_DDL.split(';').filter(|s| !s.trim().is_empty()) {
        let statement: &'static str = Box::leak(statement.to_owned().into_boxed_str());
        sqlx::query(statement).execute(pg).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO tasks (id, title, slug, priority, score, done, status, created_at, updated_at, version)
         SELECT gen_random_uuid(), 'T' || g, 's' || g, g % 1000, 0, false, 'pending', now(), now(), 1
         FROM generate_series(1, 50000) g",
    )
    .execute(pg)
    .await
    .unwrap();
    sqlx::query("ANALYZE tasks").execute(pg).await.unwrap();

    // A cursor deep into the table, as page 2000 of 25 rows would carry.
    let codec = CursorCodec::new(b"repository suite cursor secret, 32+ bytes long");
    let first = ListQuery::parse("sort=-priority&cursor=&limit=25", &SPEC, &codec).unwrap();
    let deep = first.cursor_after(vec![Value::Int(3), Value::Uuid(Uuid::nil())]);
    let token = codec.encode(&deep);
    let query = ListQuery::parse(
        &format!("sort=-priority&limit=25&cursor={token}"),
        &SPEC,
        &codec,
    )
    .unwrap();
    let sql = SqlRepository::<Task>::list_sql(&query, Dialect::Postgres);
    assert!(!sql.to_uppercase().contains("OFFSET"), "{sql}");

    let plan: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
        .fetch_all(pg)
        .await
        .unwrap();
    let plan = plan
        .into_iter()
        .map(|(line,)| line)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        plan.contains("Index Scan") && plan.contains("tasks_priority_id"),
        "{plan}"
    );
    assert!(
        plan.contains("Index Cond"),
        "the cursor bounds the scan: {plan}"
    );
    assert!(!plan.contains("Sort"), "no sort of the whole table: {plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
}
