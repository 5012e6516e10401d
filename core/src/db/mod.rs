//! Database connections: one pool type for SQLite and PostgreSQL.
//!
//! [`Db`] is chosen from the URL (`sqlite:` or `postgres://`), configured from
//! [`DatabaseConfig`](crate::config::DatabaseConfig) (pool size, acquire timeout,
//! Postgres `statement_timeout`), and runs the app's embedded migrations
//! ([`Migrations`]) at start-up. [`Db::transaction`] runs a unit of work that
//! commits on success and rolls back on error or panic; [`Exec`] lets every
//! repository call run on the pool or inside a [`Tx`].

mod migrations;
mod pool;
mod tx;

pub use migrations::Migrations;
pub use pool::{Db, Dialect};
pub use tx::{Exec, Tx};
