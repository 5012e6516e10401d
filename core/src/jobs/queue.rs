use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Notify;

use super::JobsError;
use super::job::Job;
use super::storage::{Queued, Storage};
use crate::db::{Db, Tx};

/// Puts jobs on their queues: now, later, or as part of a database
/// transaction. Cheap to clone; reach it with `state.jobs()`.
#[derive(Debug, Clone)]
pub struct JobQueue {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    storage: Storage,
    db: Db,
    outbox: Notify,
}

/// A job that ran out of attempts, kept in `strata_dead_jobs` for a person
/// to look at (and [`JobQueue::retry_dead`] to re-queue).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadJob {
    /// The dead-letter row's id.
    pub id: String,
    /// The job's queue ([`Job::NAME`]).
    pub queue: String,
    /// The job's value, as queued.
    pub payload: Value,
    /// Runs made before giving up.
    pub attempts: u32,
    /// The last run's error.
    pub error: String,
    /// When it was given up on.
    pub failed_at: DateTime<Utc>,
}

impl JobQueue {
    pub(crate) fn new(storage: Storage, db: Db) -> Self {
        Self {
            inner: Arc::new(Inner {
                storage,
                db,
                outbox: Notify::new(),
            }),
        }
    }

    pub(crate) fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Queues `job` to run as soon as a worker is free.
    pub async fn enqueue<J: Job>(&self, job: J) -> Result<(), JobsError> {
        self.enqueue_at_time(job, SystemTime::now()).await
    }

    /// Queues `job` to run after `delay` (to the second).
    pub async fn enqueue_in<J: Job>(&self, job: J, delay: Duration) -> Result<(), JobsError> {
        self.enqueue_at_time(job, SystemTime::now() + delay).await
    }

    /// Queues `job` to run at `at` (to the second; a past time means now).
    pub async fn enqueue_at<J: Job>(&self, job: J, at: DateTime<Utc>) -> Result<(), JobsError> {
        self.enqueue_at_time(job, at.into()).await
    }

    async fn enqueue_at_time<J: Job>(&self, job: J, run_at: SystemTime) -> Result<(), JobsError> {
        let queued = Queued {
            queue: J::NAME.to_owned(),
            payload: serde_json::to_value(&job)?,
            run_at,
            max_attempts: J::MAX_ATTEMPTS.max(1),
        };
        self.inner.storage.push(queued).await
    }

    /// Queues `job` as part of `tx`: it reaches the queue only if `tx`
    /// commits, and a rolled-back transaction queues nothing.
    ///
    /// The job is written to the `strata_job_outbox` table on `tx`'s
    /// connection; after the commit, the outbox relay (run with the workers, or
    /// [`flush_outbox`](Self::flush_outbox)) moves it to the queue. Delivery is
    /// at least once: a crash between the relay's push and its delete can
    /// queue a job twice, which [`Job::run`] must tolerate anyway.
    pub async fn enqueue_tx<J: Job>(&self, tx: &mut Tx, job: J) -> Result<(), JobsError> {
        self.enqueue_tx_at(tx, job, Utc::now()).await
    }

    /// [`enqueue_tx`](Self::enqueue_tx) for a job due at `at`.
    pub async fn enqueue_tx_at<J: Job>(
        &self,
        tx: &mut Tx,
        job: J,
        at: DateTime<Utc>,
    ) -> Result<(), JobsError> {
        let id = uuid::Uuid::now_v7().to_string();
        let payload = serde_json::to_value(&job)?;
        let run_at = at.timestamp();
        let max_attempts = i64::from(J::MAX_ATTEMPTS.max(1));
        match tx {
            Tx::Sqlite(tx) => {
                sqlx::query(
                    "INSERT INTO strata_job_outbox (id, queue, payload, run_at, max_attempts) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&id)
                .bind(J::NAME)
                .bind(payload.to_string())
                .bind(run_at)
                .bind(max_attempts)
                .execute(&mut **tx)
                .await?;
            }
            Tx::Postgres(tx) => {
                sqlx::query(
                    "INSERT INTO strata_job_outbox (id, queue, payload, run_at, max_attempts) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(J::NAME)
                .bind(&payload)
                .bind(run_at)
                .bind(max_attempts as i32)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Wakes the outbox relay (call after committing a transaction that used
    /// [`enqueue_tx`](Self::enqueue_tx) to skip its poll interval). Derived
    /// resources do this for you.
    pub fn outbox_committed(&self) {
        self.inner.outbox.notify_one();
    }

    pub(crate) async fn outbox_woken(&self) {
        self.inner.outbox.notified().await;
    }

    /// Moves every committed outbox row to its queue now; returns how many.
    /// Safe to run from several instances at once (Postgres rows are claimed
    /// with `FOR UPDATE SKIP LOCKED`).
    pub async fn flush_outbox(&self) -> Result<usize, JobsError> {
        let mut moved = 0;
        loop {
            let batch = super::outbox::flush_batch(self).await?;
            if batch == 0 {
                return Ok(moved);
            }
            moved += batch;
        }
    }

    /// The dead-lettered jobs, newest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadJob>, JobsError> {
        type Row = (String, String, String, i64, String, DateTime<Utc>);
        const SQL: &str = "SELECT id, queue, payload, attempts, error, failed_at \
                           FROM strata_dead_jobs ORDER BY failed_at DESC, id DESC";
        let rows: Vec<Row> = match &self.inner.db {
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Db::Postgres(pool) => {
                let rows: Vec<(String, String, Value, i32, String, DateTime<Utc>)> =
                    sqlx::query_as(SQL).fetch_all(pool).await?;
                rows.into_iter()
                    .map(|(id, q, p, a, e, t)| (id, q, p.to_string(), i64::from(a), e, t))
                    .collect()
            }
        };
        rows.into_iter()
            .map(|(id, queue, payload, attempts, error, failed_at)| {
                Ok(DeadJob {
                    id,
                    queue,
                    payload: serde_json::from_str(&payload)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    error,
                    failed_at,
                })
            })
            .collect()
    }

    /// Puts a dead-lettered job back on its queue with fresh attempts and
    /// removes it from the dead letters; `false` when `id` is not there.
    pub async fn retry_dead(&self, id: &str, max_attempts: u32) -> Result<bool, JobsError> {
        let Some(dead) = self.dead_letters().await?.into_iter().find(|d| d.id == id) else {
            return Ok(false);
        };
        self.inner
            .storage
            .push(Queued {
                queue: dead.queue,
                payload: dead.payload,
                run_at: SystemTime::now(),
                max_attempts: max_attempts.max(1),
            })
            .await?;
        match &self.inner.db {
            Db::Sqlite(pool) => {
                sqlx::query("DELETE FROM strata_dead_jobs WHERE id = ?")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("DELETE FROM strata_dead_jobs WHERE id = $1")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(true)
    }
}
