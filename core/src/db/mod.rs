//! Database connections: one pool type for SQLite and PostgreSQL.
//!
//! [`Db`] is chosen from the URL (`sqlite:` or `postgres://`), configured from
//! [`DatabaseConfig`](crate::config::DatabaseConfig) (pool size, acquire timeout,
//! Postgres `statement_timeout`), and runs the app's embedded migrations
//! ([`Migrations`]) at start-up.

mod migrations;
mod pool;

pub use migrations::Migrations;
pub use pool::{Db, Dialect};
