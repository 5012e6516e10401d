//! Load harness (SPEC §13): generated resource routes through the full default
//! stack (request id, tracing span, metrics, auth, RBAC, rate limit, envelope)
//! against a minimal hand-written axum + sqlx handler serving the same rows.
//!
//! ```text
//! cargo bench -p strata --bench http                      # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p strata --bench http                  # SQLite and Postgres
//! ```
//!
//! `BENCH_SECONDS` (default 5) per scenario, `BENCH_CONNECTIONS` (default 16)
//! keep-alive connections. Prints a Markdown table for `docs/benchmarks.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::axum::Router;
use strata::axum::extract::{Path, State};
use strata::axum::routing::get;
use strata::rbac::Policy;
use strata::testing::TestDatabase;
use strata::{App, Db};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

mod common;

use common::Item;

/// The hand-written baseline: plain axum + sqlx, no envelope, no auth.
fn baseline(db: Db) -> Router {
    async fn one(State(db): State<Db>, Path(id): Path<Uuid>) -> strata::axum::Json<Item> {
        let sql = "SELECT * FROM items WHERE id = $1";
        let row = match &db {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
        };
        strata::axum::Json(row.expect("row exists"))
    }
    async fn page(State(db): State<Db>) -> strata::axum::Json<Vec<Item>> {
        let sql = "SELECT * FROM items ORDER BY id LIMIT 20 OFFSET 40";
        let rows = match &db {
            Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
        };
        strata::axum::Json(rows.expect("rows"))
    }
    Router::new()
        .route("/raw/items/{id}", get(one))
        .route("/raw/items", get(page))
        .with_state(db)
}

/// The same hand-written handler, mounted inside the full stack (auth, rate
/// limit, request id, …) but without RBAC, the repository or the envelope: the
/// gap to `baseline` is the middleware, the rest is the generated handler.
fn stacked() -> Router<strata::AppState> {
    async fn one(
        State(state): State<strata::AppState>,
        _user: strata::auth::AuthUser,
        Path(id): Path<Uuid>,
    ) -> strata::axum::Json<Item> {
        let sql = "SELECT * FROM items WHERE id = $1";
        let row = match state.db() {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_as(sql).bind(id).fetch_one(p).await,
        };
        strata::axum::Json(row.expect("row exists"))
    }
    Router::new().route("/stacked/items/{id}", get(one))
}

struct Stats {
    requests: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

/// `connections` keep-alive connections sending `GET path` for `seconds`.
async fn load(
    addr: std::net::SocketAddr,
    path: String,
    token: Option<String>,
    connections: usize,
    seconds: f64,
) -> Stats {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let request = Arc::new(match token {
        Some(t) => {
            format!("GET {path} HTTP/1.1\r\nhost: bench\r\nauthorization: Bearer {t}\r\n\r\n")
        }
        None => format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n"),
    });
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let mut latencies = Vec::new();
            let mut buffer = vec![0u8; 64 * 1024];
            while Instant::now() < deadline {
                let started = Instant::now();
                stream.write_all(request.as_bytes()).await.expect("write");
                read_response(&mut stream, &mut buffer).await;
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("load task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Stats {
        requests: all.len(),
        seconds: elapsed,
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// Reads one HTTP/1.1 response with a `content-length` body; panics on non-2xx.
async fn read_response(stream: &mut TcpStream, buffer: &mut [u8]) {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buffer[filled..]).await.expect("read");
        assert!(n > 0, "connection closed");
        filled += n;
        let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buffer[..end])
            .expect("ascii head")
            .to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 2"), "{head}");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().expect("length"))
            .unwrap_or(0);
        while filled < end + 4 + length {
            let n = stream.read(&mut buffer[filled..]).await.expect("read body");
            assert!(n > 0, "connection closed mid-body");
            filled += n;
        }
        return;
    }
}

async fn run(db: TestDatabase, seconds: f64, connections: usize) {
    let mut config = db.config();
    config.database.max_connections = 16;
    config.auth.jwt_secret = Some("benchmark secret of at least 32 bytes!".into());
    config.auth.admin_email = Some("bench@example.com".into());
    config.auth.admin_password = Some("benchmark password".into());
    config.rate_limit.api = "1000000000/s".into();
    config.log.level = "off".into();
    let server = App::new(config)
        .with_auth()
        .with_rate_limits()
        .policy(Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").expect("policy"))
        .api(strata::resource::routes::<Item>())
        .api(stacked())
        .build()
        .await
        .expect("app");
    let pool = server.state().db().clone();
    strata::testing::execute(&pool, common::ddl(pool.dialect()))
        .await
        .expect("ddl");
    let repo = server.state().repository::<Item>();
    let mut ids = Vec::new();
    for i in 0..1000 {
        let item = Item::new(format!("Item {i}"));
        use strata::repo::Repository;
        ids.push(repo.create(&pool, &item).await.expect("seed").id);
    }
    let user = strata::auth::AuthUser {
        id: Uuid::now_v7(),
        email: "bench@example.com".into(),
        role: "admin".into(),
    };
    let token = server.state().auth().issue(&user).expect("token").token;

    let app = server.router().merge(baseline(pool.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        strata::axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });

    let id = ids[500];
    let scenarios = [
        (
            "GET by id",
            format!("/api/v1/items/{id}"),
            Some(token.clone()),
            format!("/raw/items/{id}"),
        ),
        (
            "GET by id, hand-written inside the stack",
            format!("/api/v1/stacked/items/{id}"),
            Some(token.clone()),
            format!("/raw/items/{id}"),
        ),
        (
            "list (20 rows)",
            "/api/v1/items?page=3&perPage=20&sort=id".to_owned(),
            Some(token.clone()),
            "/raw/items".to_owned(),
        ),
    ];
    let dialect = format!("{:?}", pool.dialect());
    for (name, generated, token, raw) in scenarios {
        let g = load(addr, generated, token, connections, seconds).await;
        let h = load(addr, raw, None, connections, seconds).await;
        let (gr, hr) = (g.requests as f64 / g.seconds, h.requests as f64 / h.seconds);
        println!(
            "| {dialect} | {name} | {gr:.0} | {hr:.0} | {:.2}× | {:.2} / {:.2} | {:.2} / {:.2} |",
            gr / hr,
            g.p50.as_secs_f64() * 1e3,
            g.p99.as_secs_f64() * 1e3,
            h.p50.as_secs_f64() * 1e3,
            h.p99.as_secs_f64() * 1e3,
        );
    }
}

fn main() {
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let connections: usize = std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        println!("| database | endpoint | generated req/s | hand-written req/s | ratio | generated p50 / p99 ms | hand-written p50 / p99 ms |");
        println!("|---|---|---|---|---|---|---|");
        for db in TestDatabase::all().await {
            run(db, seconds, connections).await;
        }
    });
}
