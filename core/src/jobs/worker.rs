//! One apalis worker per job type, on whichever storage the queue uses.

use std::time::Duration;

use apalis::layers::WorkerBuilderExt;
use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{BackoffRetryPolicy, HasherRng, RetryPolicy};
use apalis::prelude::{AbortError, Attempt, Data, TaskId, WorkerBuilder};
use apalis_postgres::PostgresStorage;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use chrono::Utc;
use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::job::{Job, JobContext, JobError};
use super::storage::{Storage, WorkerSettings};
use crate::app::AppState;
use crate::db::Db;

/// How a registered job type starts its worker: `start::<J>` monomorphised.
pub(crate) type StartWorker = fn(WorkerRun) -> BoxFuture<'static, ()>;

/// What a worker needs to run: the app, the storage, its settings and the
/// shutdown signal.
#[derive(Debug, Clone)]
pub(crate) struct WorkerRun {
    pub(crate) state: AppState,
    pub(crate) storage: Storage,
    pub(crate) concurrency: usize,
    pub(crate) heartbeat: Duration,
    pub(crate) missed_heartbeats: usize,
    pub(crate) shutdown: watch::Receiver<bool>,
}

/// Runs `J`'s worker until shutdown. A worker that stops on its own (its
/// storage became unreachable) is restarted after a pause: the queue is
/// durable, so nothing is lost meanwhile.
pub(crate) fn start<J: Job>(run: WorkerRun) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let mut shutdown = run.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                return;
            }
            let name = format!("{}-{}", J::NAME, uuid::Uuid::now_v7().simple());
            if let Err(error) = run_once::<J>(&run, &name).await {
                tracing::warn!(job = J::NAME, %error, "job worker stopped; restarting");
            }
            tokio::select! {
                () = tokio::time::sleep(run.heartbeat) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
    })
}

async fn run_once<J: Job>(run: &WorkerRun, name: &str) -> Result<(), JobError> {
    let settings = WorkerSettings {
        queue: J::NAME,
        batch: run.concurrency,
        heartbeat: run.heartbeat,
        missed_heartbeats: run.missed_heartbeats,
    };
    let mut shutdown = run.shutdown.clone();
    let signal = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
        Ok::<(), std::io::Error>(())
    };
    let state = run.state.clone();
    // The same worker on each storage; the backends share no trait that names
    // the whole builder chain, so the chain is spelled once here.
    macro_rules! run_on {
        ($backend:expr) => {
            WorkerBuilder::new(name)
                .backend($backend)
                .data(state)
                .concurrency(run.concurrency)
                .retry(retry_policy::<J>())
                .build(perform::<J>)
                .run_until(signal)
                .await?
        };
    }
    match &run.storage {
        Storage::Sqlite(pool) => {
            run_on!(SqliteStorage::<J>::new(pool).with_config(settings.sqlite()))
        }
        Storage::Postgres(pool) => {
            run_on!(PostgresStorage::<J>::new(pool).with_config(settings.postgres()))
        }
        Storage::Redis(conn) => {
            run_on!(RedisStorage::<J>::new(conn.clone()).with_config(settings.redis()))
        }
    }
    Ok(())
}

/// `MAX_ATTEMPTS - 1` retries, the delay doubling from `BACKOFF` to
/// `MAX_BACKOFF`, with jitter so a failing dependency is not hammered in
/// lockstep.
fn retry_policy<J: Job>() -> BackoffRetryPolicy<ExponentialBackoff<HasherRng>> {
    let retries = J::MAX_ATTEMPTS.max(1).saturating_sub(1) as usize;
    let mut maker = ExponentialBackoffMaker::new(
        J::BACKOFF,
        J::MAX_BACKOFF.max(J::BACKOFF),
        0.1,
        HasherRng::default(),
    )
    .unwrap_or_default();
    RetryPolicy::retries(retries).with_backoff(maker.make_backoff())
}

/// Runs one attempt of `job`. The last failing attempt writes the job to the
/// dead letters and aborts, so neither the retry layer nor the storage runs it
/// again.
async fn perform<J: Job>(
    job: J,
    attempt: Attempt,
    id: TaskId,
    state: Data<AppState>,
) -> Result<(), JobError> {
    let attempt = u32::try_from(attempt.current()).unwrap_or(u32::MAX).max(1);
    let ctx = JobContext {
        state: (*state).clone(),
        id: id.to_string(),
        attempt,
    };
    let payload = serde_json::to_value(&job);
    match job.run(ctx).await {
        Ok(()) => Ok(()),
        Err(error) if attempt >= J::MAX_ATTEMPTS.max(1) => {
            tracing::error!(job = J::NAME, %id, attempt, %error, "job failed for the last time; dead-lettered");
            let payload = payload.unwrap_or(serde_json::Value::Null);
            if let Err(e) = record_dead(state.db(), J::NAME, &payload, attempt, &error).await {
                tracing::error!(job = J::NAME, %id, error = %e, "could not write the dead letter");
            }
            Err(Box::new(AbortError::new(error)))
        }
        Err(error) => {
            tracing::warn!(job = J::NAME, %id, attempt, %error, "job failed; will retry");
            Err(error)
        }
    }
}

async fn record_dead(
    db: &Db,
    queue: &str,
    payload: &serde_json::Value,
    attempts: u32,
    error: &JobError,
) -> Result<(), sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let error = error.to_string();
    let attempts = i64::from(attempts);
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(
                "INSERT INTO strata_dead_jobs (id, queue, payload, attempts, error, failed_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(queue)
            .bind(payload.to_string())
            .bind(attempts)
            .bind(&error)
            .bind(Utc::now())
            .execute(pool)
            .await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO strata_dead_jobs (id, queue, payload, attempts, error, failed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(queue)
            .bind(payload)
            .bind(attempts as i32)
            .bind(&error)
            .bind(Utc::now())
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}
