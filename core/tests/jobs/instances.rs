//! Several workers on one queue: a killed one, two sharing it, a long job.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use strata::jobs::{Job, JobContext, JobError};

use crate::support::*;

/// Counts runs per `(key, n)` to prove no job runs twice.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Numbered {
    key: String,
    n: u32,
}

impl Job for Numbered {
    const NAME: &'static str = "strata_test_numbered";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = format!("{}#{}", self.key, self.n);
        started(&key, ctx.attempt());
        tokio::time::sleep(Duration::from_millis(20)).await;
        finished(&key);
        Ok(())
    }
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_mid_run_is_finished_by_another_worker() {
    for setup in setups().await {
        let label = setup.label;
        let build = || app_on(&setup.config, label, |app| app.job::<Stamp>());
        let a = build().await;
        let b = build().await;
        let hung = key("hung");
        let workers_a = a.start_workers().expect("queue");
        a.state()
            .jobs()
            .expect("queue")
            .enqueue(Stamp {
                key: hung.clone(),
                hang_first: true,
            })
            .await
            .unwrap();
        eventually("the first run to start", Duration::from_secs(10), || {
            starts(&hung).len() == 1
        })
        .await;
        // The process dies: no graceful stop, no acknowledgement.
        workers_a.kill();
        let workers_b = b.start_workers().expect("queue");
        eventually(
            "another worker to finish it",
            Duration::from_secs(30),
            || done(&hung).len() == 1,
        )
        .await;
        assert_eq!(
            starts(&hung).len(),
            2,
            "{label}: started twice, finished once"
        );
        workers_b.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn two_instances_on_one_queue_run_every_job_exactly_once() {
    for setup in setups().await {
        let label = setup.label;
        let build = || app_on(&setup.config, label, |app| app.job::<Numbered>());
        let a = build().await;
        let b = build().await;
        let batch = key("batch");
        let queue = a.state().jobs().expect("queue").clone();
        for n in 0..40 {
            queue
                .enqueue(Numbered {
                    key: batch.clone(),
                    n,
                })
                .await
                .unwrap();
        }
        let workers_a = a.start_workers().expect("queue");
        let workers_b = b.start_workers().expect("queue");
        // Twenty more through the outbox, relayed by both instances at once.
        let mut tx = a.state().db().begin().await.unwrap();
        for n in 40..60 {
            queue
                .enqueue_tx(
                    &mut tx,
                    Numbered {
                        key: batch.clone(),
                        n,
                    },
                )
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        queue.outbox_committed();
        b.state().jobs().expect("queue").outbox_committed();
        let all_done = || (0..60).all(|n| done(&format!("{batch}#{n}")).len() == 1);
        eventually("all 60 jobs", Duration::from_secs(30), all_done).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        for n in 0..60 {
            let key = format!("{batch}#{n}");
            assert_eq!(
                starts(&key).len(),
                1,
                "{label}: job {n} ran {:?}",
                starts(&key)
            );
        }
        workers_a.stop(Duration::from_secs(5)).await;
        workers_b.stop(Duration::from_secs(5)).await;
    }
}

/// Runs for 5 s: longer than the orphan timeout of 3 s it is tested with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Long {
    key: String,
}

impl Job for Long {
    const NAME: &'static str = "strata_test_long";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        started(&self.key, ctx.attempt());
        tokio::time::sleep(Duration::from_secs(5)).await;
        finished(&self.key);
        Ok(())
    }
}

#[tokio::test]
async fn a_job_longer_than_the_orphan_timeout_is_not_taken_over_from_a_live_worker() {
    for setup in setups().await {
        let label = setup.label;
        let config = setup.config.clone(); // orphan timeout 3 s
        let build = || app_on(&config, label, |app| app.job::<Long>());
        let a = build().await;
        let b = build().await;
        let long = key("long");
        let workers_a = a.start_workers().expect("queue");
        a.state()
            .jobs()
            .expect("queue")
            .enqueue(Long { key: long.clone() })
            .await
            .unwrap();
        eventually("the run to start", Duration::from_secs(10), || {
            starts(&long).len() == 1
        })
        .await;
        let workers_b = b.start_workers().expect("queue");
        eventually("the run to finish", Duration::from_secs(15), || {
            done(&long).len() == 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            starts(&long).len(),
            1,
            "{label}: a live worker's job was run again"
        );
        workers_a.stop(Duration::from_secs(5)).await;
        workers_b.stop(Duration::from_secs(5)).await;
    }
}
