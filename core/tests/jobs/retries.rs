//! Success, retry with backoff, and exhaustion into the dead letters.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::jobs::{Job, JobContext, JobError};

use crate::support::*;

/// Fails its first `fail_times` runs, then succeeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Flaky {
    key: String,
    fail_times: u32,
}

impl Job for Flaky {
    const NAME: &'static str = "strata_test_flaky";
    const MAX_ATTEMPTS: u32 = 5;
    const BACKOFF: Duration = Duration::from_millis(50);
    const MAX_BACKOFF: Duration = Duration::from_millis(200);

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        started(&self.key, ctx.attempt());
        if ctx.attempt() <= self.fail_times {
            return Err(format!("flaky failure on attempt {}", ctx.attempt()).into());
        }
        finished(&self.key);
        Ok(())
    }
}

/// Always fails: three attempts, then the dead letters.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doomed {
    key: String,
}

impl Job for Doomed {
    const NAME: &'static str = "strata_test_doomed";
    const MAX_ATTEMPTS: u32 = 3;
    const BACKOFF: Duration = Duration::from_millis(50);
    const MAX_BACKOFF: Duration = Duration::from_millis(100);

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        started(&self.key, ctx.attempt());
        Err("the mail server said no".into())
    }
}

#[tokio::test]
async fn a_job_runs_and_a_flaky_one_is_retried_with_backoff_until_it_succeeds() {
    for setup in setups().await {
        let label = setup.label;
        let server = app_on(&setup.config, label, |app| app.job::<Flaky>()).await;
        let workers = server.start_workers().expect("the app has a queue");
        let queue = server.state().jobs().expect("queue").clone();

        let ok = key("ok");
        let flaky = key("flaky");
        queue
            .enqueue(Flaky {
                key: ok.clone(),
                fail_times: 0,
            })
            .await
            .unwrap();
        queue
            .enqueue(Flaky {
                key: flaky.clone(),
                fail_times: 2,
            })
            .await
            .unwrap();
        eventually("both jobs done", Duration::from_secs(20), || {
            done(&ok).len() == 1 && done(&flaky).len() == 1
        })
        .await;
        assert_eq!(starts(&ok), [1], "{label}: one run");
        assert_eq!(
            starts(&flaky),
            [1, 2, 3],
            "{label}: two failures, then success"
        );
        assert!(queue.dead_letters().await.unwrap().is_empty(), "{label}");
        // Backoff doubles from Flaky::BACKOFF (50 ms; jitter only adds).
        let at = STARTED_AT.lock().unwrap()[&flaky].clone();
        let (first, second) = (at[1] - at[0], at[2] - at[1]);
        assert!(
            first >= Duration::from_millis(50),
            "{label}: first retry after {first:?}"
        );
        assert!(
            second >= Duration::from_millis(100),
            "{label}: second retry after {second:?}"
        );
        workers.stop(Duration::from_secs(5)).await;
        drop(setup.db);
    }
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_lettered_after_its_attempts_and_can_be_retried() {
    for setup in setups().await {
        let label = setup.label;
        let server = app_on(&setup.config, label, |app| app.job::<Doomed>()).await;
        let workers = server.start_workers().expect("queue");
        let queue = server.state().jobs().expect("queue").clone();
        let doomed = key("doomed");
        queue
            .enqueue(Doomed {
                key: doomed.clone(),
            })
            .await
            .unwrap();

        let mut dead = Vec::new();
        let start = Instant::now();
        while dead.is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{label}: no dead letter"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            dead = queue.dead_letters().await.unwrap();
        }
        assert_eq!(starts(&doomed), [1, 2, 3], "{label}: MAX_ATTEMPTS runs");
        assert_eq!(dead.len(), 1, "{label}");
        assert_eq!(dead[0].queue, "strata_test_doomed");
        assert_eq!(dead[0].attempts, 3);
        assert_eq!(dead[0].error, "the mail server said no");
        assert_eq!(dead[0].payload["key"], doomed.as_str());

        // Dead means dead: nothing runs it again.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            starts(&doomed).len(),
            3,
            "{label}: not run after dead-lettering"
        );

        // A person can put it back with fresh attempts.
        assert!(queue.retry_dead(&dead[0].id, 1).await.unwrap());
        assert!(
            !queue.retry_dead(&dead[0].id, 1).await.unwrap(),
            "already moved"
        );
        eventually("the retried job's run", Duration::from_secs(20), || {
            starts(&doomed).len() == 4
        })
        .await;
        workers.stop(Duration::from_secs(5)).await;
    }
}
