//! Where queued jobs live: apalis's storage for SQLite, Postgres or Redis.

use std::time::{Duration, SystemTime};

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::SqliteStorage;
use serde_json::Value;
use sqlx::{PgPool, SqlitePool};

use super::JobsError;
use crate::config::{JobsBackend, JobsConfig};
use crate::db::Db;

/// apalis keeps its own migration history, apart from the app's
/// `_sqlx_migrations`, so its timestamped versions can never collide with an
/// app's.
const APALIS_MIGRATIONS_TABLE: &str = "_apalis_migrations";

/// One queue storage, shared by every job type (each type is its own queue).
#[derive(Clone)]
pub(crate) enum Storage {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Redis(ConnectionManager),
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "Storage::Sqlite",
            Self::Postgres(_) => "Storage::Postgres",
            Self::Redis(_) => "Storage::Redis",
        })
    }
}

/// A job ready to be pushed: its queue, JSON value and schedule.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub(crate) queue: String,
    pub(crate) payload: Value,
    pub(crate) run_at: SystemTime,
    pub(crate) max_attempts: u32,
}

impl Storage {
    /// Opens the storage `config.backend` names (the app's database, or
    /// Redis at `redis_url`) and applies apalis's schema to it.
    pub(crate) async fn open(
        config: &JobsConfig,
        db: &Db,
        redis_url: Option<&str>,
    ) -> Result<Self, JobsError> {
        let storage = match config.backend {
            JobsBackend::Redis => {
                let url = redis_url.ok_or(JobsError::RedisUrlMissing)?;
                let conn = apalis_redis::connect(url)
                    .await
                    .map_err(|e| JobsError::Storage(e.into()))?;
                Self::Redis(conn)
            }
            JobsBackend::Database => match db {
                Db::Sqlite(pool) => Self::Sqlite(pool.clone()),
                Db::Postgres(pool) => Self::Postgres(pool.clone()),
            },
        };
        storage.migrate().await?;
        Ok(storage)
    }

    async fn migrate(&self) -> Result<(), JobsError> {
        match self {
            Self::Sqlite(pool) => {
                let mut migrator = SqliteStorage::<()>::migrations();
                migrator.dangerous_set_table_name(APALIS_MIGRATIONS_TABLE);
                migrator.run(pool).await?;
            }
            Self::Postgres(pool) => {
                let mut migrator = PostgresStorage::<()>::migrations();
                migrator.dangerous_set_table_name(APALIS_MIGRATIONS_TABLE);
                migrator.run(pool).await?;
            }
            Self::Redis(_) => {}
        }
        Ok(())
    }

    /// Pushes one job onto its queue.
    pub(crate) async fn push(&self, job: Queued) -> Result<(), JobsError> {
        let task = TaskBuilder::new(job.payload)
            .max_attempts(job.max_attempts as usize)
            .run_at_time(job.run_at)
            .build();
        let push_error = |e: Box<dyn std::error::Error + Send + Sync>| JobsError::Storage(e);
        match self {
            Self::Sqlite(pool) => {
                let mut storage = SqliteStorage::<Value>::new(pool)
                    .with_config(apalis_sqlite::Config::default().queue(&job.queue));
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| push_error(e.into()))
            }
            Self::Postgres(pool) => {
                let mut storage = PostgresStorage::<Value>::new(pool)
                    .with_config(apalis_postgres::Config::default().queue(&job.queue));
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| push_error(e.into()))
            }
            Self::Redis(conn) => {
                let mut storage = RedisStorage::<Value>::new(conn.clone())
                    .with_config(apalis_redis::Config::default().queue(&job.queue));
                storage
                    .push_task(task)
                    .await
                    .map_err(|e| push_error(e.into()))
            }
        }
    }
}

/// The apalis settings every backend shares: queue name, batch, and the
/// heartbeat that doubles as the empty-queue poll interval.
#[derive(Debug, Clone)]
pub(crate) struct WorkerSettings {
    pub(crate) queue: &'static str,
    pub(crate) batch: usize,
    pub(crate) heartbeat: Duration,
    pub(crate) missed_heartbeats: usize,
}

impl WorkerSettings {
    pub(crate) fn sqlite(&self) -> apalis_sqlite::Config {
        apalis_sqlite::Config::default()
            .queue(self.queue)
            .batch_size(self.batch)
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats)
    }

    pub(crate) fn postgres(&self) -> apalis_postgres::Config {
        apalis_postgres::Config::default()
            .queue(self.queue)
            .batch_size(self.batch)
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats)
    }

    pub(crate) fn redis(&self) -> apalis_redis::Config {
        apalis_redis::Config::default()
            .queue(self.queue)
            .batch_size(self.batch)
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats)
    }
}
