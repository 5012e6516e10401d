//! Server CPU per request, in process (no sockets): a bare axum + sqlx handler,
//! the same handler inside Strata's full stack, and the generated resource route.
//! Separates what the middleware costs from what the generated handler costs;
//! `no_db_*` measure the stack alone (a handler with no database work), `db_*`
//! the repository against plain sqlx.
//!
//! `cargo bench -p strata --bench stack`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use strata::axum::Router;
use strata::axum::body::Body;
use strata::axum::extract::{Path, State};
use strata::axum::routing::get;
use strata::rbac::Policy;
use strata::repo::Repository;
use strata::testing::TestDatabase;
use strata::{App, Db};
use tower::ServiceExt;
use uuid::Uuid;

mod common;

use common::Item;

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
        let stacked = Router::new()
            .route(
                "/stacked/ping",
                get(|_u: strata::auth::AuthUser| async { "pong" }),
            )
            .route(
                "/stacked/items/{id}",
                get(
                    |State(s): State<strata::AppState>,
                     _u: strata::auth::AuthUser,
                     Path(id): Path<Uuid>| async move { raw_one(s.db(), id).await },
                ),
            );
        let app = App::new(config).with_auth();
        let app = if off.contains("limits") {
            app
        } else {
            app.with_rate_limits()
        };
        let server = app
            .policy(Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").expect("policy"))
            .api(strata::resource::routes::<Item>())
            .api(stacked)
            .build()
            .await
            .expect("app");
        let pool = server.state().db().clone();
        strata::testing::execute(&pool, common::ddl(pool.dialect()))
            .await
            .expect("ddl");
        let item = Item::new("x".into());
        let id = server
            .state()
            .repository::<Item>()
            .create(&pool, &item)
            .await
            .expect("seed")
            .id;
        let user = strata::auth::AuthUser {
            id: Uuid::now_v7(),
            email: "b@example.com".into(),
            role: "admin".into(),
        };
        let token = server.state().auth().issue(&user).expect("token").token;
        let bare =
            Router::new()
                .route("/raw/ping", get(|| async { "pong" }))
                .route(
                    "/raw/items/{id}",
                    get(|State(db): State<Db>, Path(id): Path<Uuid>| async move {
                        raw_one(&db, id).await
                    }),
                )
                .with_state(pool);
        (server.router(), bare, id, token)
    });

    let repo_db = runtime.block_on(async {
        let db = strata::Db::connect(&{
            let mut c = strata::Config::for_env(strata::Environment::Test);
            c.database.url = format!(
                "sqlite://{}",
                std::env::temp_dir()
                    .join(format!("strata-bench-{}.db", Uuid::new_v4().simple()))
                    .display()
            );
            c.database
        })
        .await
        .expect("db");
        strata::testing::execute(&db, common::ddl(db.dialect()))
            .await
            .expect("ddl");
        let codec = std::sync::Arc::new(strata::query::CursorCodec::new(
            b"bench cursor secret, long enough",
        ));
        let repo = strata::repo::SqlRepository::<Item>::new(codec);
        let row = repo
            .create(&db, &Item::new("x".into()))
            .await
            .expect("seed");
        (db, repo, row.id)
    });
    let (rdb, repo, rid) = (&repo_db.0, &repo_db.1, repo_db.2);
    c.bench_function("db_find_where_repository", |b| {
        b.to_async(&runtime).iter(|| async {
            repo.find_where(rdb, &rid, &[])
                .await
                .expect("ok")
                .expect("row")
        })
    });
    // What a find-by-id ran before id lookups lost their LIMIT: a bound LIMIT
    // costs SQLite ≈ 25 µs a query (docs/benchmarks.md).
    c.bench_function("db_query_as_bound_limit", |b| {
        b.to_async(&runtime).iter(|| async {
            let row: Option<Item> =
                sqlx::query_as(r#"SELECT * FROM "items" WHERE "id" = ? LIMIT ?"#)
                    .bind(rid)
                    .bind(1i64)
                    .fetch_optional(rdb.as_sqlite().expect("sqlite"))
                    .await
                    .expect("row");
            row
        })
    });
    c.bench_function("db_query_as_plain_sqlx", |b| {
        b.to_async(&runtime).iter(|| async {
            let row: Item = sqlx::query_as("SELECT * FROM items WHERE id = $1")
                .bind(rid)
                .fetch_one(rdb.as_sqlite().expect("sqlite"))
                .await
                .expect("row");
            row
        })
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
    c.bench_function("no_db_bare_handler", |b| {
        b.to_async(&runtime)
            .iter(|| send(bare.clone(), "/raw/ping".to_owned(), None))
    });
    c.bench_function("no_db_handler_inside_stack", |b| {
        b.to_async(&runtime).iter(|| {
            send(
                router.clone(),
                "/api/v1/stacked/ping".to_owned(),
                Some(token.clone()),
            )
        })
    });
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
