use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::config::DatabaseConfig;

/// The SQL dialect of a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the embedded default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// The dialect a database URL names, if it is one Strata supports.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool to the application's database.
///
/// Cloning is cheap (the pool is reference-counted).
#[derive(Debug, Clone)]
pub enum Db {
    /// A SQLite pool.
    Sqlite(SqlitePool),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

impl Db {
    /// Opens a pool as `config` describes. SQLite files are created when missing and
    /// run in WAL mode with foreign keys enforced; `sqlite::memory:` uses a single
    /// connection so every query sees the same in-memory database.
    pub async fn connect(config: &DatabaseConfig) -> Result<Self, sqlx::Error> {
        let acquire = Duration::from_secs(config.acquire_timeout_secs);
        match Dialect::from_url(&config.url) {
            Some(Dialect::Sqlite) => {
                let in_memory =
                    config.url.contains(":memory:") || config.url.contains("mode=memory");
                let mut options = SqliteConnectOptions::from_str(&config.url)?
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                if !in_memory {
                    options = options.journal_mode(SqliteJournalMode::Wal);
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(if in_memory { 1 } else { config.max_connections })
                    .min_connections(if in_memory { 1 } else { config.min_connections })
                    .idle_timeout(if in_memory {
                        None
                    } else {
                        Some(Duration::from_secs(600))
                    })
                    .max_lifetime(if in_memory {
                        None
                    } else {
                        Some(Duration::from_secs(1800))
                    })
                    .acquire_timeout(acquire)
                    .connect_with(options)
                    .await?;
                Ok(Self::Sqlite(pool))
            }
            Some(Dialect::Postgres) => {
                let mut options = PgConnectOptions::from_str(&config.url)?;
                if config.statement_timeout_ms > 0 {
                    options = options
                        .options([("statement_timeout", config.statement_timeout_ms.to_string())]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .min_connections(config.min_connections)
                    .acquire_timeout(acquire)
                    .connect_with(options)
                    .await?;
                Ok(Self::Postgres(pool))
            }
            None => Err(sqlx::Error::Configuration(
                "database URL must start with sqlite:, postgres:// or postgresql://".into(),
            )),
        }
    }

    /// The dialect of this pool.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite(_) => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `SELECT 1`; used by `/health/ready`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Self::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        }
    }

    /// Closes every connection; later queries fail with `PoolClosed` (a 503).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// Whether [`Db::close`] was called.
    pub fn is_closed(&self) -> bool {
        match self {
            Self::Sqlite(pool) => pool.is_closed(),
            Self::Postgres(pool) => pool.is_closed(),
        }
    }

    /// The SQLite pool, if this is SQLite.
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Self::Sqlite(pool) => Some(pool),
            Self::Postgres(_) => None,
        }
    }

    /// The Postgres pool, if this is Postgres.
    pub fn as_postgres(&self) -> Option<&PgPool> {
        match self {
            Self::Postgres(pool) => Some(pool),
            Self::Sqlite(_) => None,
        }
    }
}
