//! Cron schedules: each tick queues one job, once across all instances.

use std::str::FromStr;
use std::sync::Arc;

use apalis::prelude::{Data, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::JobsError;
use super::job::{Job, JobError};
use super::queue::JobQueue;
use crate::app::AppState;
use crate::db::Tx;

/// How long tick rows are kept in the ledger (they only guard against two
/// instances queueing the same tick).
const LEDGER_DAYS: i64 = 7;

type Enqueue =
    dyn for<'a> Fn(&'a JobQueue, &'a mut Tx) -> BoxFuture<'a, Result<(), JobsError>> + Send + Sync;

/// A job queued on a cron schedule (registered with
/// [`App::cron`](crate::App::cron)).
#[derive(Clone)]
pub(crate) struct CronEntry {
    /// Ledger key: the job's name and its schedule.
    pub(crate) name: String,
    pub(crate) expression: String,
    enqueue: Arc<Enqueue>,
}

impl std::fmt::Debug for CronEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronEntry")
            .field("name", &self.name)
            .field("expression", &self.expression)
            .finish_non_exhaustive()
    }
}

impl CronEntry {
    pub(crate) fn new<J: Job>(expression: &str, job: J) -> Self {
        Self {
            name: format!("{}@{expression}", J::NAME),
            expression: expression.to_owned(),
            enqueue: Arc::new(move |queue, tx| {
                let job = job.clone();
                Box::pin(async move { queue.enqueue_tx(tx, job).await })
            }),
        }
    }

    /// The parsed schedule, or a message naming the job and the problem.
    pub(crate) fn schedule(&self) -> Result<::cron::Schedule, String> {
        ::cron::Schedule::from_str(&self.expression).map_err(|e| {
            format!(
                "cron schedule `{}` for `{}` is invalid: {e} (six fields: sec min hour day month weekday)",
                self.expression, self.name
            )
        })
    }
}

/// Runs `entry`'s schedule until shutdown.
pub(crate) async fn run(
    entry: CronEntry,
    schedule: ::cron::Schedule,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) {
    let signal = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
        Ok::<(), std::io::Error>(())
    };
    let name = format!("cron-{}-{}", entry.name, uuid::Uuid::now_v7().simple());
    let result = WorkerBuilder::new(name)
        .backend(CronScheduler::new(schedule))
        .data(state)
        .data(entry.clone())
        .build(on_tick)
        .run_until(signal)
        .await;
    if let Err(error) = result {
        tracing::warn!(cron = %entry.name, %error, "cron schedule stopped");
    }
}

/// Claims the tick in the ledger and queues the job in one transaction: the
/// instance whose insert wins queues it, the others see the row and skip.
async fn on_tick(
    tick: Tick,
    state: Data<AppState>,
    entry: Data<CronEntry>,
) -> Result<(), JobError> {
    let Some(queue) = state.jobs() else {
        return Ok(());
    };
    let at = i64::try_from(tick.get_timestamp()).unwrap_or(i64::MAX);
    let mut tx = state.db().begin().await?;
    let claimed = match &mut tx {
        Tx::Sqlite(conn) => sqlx::query(
            "INSERT INTO strata_cron_ticks (name, tick_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(&entry.name)
        .bind(at)
        .execute(&mut **conn)
        .await?
        .rows_affected(),
        Tx::Postgres(conn) => sqlx::query(
            "INSERT INTO strata_cron_ticks (name, tick_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&entry.name)
        .bind(at)
        .execute(&mut **conn)
        .await?
        .rows_affected(),
    };
    if claimed == 0 {
        return Ok(());
    }
    (entry.enqueue)(queue, &mut tx).await?;
    let horizon = at - LEDGER_DAYS * 86_400;
    match &mut tx {
        Tx::Sqlite(conn) => {
            sqlx::query("DELETE FROM strata_cron_ticks WHERE name = ? AND tick_at < ?")
                .bind(&entry.name)
                .bind(horizon)
                .execute(&mut **conn)
                .await?;
        }
        Tx::Postgres(conn) => {
            sqlx::query("DELETE FROM strata_cron_ticks WHERE name = $1 AND tick_at < $2")
                .bind(&entry.name)
                .bind(horizon)
                .execute(&mut **conn)
                .await?;
        }
    }
    tx.commit().await?;
    queue.outbox_committed();
    tracing::debug!(cron = %entry.name, tick = at, "cron tick queued its job");
    Ok(())
}
