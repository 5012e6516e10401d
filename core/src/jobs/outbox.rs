//! The transactional outbox: jobs written in a caller's transaction
//! ([`JobQueue::enqueue_tx`]) wait in `strata_job_outbox` until the relay
//! moves them to their queue, so only committed work is ever queued.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::watch;

use super::JobsError;
use super::queue::JobQueue;
use super::storage::Queued;
use crate::db::Db;

/// Outbox rows moved per round trip.
const BATCH: i64 = 100;

/// How long a SQLite relay's claim on a row lasts before another relay may
/// push it.
const CLAIM_SECS: i64 = 60;

type Row = (String, String, String, i64, i64);

/// Moves up to one batch of outbox rows to their queues; returns how many.
pub(crate) async fn flush_batch(queue: &JobQueue) -> Result<usize, JobsError> {
    match queue.db() {
        Db::Postgres(pool) => {
            // Claimed rows stay locked until the commit, so two instances
            // sweeping at once never push the same row.
            let mut tx = pool.begin().await?;
            let rows: Vec<(String, String, Value, i64, i32)> = sqlx::query_as(
                "SELECT id, queue, payload, run_at, max_attempts FROM strata_job_outbox \
                 ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let mut ids = Vec::with_capacity(rows.len());
            for (id, name, payload, run_at, max_attempts) in rows {
                queue
                    .storage()
                    .push(queued(name, payload, run_at, i64::from(max_attempts)))
                    .await?;
                ids.push(id);
            }
            sqlx::query("DELETE FROM strata_job_outbox WHERE id = ANY($1)")
                .bind(&ids)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ids.len())
        }
        Db::Sqlite(pool) => {
            // SQLite has one writer and the queue may live in this same file,
            // so rows are not held in a transaction while they are pushed:
            // each is claimed for a while (one relay wins the UPDATE), pushed,
            // then deleted. A relay that dies mid-push leaves a claim that
            // expires, and the row is pushed again (at least once).
            let now = chrono::Utc::now().timestamp();
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, queue, payload, run_at, max_attempts FROM strata_job_outbox \
                 WHERE claimed_until IS NULL OR claimed_until < ? \
                 ORDER BY created_at, id LIMIT ?",
            )
            .bind(now)
            .bind(BATCH)
            .fetch_all(pool)
            .await?;
            let mut count = 0;
            for (id, name, payload, run_at, max_attempts) in rows {
                let claimed = sqlx::query(
                    "UPDATE strata_job_outbox SET claimed_until = ? \
                     WHERE id = ? AND (claimed_until IS NULL OR claimed_until < ?)",
                )
                .bind(now + CLAIM_SECS)
                .bind(&id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
                if claimed == 0 {
                    continue; // another relay has it
                }
                let payload: Value = serde_json::from_str(&payload)?;
                queue
                    .storage()
                    .push(queued(name, payload, run_at, max_attempts))
                    .await?;
                sqlx::query("DELETE FROM strata_job_outbox WHERE id = ?")
                    .bind(&id)
                    .execute(pool)
                    .await?;
                count += 1;
            }
            Ok(count)
        }
    }
}

fn queued(queue: String, payload: Value, run_at: i64, max_attempts: i64) -> Queued {
    Queued {
        queue,
        payload,
        run_at: UNIX_EPOCH + Duration::from_secs(u64::try_from(run_at).unwrap_or(0)),
        max_attempts: u32::try_from(max_attempts).unwrap_or(1).max(1),
    }
    .not_before_now()
}

impl Queued {
    /// A job due in the past is due now.
    fn not_before_now(mut self) -> Self {
        let now = SystemTime::now();
        if self.run_at < now {
            self.run_at = now;
        }
        self
    }
}

/// Sweeps the outbox every `interval` (sooner when woken after a commit)
/// until `shutdown` turns true.
pub(crate) async fn relay(
    queue: JobQueue,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = queue.flush_outbox().await {
            tracing::warn!(%error, "job outbox sweep failed; retrying");
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = queue.outbox_woken() => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
    }
    // One last sweep so jobs committed just before shutdown are queued.
    if let Err(error) = queue.flush_outbox().await {
        tracing::warn!(%error, "final job outbox sweep failed");
    }
}
