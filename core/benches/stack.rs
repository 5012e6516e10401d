//! Server CPU per request, in process (no sockets): a bare axum + sqlx handler,
//! the same handler inside Strata's full stack, and the generated resource route.
//! Separates what the middleware costs from what the generated handler costs.
//!
//! `cargo bench -p strata --bench stack`

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use strata::axum::Router;
use strata::axum::body::Body;
use strata::axum::extract::{Path, State};
use strata::axum::routing::get;
use strata::query::{FieldMeta, FieldType, QuerySpec, Value};
use strata::rbac::Policy;
use strata::repo::{Conventions, Entity, Repository};
use strata::resource::{NoHooks, Parent, Resource, WriteContext};
use strata::testing::TestDatabase;
use strata::{App, Db};
use tower::ServiceExt;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: Uuid,
    title: String,
    student_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

static FIELDS: [FieldMeta; 6] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String).filter(),
    FieldMeta::new("studentId", "student_id", FieldType::Uuid).filter(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime),
    FieldMeta::new("updatedAt", "updated_at", FieldType::DateTime),
    FieldMeta::new("version", "version", FieldType::Int),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

impl Entity for Item {
    const TABLE: &'static str = "items";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::TIMESTAMPS.versioned("version");
    type Id = Uuid;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Uuid(self.id)),
            ("title", Value::String(self.title.clone())),
            ("student_id", Value::Uuid(self.student_id)),
        ]
    }
}

#[derive(Deserialize, validator::Validate)]
struct Body0 {}

impl Resource for Item {
    const PATH: &'static str = "items";
    const PERMISSION: &'static str = "items";
    const OWNER: Option<&'static FieldMeta> = Some(&FIELDS[2]);
    const PARENTS: &'static [Parent] = &[];
    const RATE_LIMIT: Option<&'static str> = None;
    type Create = Body0;
    type Replace = Body0;
    type Patch = Body0;
    type Hooks = NoHooks;
    fn id(&self) -> &Uuid {
        &self.id
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
    fn from_create(_: Body0, c: &WriteContext<'_>) -> Result<Self, strata::AppError> {
        let now = Utc::now();
        Ok(Item {
            id: Uuid::now_v7(),
            title: String::new(),
            student_id: c.user.id,
            created_at: now,
            updated_at: now,
            version: 0,
        })
    }
    fn replace(&mut self, _: Body0) {}
    fn patch(&mut self, _: Body0) {}
}

async fn raw_one(db: &Db, id: Uuid) -> strata::axum::Json<Item> {
    let row = match db {
        Db::Sqlite(p) => {
            sqlx::query_as("SELECT * FROM items WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await
        }
        Db::Postgres(p) => {
            sqlx::query_as("SELECT * FROM items WHERE id = $1")
                .bind(id)
                .fetch_one(p)
                .await
        }
    };
    strata::axum::Json(row.expect("row"))
}

fn stack(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let db = TestDatabase::sqlite();
    let (router, bare, id, token) = runtime.block_on(async {
        let mut config = db.config();
        config.auth.jwt_secret = Some("benchmark secret of at least 32 bytes!".into());
        config.rate_limit.api = "1000000000/s".into();
        // Bisecting aids: BENCH_OFF=compression,headers,metrics,limits
        let off = std::env::var("BENCH_OFF").unwrap_or_default();
        config.http.compression = !off.contains("compression");
        config.http.security_headers = !off.contains("headers");
        config.http.metrics = !off.contains("metrics");
        let stacked = Router::new().route(
            "/stacked/items/{id}",
            get(|State(s): State<strata::AppState>, _u: strata::auth::AuthUser, Path(id): Path<Uuid>| async move { raw_one(s.db(), id).await }),
        );
        let app = App::new(config).with_auth();
        let app = if off.contains("limits") { app } else { app.with_rate_limits() };
        let server = app
            .policy(Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").expect("policy"))
            .api(strata::resource::routes::<Item>())
            .api(stacked)
            .build()
            .await
            .expect("app");
        let pool = server.state().db().clone();
        strata::testing::execute(&pool, "CREATE TABLE items (id BLOB PRIMARY KEY, title TEXT NOT NULL, student_id BLOB NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL)").await.expect("ddl");
        let now = Utc::now();
        let item = Item { id: Uuid::now_v7(), title: "x".into(), student_id: Uuid::now_v7(), created_at: now, updated_at: now, version: 0 };
        let id = server.state().repository::<Item>().create(&pool, &item).await.expect("seed").id;
        let user = strata::auth::AuthUser { id: Uuid::now_v7(), email: "b@example.com".into(), role: "admin".into() };
        let token = server.state().auth().issue(&user).expect("token").token;
        let bare = Router::new()
            .route("/raw/items/{id}", get(|State(db): State<Db>, Path(id): Path<Uuid>| async move { raw_one(&db, id).await }))
            .with_state(pool);
        (server.router(), bare, id, token)
    });

    let send = |router: Router, uri: String, token: Option<String>| async move {
        let mut request = http::Request::builder().uri(uri);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let response = router
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert!(response.status().is_success(), "{}", response.status());
        let _ = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body");
    };
    c.bench_function("get_by_id_bare_handler", |b| {
        b.to_async(&runtime)
            .iter(|| send(bare.clone(), format!("/raw/items/{id}"), None))
    });
    c.bench_function("get_by_id_handler_inside_stack", |b| {
        b.to_async(&runtime).iter(|| {
            send(
                router.clone(),
                format!("/api/v1/stacked/items/{id}"),
                Some(token.clone()),
            )
        })
    });
    c.bench_function("get_by_id_generated", |b| {
        b.to_async(&runtime).iter(|| {
            send(
                router.clone(),
                black_box(format!("/api/v1/items/{id}")),
                Some(token.clone()),
            )
        })
    });
}

criterion_group!(benches, stack);
criterion_main!(benches);
