//! Load harness (SPEC §13): generated resource routes through the full default
//! stack (request id, tracing span, metrics, auth, RBAC, rate limit, envelope)
//! against two hand-written axum + sqlx handlers serving the same rows: one
//! doing the same work inside the same stack (SPEC §9's comparison), and a bare
//! one outside it (what the stack itself costs).
//!
//! ```text
//! cargo bench -p strata --bench http                      # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p strata --bench http                  # SQLite and Postgres
//! ```
//!
//! `BENCH_SECONDS` (default 5) per scenario, `BENCH_CONNECTIONS` (default 16)
//! keep-alive connections, `BENCH_ROUNDS` (default 1) interleaved rounds of the
//! three. Prints a Markdown table for `docs/benchmarks.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::auth::AuthUser;
use strata::axum::Router;
use strata::axum::extract::{Path, State};
use strata::axum::routing::get;
use strata::rbac::Policy;
use strata::testing::TestDatabase;
use strata::{App, AppError, Db, Pagination};
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

/// Hand-written handlers doing the generated handlers' work (SPEC §9: "a
/// hand-written axum + sqlx handler doing the same work"), mounted inside the
/// same stack: permission check, one `sqlx::query_as`, 404, ETag and
/// `If-None-Match`, the envelope; the list also counts for its pagination.
fn same_work() -> Router<strata::AppState> {
    use strata::axum::http::{HeaderMap, StatusCode, header};
    use strata::axum::response::{IntoResponse, Response};
    use strata::rbac::Grant;
    use strata::response::Envelope;

    fn allowed(state: &strata::AppState, user: &AuthUser, action: &str) -> Result<(), AppError> {
        match state.policy().grant(&user.role, "items", action) {
            Grant::All => Ok(()),
            _ => Err(AppError::forbidden("Missing permission items:read")),
        }
    }
    async fn one(
        State(state): State<strata::AppState>,
        user: AuthUser,
        Path(id): Path<Uuid>,
        headers: HeaderMap,
    ) -> Result<Response, AppError> {
        allowed(&state, &user, "read")?;
        let sql = "SELECT * FROM items WHERE id = $1";
        let row: Option<Item> = match state.db() {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(id).fetch_optional(p).await?,
            Db::Postgres(p) => sqlx::query_as(sql).bind(id).fetch_optional(p).await?,
        };
        let row = row.ok_or_else(AppError::not_found)?;
        let etag = strata::resource::etag_of(Some(row.version), &[]);
        if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
            return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
        }
        let body = serde_json::to_vec(&Envelope::new(row)).map_err(AppError::internal)?;
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            [(header::ETAG, etag)],
            body,
        )
            .into_response())
    }
    async fn page(
        State(state): State<strata::AppState>,
        user: AuthUser,
    ) -> Result<strata::List<Item>, AppError> {
        allowed(&state, &user, "read")?;
        let count = "SELECT COUNT(*) FROM items";
        let sql = "SELECT * FROM items ORDER BY id LIMIT 20 OFFSET 40";
        let (total, rows): (i64, Vec<Item>) = match state.db() {
            Db::Sqlite(p) => (
                sqlx::query_scalar(count).fetch_one(p).await?,
                sqlx::query_as(sql).fetch_all(p).await?,
            ),
            Db::Postgres(p) => (
                sqlx::query_scalar(count).fetch_one(p).await?,
                sqlx::query_as(sql).fetch_all(p).await?,
            ),
        };
        let total = u64::try_from(total).unwrap_or(0);
        Ok(strata::List::new(rows, Pagination::offset(3, 20, total)))
    }
    Router::new()
        .route("/same/items/{id}", get(one))
        .route("/same/items", get(page))
}

/// Latencies and elapsed time of one or more load runs.
#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    seconds: f64,
}

impl Stats {
    fn absorb(&mut self, other: Stats) {
        self.latencies.extend(other.latencies);
        self.seconds += other.seconds;
    }

    fn finish(mut self) -> Summary {
        self.latencies.sort_unstable();
        let all = &self.latencies;
        let at = |q: f64| {
            let index = (all.len() as f64 * q) as usize;
            all.get(index.min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Summary {
            rate: all.len() as f64 / self.seconds,
            p50: at(0.50),
            p99: at(0.99),
        }
    }
}

/// Requests per second and latency percentiles.
struct Summary {
    rate: f64,
    p50: Duration,
    p99: Duration,
}

impl Summary {
    fn latencies(&self) -> String {
        format!(
            "{:.2} / {:.2}",
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3
        )
    }
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
    Stats {
        latencies: all,
        seconds: started.elapsed().as_secs_f64(),
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

async fn run(db: TestDatabase, seconds: f64, connections: usize, rounds: usize) {
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
        .api(same_work())
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
            format!("/api/v1/same/items/{id}"),
            format!("/raw/items/{id}"),
        ),
        (
            "list (20 rows, page 3)",
            "/api/v1/items?page=3&perPage=20&sort=id".to_owned(),
            "/api/v1/same/items".to_owned(),
            "/raw/items".to_owned(),
        ),
    ];
    let dialect = format!("{:?}", pool.dialect());
    let token = Some(token);
    // Profiling aid: `BENCH_ONLY=same,bare` runs only those (ratios then meaningless).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for (name, generated, same, bare) in scenarios {
        let mut totals = [Stats::default(), Stats::default(), Stats::default()];
        // Interleaved rounds, so drift in the machine's load hits all three.
        for _ in 0..rounds {
            for ((total, (path, token)), label) in totals
                .iter_mut()
                .zip([(&generated, &token), (&same, &token), (&bare, &None)])
                .zip(["generated", "same", "bare"])
            {
                if !only.is_empty() && !only.contains(label) {
                    continue;
                }
                let stats = load(addr, path.clone(), token.clone(), connections, seconds).await;
                total.absorb(stats);
            }
        }
        let [g, s, b] = totals.map(Stats::finish);
        println!(
            "| {dialect} | {name} | {:.0} | {:.0} | {:.0} | {:.2}× | {:.2}× | {} | {} | {} |",
            g.rate,
            s.rate,
            b.rate,
            g.rate / s.rate,
            g.rate / b.rate,
            g.latencies(),
            s.latencies(),
            b.latencies(),
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
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        println!(
            "| database | endpoint | generated req/s | same work req/s | bare req/s | vs same work | vs bare | generated p50 / p99 ms | same work p50 / p99 ms | bare p50 / p99 ms |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|");
        for db in TestDatabase::all().await {
            run(db, seconds, connections, rounds).await;
        }
    });
}
