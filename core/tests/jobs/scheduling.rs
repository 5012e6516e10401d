//! Delayed jobs and cron schedules.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::jobs::{Job, JobContext, JobError};

use crate::support::*;
use strata::App;
use strata::testing::TestDatabase;

/// The cron's job: records each run under its fixed key.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tick {
    key: String,
}

impl Job for Tick {
    const NAME: &'static str = "strata_test_tick";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        started(&self.key, ctx.attempt());
        finished(&self.key);
        Ok(())
    }
}

#[tokio::test]
async fn a_delayed_job_waits_for_its_time() {
    for setup in setups().await {
        let label = setup.label;
        let server = app_on(&setup.config, label, |app| app.job::<Stamp>()).await;
        let workers = server.start_workers().expect("queue");
        let queue = server.state().jobs().expect("queue").clone();
        let later = key("later");
        let now = key("now");
        let queued_at = Instant::now();
        queue
            .enqueue_in(
                Stamp {
                    key: later.clone(),
                    hang_first: false,
                },
                Duration::from_secs(3),
            )
            .await
            .unwrap();
        queue
            .enqueue(Stamp {
                key: now.clone(),
                hang_first: false,
            })
            .await
            .unwrap();
        eventually("the immediate job", Duration::from_secs(10), || {
            done(&now).len() == 1
        })
        .await;
        eventually("the delayed job", Duration::from_secs(15), || {
            done(&later).len() == 1
        })
        .await;
        // run_at is kept to the second: a 3 s delay runs no sooner than 2 s.
        let waited = done(&later)[0] - queued_at;
        assert!(
            waited >= Duration::from_secs(2),
            "{label}: ran after {waited:?}"
        );
        assert!(done(&now)[0] < done(&later)[0], "{label}");
        workers.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn a_cron_schedule_queues_each_tick_once_across_two_instances() {
    for setup in setups().await {
        let label = setup.label;
        let ticks = key("tick");
        let build = || async {
            app_on(&setup.config, label, |app| {
                app.cron("* * * * * *", Tick { key: ticks.clone() })
            })
            .await
        };
        let a = build().await;
        let b = build().await;
        let began = Instant::now();
        let workers_a = a.start_workers().expect("queue");
        let workers_b = b.start_workers().expect("queue");
        eventually("four cron runs", Duration::from_secs(15), || {
            done(&ticks).len() >= 4
        })
        .await;
        workers_a.stop(Duration::from_secs(5)).await;
        workers_b.stop(Duration::from_secs(5)).await;
        let seconds = began.elapsed().as_secs() as usize;
        // Both instances ticked every second; the ledger let one queue each tick.
        let db = a.state().db();
        let ledger = match db {
            strata::Db::Sqlite(pool) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM strata_cron_ticks")
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
            strata::Db::Postgres(pool) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM strata_cron_ticks")
                    .fetch_one(pool)
                    .await
                    .unwrap()
            }
        };
        let runs = done(&ticks).len();
        assert!(runs >= 3, "{label}");
        // Two instances tick every second; without the ledger each second
        // would run twice. Partial seconds at either end allow one extra
        // tick each; a tick queued just before the stop may not have run.
        assert!(runs <= seconds + 2, "{label}: {runs} runs in {seconds} s");
        assert!(
            runs as i64 <= ledger,
            "{label}: {runs} runs for {ledger} claimed ticks"
        );
    }
}

#[tokio::test]
async fn an_invalid_cron_schedule_stops_start_up_with_a_message() {
    let db = TestDatabase::sqlite();
    let err = App::new(db.config())
        .cron("every tuesday", Tick { key: key("never") })
        .build()
        .await
        .expect_err("invalid schedule");
    let message = err.to_string();
    assert!(
        message.contains(
            "cron schedule `every tuesday` for `strata_test_tick@every tuesday` is invalid"
        ),
        "{message}"
    );
}
