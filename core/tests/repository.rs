//! The repository suite of SPEC §8, run on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set: CRUD, every filter operator, sort stability, search,
//! offset and keyset pages, soft delete and restore, optimistic locking, unique and
//! foreign-key violations, rollback on error and on panic.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use strata::query::{CursorCodec, FieldMeta, FieldType, ListQuery, QuerySpec, Value};
use strata::repo::{Conventions, Entity, Repository, SqlRepository};
use strata::testing::TestDatabase;
use strata::{AppError, Db, Dialect, ErrorCode, Pagination};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Task {
    id: Uuid,
    title: String,
    slug: String,
    priority: i64,
    score: f64,
    done: bool,
    due_on: Option<NaiveDate>,
    status: String,
    note: Option<String>,
    project_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    version: i64,
}

static FIELDS: [FieldMeta; 14] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("slug", "slug", FieldType::String).filter(),
    FieldMeta::new("priority", "priority", FieldType::Int)
        .filter()
        .sort(),
    FieldMeta::new("score", "score", FieldType::Float)
        .filter()
        .sort(),
    FieldMeta::new("done", "done", FieldType::Bool).filter(),
    FieldMeta::new("dueOn", "due_on", FieldType::Date)
        .filter()
        .sort()
        .nullable(),
    FieldMeta::new(
        "status",
        "status",
        FieldType::Enum(&["pending", "active", "closed"]),
    )
    .filter(),
    FieldMeta::new("note", "note", FieldType::String)
        .filter()
        .search()
        .nullable(),
    FieldMeta::new("projectId", "project_id", FieldType::Uuid)
        .filter()
        .nullable(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("updatedAt", "updated_at", FieldType::DateTime),
    FieldMeta::new("deletedAt", "deleted_at", FieldType::DateTime).nullable(),
    FieldMeta::new("version", "version", FieldType::Int),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

impl Entity for Task {
    const TABLE: &'static str = "tasks";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::TIMESTAMPS
        .soft_delete("deleted_at")
        .versioned("version");
    type Id = Uuid;

    fn values(&self) -> Vec<(&'static str, Value)> {
        let opt = |v: Option<Value>| v.unwrap_or(Value::Null);
        vec![
            ("id", Value::Uuid(self.id)),
            ("title", Value::String(self.title.clone())),
            ("slug", Value::String(self.slug.clone())),
            ("priority", Value::Int(self.priority)),
            ("score", Value::Float(self.score)),
            ("done", Value::Bool(self.done)),
            ("due_on", opt(self.due_on.map(Value::Date))),
            ("status", Value::String(self.status.clone())),
            ("note", opt(self.note.clone().map(Value::String))),
            ("project_id", opt(self.project_id.map(Value::Uuid))),
        ]
    }
}

const SQLITE_DDL: &str = "
CREATE TABLE projects (id BLOB PRIMARY KEY NOT NULL);
CREATE TABLE tasks (
    id BLOB PRIMARY KEY NOT NULL, title TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
    priority INTEGER NOT NULL, score REAL NOT NULL, done INTEGER NOT NULL, due_on TEXT,
    status TEXT NOT NULL, note TEXT, project_id BLOB REFERENCES projects (id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT,
    version INTEGER NOT NULL);
CREATE INDEX tasks_priority_id ON tasks (priority, id);";

const POSTGRES_DDL: &str = "
CREATE TABLE projects (id UUID PRIMARY KEY);
CREATE TABLE tasks (
    id UUID PRIMARY KEY, title TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
    priority BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL, done BOOLEAN NOT NULL, due_on DATE,
    status TEXT NOT NULL, note TEXT, project_id UUID REFERENCES projects (id),
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, deleted_at TIMESTAMPTZ,
    version BIGINT NOT NULL);
CREATE INDEX tasks_priority_id ON tasks (priority, id);";

struct Fixture {
    _db: TestDatabase,
    pool: Db,
    repo: SqlRepository<Task>,
    codec: CursorCodec,
}

impl Fixture {
    fn parse(&self, query: &str) -> ListQuery {
        ListQuery::parse(query, &SPEC, &self.codec).unwrap_or_else(|e| panic!("{query}: {e:?}"))
    }

    async fn list(&self, query: &str) -> (Vec<Task>, Pagination) {
        let page = self
            .repo
            .list(&self.pool, &self.parse(query))
            .await
            .unwrap();
        (page.items, page.pagination)
    }

    async fn titles(&self, query: &str) -> Vec<String> {
        self.list(query)
            .await
            .0
            .into_iter()
            .map(|t| t.title)
            .collect()
    }
}

async fn fixtures() -> Vec<Fixture> {
    let mut all = Vec::new();
    for db in TestDatabase::all().await {
        let pool = Db::connect(&db.config().database).await.expect("connect");
        let ddl = match pool.dialect() {
            Dialect::Sqlite => SQLITE_DDL,
            Dialect::Postgres => POSTGRES_DDL,
        };
        for statement in ddl.split(';').filter(|s| !s.trim().is_empty()) {
            let statement: &'static str = Box::leak(statement.to_owned().into_boxed_str());
            strata::testing::execute(&pool, statement)
                .await
                .map(drop)
                .expect("schema");
        }
        let secret = b"repository suite cursor secret, 32+ bytes long";
        all.push(Fixture {
            _db: db,
            pool,
            repo: SqlRepository::new(Arc::new(CursorCodec::new(secret))),
            codec: CursorCodec::new(secret),
        });
    }
    all
}

fn task(title: &str, priority: i64) -> Task {
    let now = Utc::now();
    Task {
        id: Uuid::now_v7(),
        title: title.to_owned(),
        slug: format!(
            "{}-{}",
            title.to_lowercase().replace(' ', "-"),
            Uuid::new_v4().simple()
        ),
        priority,
        score: priority as f64 / 2.0,
        done: priority % 2 == 0,
        due_on: None,
        status: "pending".into(),
        note: None,
        project_id: None,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        version: 0,
    }
}

#[tokio::test]
async fn crud_round_trip_maintains_timestamps_and_version() {
    for f in fixtures().await {
        let mut t = task("Essay", 3);
        t.due_on = NaiveDate::from_ymd_opt(2030, 5, 1);
        t.note = Some("chapter one".into());
        let created = f.repo.create(&f.pool, &t).await.unwrap();
        assert_eq!(
            (created.id, created.title.as_str(), created.version),
            (t.id, "Essay", 1)
        );
        assert_eq!(created.due_on, t.due_on);
        assert_eq!(created.created_at, created.updated_at);

        let found = f.repo.find_by_id(&f.pool, &t.id).await.unwrap().unwrap();
        assert_eq!(found, created);
        assert!(f.repo.exists(&f.pool, &t.id).await.unwrap());

        let mut changed = found.clone();
        changed.title = "Essay v2".into();
        changed.version = 99; // managed by the repository: ignored
        let updated = f.repo.update(&f.pool, &t.id, &changed, None).await.unwrap();
        assert_eq!((updated.title.as_str(), updated.version), ("Essay v2", 2));
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        let patched = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("note", Value::Null), ("priority", Value::Int(9))],
                Some(2),
            )
            .await
            .unwrap();
        assert_eq!(
            (patched.note, patched.priority, patched.version),
            (None, 9, 3)
        );
        assert_eq!(
            patched.title, "Essay v2",
            "untouched columns keep their value"
        );

        f.repo.delete(&f.pool, &t.id, None).await.unwrap();
        assert!(f.repo.find_by_id(&f.pool, &t.id).await.unwrap().is_none());
        let missing = Uuid::now_v7();
        let err = f
            .repo
            .update(&f.pool, &missing, &changed, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }
}

async fn seed_filter_rows(f: &Fixture) -> Uuid {
    let project = Uuid::now_v7();
    match &f.pool {
        Db::Sqlite(p) => sqlx::query("INSERT INTO projects (id) VALUES (?)")
            .bind(project)
            .execute(p)
            .await
            .map(drop),
        Db::Postgres(p) => sqlx::query("INSERT INTO projects (id) VALUES ($1)")
            .bind(project)
            .execute(p)
            .await
            .map(drop),
    }
    .unwrap();
    let rows = [
        (
            "Alpha essay",
            1,
            Some("2030-01-10"),
            "pending",
            Some("Read 50% of it"),
            true,
        ),
        ("Beta lab", 2, Some("2030-02-10"), "active", None, false),
        ("gamma Essay", 3, None, "closed", Some("draft_one"), true),
        (
            "Delta quiz",
            4,
            Some("2030-04-10"),
            "active",
            Some("essay outline"),
            false,
        ),
    ];
    for (title, priority, due, status, note, in_project) in rows {
        let mut t = task(title, priority);
        t.due_on = due.map(|d| d.parse().unwrap());
        t.status = status.into();
        t.note = note.map(str::to_owned);
        t.project_id = in_project.then_some(project);
        f.repo.create(&f.pool, &t).await.unwrap();
    }
    project
}

#[tokio::test]
async fn every_filter_operator() {
    for f in fixtures().await {
        let project = seed_filter_rows(&f).await;
        let cases: Vec<(String, Vec<&str>)> = vec![
            ("priority=2".into(), vec!["Beta lab"]),
            ("priority[eq]=2".into(), vec!["Beta lab"]),
            (
                "priority[ne]=2".into(),
                vec!["Alpha essay", "gamma Essay", "Delta quiz"],
            ),
            ("priority[gt]=2".into(), vec!["gamma Essay", "Delta quiz"]),
            (
                "priority[gte]=2".into(),
                vec!["Beta lab", "gamma Essay", "Delta quiz"],
            ),
            ("priority[lt]=2".into(), vec!["Alpha essay"]),
            ("priority[lte]=2".into(), vec!["Alpha essay", "Beta lab"]),
            (
                "status[in]=pending,closed".into(),
                vec!["Alpha essay", "gamma Essay"],
            ),
            (
                "status[nin]=pending,closed".into(),
                vec!["Beta lab", "Delta quiz"],
            ),
            (
                "title[contains]=ESSAY".into(),
                vec!["Alpha essay", "gamma Essay"],
            ),
            ("title[startsWith]=g".into(), vec!["gamma Essay"]),
            ("note[isNull]=true".into(), vec!["Beta lab"]),
            (
                "note[isNull]=false".into(),
                vec!["Alpha essay", "gamma Essay", "Delta quiz"],
            ),
            (
                "note[ne]=draft_one".into(),
                vec!["Alpha essay", "Beta lab", "Delta quiz"],
            ),
            ("note[contains]=50%25".into(), vec!["Alpha essay"]),
            ("note[contains]=t_o".into(), vec!["gamma Essay"]),
            ("score[gte]=1.5".into(), vec!["gamma Essay", "Delta quiz"]),
            ("done=true".into(), vec!["Beta lab", "Delta quiz"]),
            (
                "dueOn[gte]=2030-02-10".into(),
                vec!["Beta lab", "Delta quiz"],
            ),
            (
                "dueOn[lt]=2030-02-10&dueOn[isNull]=false".into(),
                vec!["Alpha essay"],
            ),
            (
                format!("projectId={project}"),
                vec!["Alpha essay", "gamma Essay"],
            ),
            ("status=active&priority[gt]=2".into(), vec!["Delta quiz"]),
            (
                "createdAt[gte]=2000-01-01T00:00:00Z".into(),
                vec!["Alpha essay", "Beta lab", "gamma Essay", "Delta quiz"],
            ),
            ("createdAt[lt]=2000-01-01".into(), vec![]),
        ];
        for (query, expected) in cases {
            let got = f.titles(&format!("{query}&sort=priority")).await;
            assert_eq!(got, expected, "{query} on {:?}", f.pool.dialect());
        }
        assert_eq!(
            f.repo
                .count(&f.pool, &f.parse("status=active").filters)
                .await
                .unwrap(),
            2
        );
    }
}

#[tokio::test]
async fn sort_is_stable_with_ties_broken_by_id() {
    for f in fixtures().await {
        let mut ids = Vec::new();
        for i in 0..9 {
            let t = task(&format!("Task {i}"), i % 3);
            ids.push((t.priority, t.id));
            f.repo.create(&f.pool, &t).await.unwrap();
        }
        let (asc, _) = f.list("sort=priority").await;
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(
            asc.iter().map(|t| (t.priority, t.id)).collect::<Vec<_>>(),
            expected
        );

        let (desc, _) = f.list("sort=-priority").await;
        expected.reverse();
        assert_eq!(
            desc.iter().map(|t| (t.priority, t.id)).collect::<Vec<_>>(),
            expected
        );

        let (mixed, _) = f.list("sort=-priority,title").await;
        let keys: Vec<_> = mixed
            .iter()
            .map(|t| (-t.priority, t.title.clone()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);

        // Nullable keys: NULL sorts first ascending, last descending, on both dialects.
        let (by_due, _) = f.list("sort=dueOn").await;
        assert!(by_due.iter().all(|t| t.due_on.is_none()));
    }
}

#[tokio::test]
async fn search_is_case_insensitive_over_searchable_fields_and_literal() {
    for f in fixtures().await {
        seed_filter_rows(&f).await;
        assert_eq!(
            f.titles("search=ESSAY&sort=priority").await,
            ["Alpha essay", "gamma Essay", "Delta quiz"],
            "title or note"
        );
        assert_eq!(f.titles("search=50%25").await, ["Alpha essay"]);
        assert_eq!(
            f.titles("search=%25%25%25").await,
            Vec::<String>::new(),
            "% is literal"
        );
        assert_eq!(f.titles("search=_").await, ["gamma Essay"], "_ is literal");
        assert_eq!(f.titles("search=essay&status=active").await, ["Delta quiz"]);
    }
}

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
async fn soft_delete_hides_rows_and_restore_brings_them_back() {
    for f in fixtures().await {
        let keep = f.repo.create(&f.pool, &task("Keep", 1)).await.unwrap();
        let gone = f.repo.create(&f.pool, &task("Gone", 2)).await.unwrap();
        f.repo.delete(&f.pool, &gone.id, Some(1)).await.unwrap();

        assert!(
            f.repo
                .find_by_id(&f.pool, &gone.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(!f.repo.exists(&f.pool, &gone.id).await.unwrap());
        assert_eq!(f.titles("").await, ["Keep"]);
        assert_eq!(f.repo.count(&f.pool, &[]).await.unwrap(), 1);
        let again = f.repo.delete(&f.pool, &gone.id, None).await.unwrap_err();
        assert_eq!(again.code(), ErrorCode::NotFound);
        let patch = f
            .repo
            .patch(&f.pool, &gone.id, &[("priority", Value::Int(5))], None)
            .await;
        assert_eq!(patch.unwrap_err().code(), ErrorCode::NotFound);

        let restored = f.repo.restore(&f.pool, &gone.id).await.unwrap();
        assert_eq!((restored.deleted_at, restored.version), (None, 3));
        assert_eq!(f.titles("sort=priority").await, ["Keep", "Gone"]);
        let not_deleted = f.repo.restore(&f.pool, &keep.id).await.unwrap_err();
        assert_eq!(not_deleted.code(), ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn stale_versions_are_412_not_silent_overwrites() {
    for f in fixtures().await {
        let t = f.repo.create(&f.pool, &task("Versioned", 1)).await.unwrap();
        let first = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("title", Value::String("A".into()))],
                Some(1),
            )
            .await
            .unwrap();
        assert_eq!(first.version, 2);
        let stale = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("title", Value::String("B".into()))],
                Some(1),
            )
            .await;
        assert_eq!(stale.unwrap_err().code(), ErrorCode::PreconditionFailed);
        let stale_delete = f.repo.delete(&f.pool, &t.id, Some(1)).await;
        assert_eq!(
            stale_delete.unwrap_err().code(),
            ErrorCode::PreconditionFailed
        );
        let now = f.repo.find_by_id(&f.pool, &t.id).await.unwrap().unwrap();
        assert_eq!(
            (now.title.as_str(), now.version),
            ("A", 2),
            "the stale writes changed nothing"
        );
    }
}

#[tokio::test]
async fn unique_and_foreign_key_violations_are_conflicts_naming_the_field() {
    for f in fixtures().await {
        let t = f.repo.create(&f.pool, &task("Unique", 1)).await.unwrap();
        let mut duplicate = task("Other", 2);
        duplicate.slug = t.slug.clone();
        let err = f.repo.create(&f.pool, &duplicate).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err:?}");
        assert_eq!(err.details()[0].field, "slug");
        assert!(
            !err.public_message().contains("constraint"),
            "{}",
            err.public_message()
        );

        let mut orphan = task("Orphan", 3);
        orphan.project_id = Some(Uuid::now_v7());
        let err = f.repo.create(&f.pool, &orphan).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err:?}");
        if f.pool.dialect() == Dialect::Postgres {
            // SQLite's message does not name the column.
            assert_eq!(err.details()[0].field, "projectId");
        }
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            1,
            "nothing half-written"
        );
    }
}

#[tokio::test]
async fn unit_of_work_commits_or_rolls_back_on_error_and_panic() {
    for f in fixtures().await {
        let repo = f.repo.clone();
        let committed: Result<(), AppError> = f
            .pool
            .transaction(|tx| {
                Box::pin(async move {
                    repo.create(&mut *tx, &task("One", 1)).await?;
                    repo.create(&mut *tx, &task("Two", 2)).await?;
                    assert_eq!(
                        repo.count(&mut *tx, &[]).await?,
                        2,
                        "visible inside the transaction"
                    );
                    Ok(())
                })
            })
            .await;
        committed.unwrap();
        assert_eq!(f.repo.count(&f.pool, &[]).await.unwrap(), 2);

        let repo = f.repo.clone();
        let failed: Result<(), AppError> = f
            .pool
            .transaction(|tx| {
                Box::pin(async move {
                    repo.create(&mut *tx, &task("Three", 3)).await?;
                    Err(AppError::conflict("business rule says no"))
                })
            })
            .await;
        assert_eq!(failed.unwrap_err().code(), ErrorCode::Conflict);
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            2,
            "rolled back on error"
        );

        let pool = f.pool.clone();
        let repo = f.repo.clone();
        let panicked = tokio::spawn(async move {
            let _: Result<(), AppError> = pool
                .transaction(|tx| {
                    Box::pin(async move {
                        repo.create(&mut *tx, &task("Four", 4)).await?;
                        panic!("handler bug mid-transaction");
                    })
                })
                .await;
        })
        .await;
        assert!(panicked.unwrap_err().is_panic());
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            2,
            "rolled back on panic"
        );
        assert_eq!(f.titles("sort=priority").await, ["One", "Two"]);
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

/// Repository futures must be `Send + 'static`-spawnable, as axum handlers need:
/// every method is called from a spawned task here, on the pool and in a transaction.
#[tokio::test]
async fn every_method_runs_in_a_spawned_task() {
    let f = fixtures().await.into_iter().next().unwrap();
    let pool = f.pool.clone();
    let repo = f.repo.clone();
    let query = f.parse("sort=priority");
    tokio::spawn(async move {
        let t = repo.create(&pool, &task("Spawned", 1)).await.unwrap();
        repo.find_by_id(&pool, &t.id).await.unwrap().unwrap();
        repo.find_where(&pool, &t.id, &[]).await.unwrap().unwrap();
        repo.list(&pool, &query).await.unwrap();
        repo.update(&pool, &t.id, &t, Some(1)).await.unwrap();
        repo.patch(&pool, &t.id, &[("priority", Value::Int(2))], Some(2))
            .await
            .unwrap();
        repo.count(&pool, &[]).await.unwrap();
        repo.exists(&pool, &t.id).await.unwrap();
        repo.delete(&pool, &t.id, Some(3)).await.unwrap();
        repo.restore(&pool, &t.id).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        repo.update(&mut tx, &t.id, &t, None).await.unwrap();
        repo.delete(&mut tx, &t.id, Some(1)).await.unwrap_err();
        repo.list(&mut tx, &query).await.unwrap();
        tx.commit().await.unwrap();
    })
    .await
    .unwrap();
}
