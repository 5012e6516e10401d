//! Readiness against a real PostgreSQL that disappears (runs when
//! `TEST_DATABASE_URL` is set; CI sets it).

use strata::App;
use strata::sqlx::{AssertSqlSafe, Connection, PgConnection};
use strata::testing::{TestDatabase, TestRequest};

#[tokio::test]
async fn ready_is_503_when_postgres_database_is_gone() {
    let Some(db) = TestDatabase::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let server = App::new(db.config())
        .build()
        .await
        .expect("app builds on Postgres");
    let router = server.router();
    let ready = TestRequest::get("/health/ready").send(&router).await;
    assert_eq!(ready.status, 200, "{}", ready.text());

    // Drop the database out from under the running app (terminating its sessions).
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let name = db.url().rsplit('/').next().unwrap().to_owned();
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    strata::sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();

    let ready = TestRequest::get("/health/ready").send(&router).await;
    assert_eq!(ready.status, 503, "{}", ready.text());
    let body = ready.json();
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["error"]["details"][0]["field"], "database");
}

#[tokio::test]
async fn statement_timeout_is_applied_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let mut config = db.config();
    config.database.statement_timeout_ms = 100;
    let server = App::new(config).build().await.unwrap();
    let pool = server.state().db().as_postgres().unwrap().clone();
    let err = strata::sqlx::query("SELECT pg_sleep(1)")
        .execute(&pool)
        .await
        .unwrap_err();
    let app_error = strata::AppError::from(err);
    assert_eq!(app_error.code(), strata::ErrorCode::ServiceUnavailable);
}
