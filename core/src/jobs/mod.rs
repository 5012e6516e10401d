//! Background jobs on [apalis]: a [`Job`] trait, a durable [`JobQueue`],
//! workers that start and stop with the app, retries with exponential
//! backoff, dead letters, delayed and cron jobs, and enqueueing inside the
//! caller's database transaction.
//!
//! ```no_run
//! # use serde::{Deserialize, Serialize};
//! # use strata::jobs::{Job, JobContext, JobError};
//! #[derive(Debug, Clone, Serialize, Deserialize)]
//! struct Reminder { assignment_id: uuid::Uuid }
//!
//! impl Job for Reminder {
//!     const NAME: &'static str = "reminder";
//!     async fn run(self, ctx: JobContext) -> Result<(), JobError> {
//!         tracing::info!(assignment = %self.assignment_id, "reminder sent");
//!         Ok(())
//!     }
//! }
//!
//! # async fn f(config: strata::Config) -> Result<(), strata::StartupError> {
//! strata::App::new(config)
//!     .job::<Reminder>()                                    // a worker for the queue
//!     .cron("0 0 7 * * *", Reminder { assignment_id: uuid::Uuid::nil() }) // queued daily
//!     .serve()
//!     .await
//! # }
//! ```
//!
//! **Storage.** `[jobs] backend = "database"` (default) keeps the queue in the
//! app's own SQLite or Postgres (apalis's `Jobs` table / `apalis` schema,
//! migrated at start-up with their own history table); `"redis"` keeps it in
//! Redis at `redis.url`. Strata's own tables (`strata_job_outbox`,
//! `strata_dead_jobs`, `strata_cron_ticks`) always live in the app's database.
//!
//! **Delivery.** At least once: a job may run again after a worker dies
//! mid-job (its heartbeat stops and, after `jobs.missed_heartbeats`, another
//! worker resumes it) or after an error. A job that fails
//! [`Job::MAX_ATTEMPTS`] times is written to the dead letters
//! ([`JobQueue::dead_letters`]) and not run again. Several instances on one
//! Postgres or Redis share each queue; every job is claimed by one worker
//! (`FOR UPDATE SKIP LOCKED` / Redis scripts).
//!
//! [apalis]: https://docs.rs/apalis

mod cron;
mod job;
mod outbox;
mod queue;
mod storage;
mod worker;

use std::time::Duration;

use tokio::task::JoinSet;

pub use job::{Job, JobContext, JobError};
pub use queue::{DeadJob, JobQueue};

use crate::app::AppState;
use crate::db::{Db, Migrations};

pub(crate) use cron::CronEntry;
pub(crate) use storage::Storage;

/// Why the queue could not be opened or a job could not be queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobsError {
    /// The app's database refused a statement (outbox, dead letters).
    #[error("job tables: {0}")]
    Database(#[from] sqlx::Error),
    /// apalis's schema could not be applied.
    #[error("job queue migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The queue storage refused the job.
    #[error("job queue: {0}")]
    Storage(Box<dyn std::error::Error + Send + Sync>),
    /// The job could not be serialised or read back.
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
    /// `jobs.backend = "redis"` without `redis.url`.
    #[error("jobs.backend is redis but redis.url is unset")]
    RedisUrlMissing,
}

impl From<JobsError> for crate::AppError {
    fn from(error: JobsError) -> Self {
        crate::AppError::internal(error)
    }
}

/// Strata's job tables, for both dialects.
pub fn migrations() -> Migrations {
    Migrations::new()
        .sqlite(sqlx::migrate!("migrations-jobs/sqlite"))
        .postgres(sqlx::migrate!("migrations-jobs/postgres"))
}

/// Opens the queue storage the config names and applies its schema.
pub(crate) async fn open_queue(config: &crate::Config, db: &Db) -> Result<JobQueue, JobsError> {
    let storage = Storage::open(&config.jobs, db, config.redis.url.as_deref()).await?;
    Ok(JobQueue::new(storage, db.clone()))
}

/// The job types and cron schedules an app registered.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registry {
    workers: Vec<(&'static str, worker::StartWorker)>,
    crons: Vec<CronEntry>,
}

impl Registry {
    pub(crate) fn job<J: Job>(&mut self) {
        if !self.workers.iter().any(|(name, _)| *name == J::NAME) {
            self.workers.push((J::NAME, worker::start::<J>));
        }
    }

    pub(crate) fn cron(&mut self, entry: CronEntry) {
        self.crons.push(entry);
    }

    /// One message per invalid cron schedule.
    pub(crate) fn problems(&self) -> Vec<String> {
        self.crons
            .iter()
            .filter_map(|c| c.schedule().err())
            .collect()
    }
}

/// The running workers, cron schedules and outbox relay of one instance.
#[derive(Debug)]
pub struct Workers {
    tasks: JoinSet<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Workers {
    /// Starts every registered worker, cron schedule and the outbox relay;
    /// they stop when `state` begins shutting down.
    pub(crate) fn start(state: &AppState, registry: &Registry) -> Option<Self> {
        let queue = state.jobs()?.clone();
        let config = &state.config().jobs;
        // Workers stop on the app's shutdown or on `Workers::stop`.
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut app_shutdown = state.shutdown_watch();
        let forward = stop.clone();
        tasks.spawn(async move {
            tokio::select! {
                _ = app_shutdown.wait_for(|s| *s) => { let _ = forward.send(true); }
                () = forward.closed() => {}
            }
        });
        tasks.spawn(outbox::relay(
            queue.clone(),
            Duration::from_millis(config.outbox_interval_ms),
            shutdown.clone(),
        ));
        for (name, start) in &registry.workers {
            tracing::info!(job = name, "job worker started");
            tasks.spawn(start(worker::WorkerRun {
                state: state.clone(),
                storage: queue.storage().clone(),
                concurrency: config.concurrency,
                heartbeat: Duration::from_millis(config.poll_interval_ms),
                missed_heartbeats: config.missed_heartbeats,
                shutdown: shutdown.clone(),
            }));
        }
        for entry in &registry.crons {
            // Schedules were validated when the app was built.
            let Ok(schedule) = entry.schedule() else {
                continue;
            };
            tracing::info!(cron = %entry.name, "cron schedule started");
            tasks.spawn(cron::run(
                entry.clone(),
                schedule,
                state.clone(),
                shutdown.clone(),
            ));
        }
        Some(Self { tasks, stop })
    }

    /// Tells every worker to take no more jobs and waits for their in-flight
    /// jobs to finish, for at most `grace`; what is still running then is
    /// dropped and resumed later by another worker. The server calls this on
    /// shutdown.
    pub async fn stop(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "job workers did not stop in time; their jobs will be resumed elsewhere"
            );
            self.tasks.abort_all();
        }
    }

    /// Stops at once, as if the process died: in-flight jobs are abandoned
    /// and resumed by another worker once this one's heartbeat is missed.
    pub fn kill(mut self) {
        self.tasks.abort_all();
    }
}
