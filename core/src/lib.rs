//! # Strata
//!
//! A batteries-included REST backend framework on axum and sqlx: one error type
//! and JSON envelope, a default middleware stack, typed configuration, database
//! pools for SQLite and PostgreSQL, and an application builder with health checks,
//! metrics and graceful shutdown.
//!
//! ```no_run
//! use strata::{App, AppError, Config, Created, Item, Json};
//! use strata::axum::{Router, routing::{get, post}};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize, Serialize)]
//! struct Note { text: String }
//!
//! async fn create(Json(note): Json<Note>) -> Result<Created<Note>, AppError> {
//!     Ok(Created::new("/api/v1/notes/1", note))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), strata::StartupError> {
//!     let api = Router::new()
//!         .route("/notes", post(create))
//!         .route("/ping", get(|| async { Item("pong") }));
//!     App::new(Config::load()?).api(api).serve().await
//! }
//! ```
//!
//! ## Modules
//!
//! | module | what |
//! |---|---|
//! | [`error`] | [`AppError`], the error envelope and RFC 9457 problem details |
//! | [`response`] | success envelopes: [`Item`], [`Created`], [`NoContent`], [`List`] |
//! | [`http`] | the middleware stack, request ids, metrics, envelope extractors |
//! | [`config`] | typed configuration from TOML files and the environment |
//! | [`db`] | SQLite/PostgreSQL pools and migrations |
//! | [`query`] | the list-query grammar: [`ListQuery`], filters, sort, cursors |
//! | [`repo`] | [`Repository`](repo::Repository) over SQLite and PostgreSQL, conventions, cache-aside decorator |
//! | [`rate_limit`] | GCRA quotas per route group, keyed by IP, user or API key; in memory or Redis |
//! | [`rbac`] | permissions, roles with inheritance, policies |
//! | [`cache`] | in-process and Redis caches, cache-aside loading with stampede protection |
//! | [`app`] | the [`App`] builder, health endpoints, graceful shutdown |
//! | [`auth`] | JWT access tokens, refresh tokens, passwords, [`auth::AuthUser`], `/api/v1/auth/*` |
//! | [`openapi`] | the OpenAPI 3.1 document (`/openapi.json`) and the reference page (`/docs`) |
//! | [`testing`] | isolated test databases and request helpers |
//!
//! ## Feature flags
//!
//! None yet: SQLite and PostgreSQL support are always compiled in.

pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod openapi;
pub mod query;
pub mod rate_limit;
pub mod rbac;
pub mod repo;
pub mod resource;
pub mod response;
pub mod testing;

pub use app::{App, AppState, Server, StartupError};
pub use cache::{Cache, CacheAside, CacheError};
pub use config::{Config, Environment};
pub use db::{Db, Dialect, Exec, Migrations, Tx};
pub use error::{AppError, ErrorCode, FieldError};
pub use http::{Json, Path, Query, RequestId};
pub use query::{CursorCodec, ListQuery, QuerySpec};
pub use response::{Created, Item, List, NoContent, Pagination};

/// Re-exported so apps and generated code use the same axum version as Strata.
pub use axum;
/// Re-exported so apps and generated code use the same sqlx version as Strata.
pub use sqlx;
