//! Test support: isolated databases, one-call HTTP requests, and a TCP proxy
//! ([`TcpProxy`]) to simulate a Redis or Postgres outage.
//!
//! Suites run against SQLite always and against PostgreSQL when
//! `TEST_DATABASE_URL` is set (CI sets it). Each [`TestDatabase`] is private to one
//! test (a fresh SQLite file, or a fresh Postgres database created from
//! `TEST_DATABASE_URL` and dropped afterwards), so tests run in parallel.
//!
//! ```no_run
//! # async fn t() {
//! use strata::testing::{TestDatabase, TestRequest};
//! for db in TestDatabase::all().await {
//!     let server = strata::App::new(db.config()).build().await.unwrap();
//!     let response = TestRequest::get("/health/live").send(&server.router()).await;
//!     assert_eq!(response.status, 200);
//! }
//! # }
//! ```

mod database;
mod proxy;
mod request;

pub use database::{TestDatabase, execute, redis_url};
pub use proxy::TcpProxy;
pub use request::{TestRequest, TestResponse};
