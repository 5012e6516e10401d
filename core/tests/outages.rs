//! SPEC §14 faults against real services behind a [`TcpProxy`]: the database
//! goes away → 503 envelopes (never a 500) and readiness names it; it comes
//! back → the same server answers again, no restart. Likewise Redis for
//! `/health/ready`. Runs when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set.

use std::time::{Duration, Instant};

use serde_json::Value;
use strata::axum::Router;
use strata::axum::extract::State;
use strata::axum::routing::get;
use strata::testing::{TcpProxy, TestDatabase, TestRequest, redis_url};
use strata::{App, AppError, AppState, Item};

/// `host:port` of a `scheme://[user@]host:port/...` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

async fn one(State(state): State<AppState>) -> Result<Item<i64>, AppError> {
    let pool = state.db().as_postgres().expect("postgres in this test");
    let (n,): (i64,) = strata::sqlx::query_as("SELECT 1::bigint")
        .fetch_one(pool)
        .await?;
    Ok(Item(n))
}

/// Polls `uri` until it answers `status`, for at most `within`.
async fn until_status(router: &Router, uri: &str, status: u16, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let response = TestRequest::get(uri).send(router).await;
        if response.status == status {
            return response.json();
        }
        assert!(
            Instant::now() < deadline,
            "{uri} still {} after {within:?}: {}",
            response.status,
            response.text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn database_outage_is_503_and_the_server_recovers_without_restart() {
    let Some(db) = TestDatabase::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let target = authority(db.url());
    let proxy = TcpProxy::start(&target).await.unwrap();
    let mut config = db.config();
    config.database.url = db.url().replacen(&target, &proxy.addr().to_string(), 1);
    config.database.acquire_timeout_secs = 1;
    let server = App::new(config)
        .api(Router::new().route("/one", get(one)))
        .build()
        .await
        .unwrap();
    let router = server.router();
    assert_eq!(
        TestRequest::get("/api/v1/one").send(&router).await.status,
        200
    );

    proxy.sever();
    for _ in 0..3 {
        let response = TestRequest::get("/api/v1/one").send(&router).await;
        assert_eq!(response.status, 503, "{}", response.text());
        let body = response.json();
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
        assert!(!response.text().contains("strata_t_"), "no internals leak");
    }
    let ready = until_status(&router, "/health/ready", 503, Duration::from_secs(5)).await;
    assert_eq!(ready["error"]["details"][0]["field"], "database");
    assert_eq!(
        TestRequest::get("/health/live").send(&router).await.status,
        200
    );

    proxy.restore();
    let back = until_status(&router, "/api/v1/one", 200, Duration::from_secs(15)).await;
    assert_eq!(back["data"], 1);
    let ready = until_status(&router, "/health/ready", 200, Duration::from_secs(5)).await;
    assert_eq!(ready["data"]["checks"]["database"], "ok");
}

#[tokio::test]
async fn readiness_checks_redis_when_configured() {
    let Some(url) = redis_url() else {
        return;
    };
    let db = TestDatabase::sqlite();
    let proxy = TcpProxy::start(&authority(&url)).await.unwrap();
    let mut config = db.config();
    config.redis.url = Some(format!("redis://{}", proxy.addr()));
    let server = App::new(config).build().await.unwrap();
    let router = server.router();
    let ready = until_status(&router, "/health/ready", 200, Duration::from_secs(5)).await;
    assert_eq!(ready["data"]["checks"]["redis"], "ok");

    proxy.sever();
    let down = until_status(&router, "/health/ready", 503, Duration::from_secs(10)).await;
    assert_eq!(down["error"]["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(down["error"]["details"][0]["field"], "redis");

    proxy.restore();
    let ready = until_status(&router, "/health/ready", 200, Duration::from_secs(15)).await;
    assert_eq!(ready["data"]["checks"]["redis"], "ok");

    // Without `redis.url` there is no Redis check.
    let plain = App::new(TestDatabase::sqlite().config())
        .build()
        .await
        .unwrap();
    let ready = until_status(
        &plain.router(),
        "/health/ready",
        200,
        Duration::from_secs(5),
    )
    .await;
    assert!(ready["data"]["checks"].get("redis").is_none(), "{ready}");
}
