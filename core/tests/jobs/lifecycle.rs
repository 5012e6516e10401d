//! Workers with the server, and in their own process.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use strata::jobs::{Job, JobContext, JobError};

use crate::support::*;

/// Sleeps a little: long enough to be in flight when the server stops.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slow {
    key: String,
}

impl Job for Slow {
    const NAME: &'static str = "strata_test_slow";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        started(&self.key, ctx.attempt());
        tokio::time::sleep(Duration::from_millis(1200)).await;
        finished(&self.key);
        Ok(())
    }
}

#[tokio::test]
async fn the_server_lets_an_in_flight_job_finish_when_it_shuts_down() {
    for setup in setups().await {
        let label = setup.label;
        let server = app_on(&setup.config, label, |app| app.job::<Slow>()).await;
        let queue = server.state().jobs().expect("queue").clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        let slow = key("slow");
        queue.enqueue(Slow { key: slow.clone() }).await.unwrap();
        eventually("the job to start", Duration::from_secs(10), || {
            starts(&slow).len() == 1
        })
        .await;
        stop.send(()).unwrap();
        serving.await.unwrap().unwrap();
        assert_eq!(
            done(&slow).len(),
            1,
            "{label}: finished before the server returned"
        );
    }
}

#[tokio::test]
async fn a_worker_only_process_runs_jobs_queued_by_a_web_only_one() {
    for setup in setups().await {
        let label = setup.label;
        // The web tier only enqueues; the worker tier serves no HTTP.
        let mut web_config = setup.config.clone();
        web_config.jobs.workers = false;
        let web = app_on(&web_config, label, |app| app.with_jobs()).await;
        let worker = app_on(&setup.config, label, |app| app.job::<Stamp>()).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(worker.run_workers(async move {
            let _ = stopped.await;
        }));
        let queued = key("from-web");
        web.state()
            .jobs()
            .expect("with_jobs opens the queue")
            .enqueue(Stamp {
                key: queued.clone(),
                hang_first: false,
            })
            .await
            .unwrap();
        eventually("the worker tier to run it", Duration::from_secs(15), || {
            done(&queued).len() == 1
        })
        .await;
        stop.send(()).unwrap();
        running.await.unwrap();
    }
}
