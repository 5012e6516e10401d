//! The `Task` entity, its schema on both dialects, and one fixture per database.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use strata::query::{CursorCodec, FieldMeta, FieldType, ListQuery, QuerySpec, Value};
use strata::repo::{Conventions, Entity, Repository, SqlRepository};
use strata::testing::TestDatabase;
use strata::{Db, Dialect, Pagination};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct Task {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) slug: String,
    pub(crate) priority: i64,
    pub(crate) score: f64,
    pub(crate) done: bool,
    pub(crate) due_on: Option<NaiveDate>,
    pub(crate) status: String,
    pub(crate) note: Option<String>,
    pub(crate) project_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) deleted_at: Option<DateTime<Utc>>,
    pub(crate) version: i64,
}

pub(crate) static FIELDS: [FieldMeta; 14] = [
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
pub(crate) static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

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

pub(crate) const SQLITE_DDL: &str = "
CREATE TABLE projects (id BLOB PRIMARY KEY NOT NULL);
CREATE TABLE tasks (
    id BLOB PRIMARY KEY NOT NULL, title TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
    priority INTEGER NOT NULL, score REAL NOT NULL, done INTEGER NOT NULL, due_on TEXT,
    status TEXT NOT NULL, note TEXT, project_id BLOB REFERENCES projects (id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT,
    version INTEGER NOT NULL);
CREATE INDEX tasks_priority_id ON tasks (priority, id);";

pub(crate) const POSTGRES_DDL: &str = "
CREATE TABLE projects (id UUID PRIMARY KEY);
CREATE TABLE tasks (
    id UUID PRIMARY KEY, title TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
    priority BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL, done BOOLEAN NOT NULL, due_on DATE,
    status TEXT NOT NULL, note TEXT, project_id UUID REFERENCES projects (id),
    created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, deleted_at TIMESTAMPTZ,
    version BIGINT NOT NULL);
CREATE INDEX tasks_priority_id ON tasks (priority, id);";

pub(crate) struct Fixture {
    _db: TestDatabase,
    pub(crate) pool: Db,
    pub(crate) repo: SqlRepository<Task>,
    pub(crate) codec: CursorCodec,
}

impl Fixture {
    pub(crate) fn parse(&self, query: &str) -> ListQuery {
        ListQuery::parse(query, &SPEC, &self.codec).unwrap_or_else(|e| panic!("{query}: {e:?}"))
    }

    pub(crate) async fn list(&self, query: &str) -> (Vec<Task>, Pagination) {
        let page = self
            .repo
            .list(&self.pool, &self.parse(query))
            .await
            .unwrap();
        (page.items, page.pagination)
    }

    pub(crate) async fn titles(&self, query: &str) -> Vec<String> {
        self.list(query)
            .await
            .0
            .into_iter()
            .map(|t| t.title)
            .collect()
    }
}

pub(crate) async fn fixtures() -> Vec<Fixture> {
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

pub(crate) fn task(title: &str, priority: i64) -> Task {
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
