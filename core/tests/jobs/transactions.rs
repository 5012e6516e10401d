//! Jobs queued in a transaction reach the queue only when it commits.

use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn a_job_queued_in_a_rolled_back_transaction_never_runs() {
    for setup in setups().await {
        let label = setup.label;
        let server = app_on(&setup.config, label, |app| app.job::<Stamp>()).await;
        let queue = server.state().jobs().expect("queue").clone();
        let db = server.state().db().clone();

        let rolled_back = key("rolled-back");
        let mut tx = db.begin().await.unwrap();
        queue
            .enqueue_tx(
                &mut tx,
                Stamp {
                    key: rolled_back.clone(),
                    hang_first: false,
                },
            )
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(
            queue.flush_outbox().await.unwrap(),
            0,
            "{label}: nothing to relay"
        );

        let committed = key("committed");
        let mut tx = db.begin().await.unwrap();
        queue
            .enqueue_tx(
                &mut tx,
                Stamp {
                    key: committed.clone(),
                    hang_first: false,
                },
            )
            .await
            .unwrap();
        // Not on the queue before the commit.
        assert_eq!(
            queue.flush_outbox().await.unwrap(),
            0,
            "{label}: uncommitted is invisible"
        );
        tx.commit().await.unwrap();

        let workers = server.start_workers().expect("queue");
        eventually("the committed job", Duration::from_secs(15), || {
            done(&committed).len() == 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            starts(&rolled_back).is_empty(),
            "{label}: rolled back, never run"
        );
        workers.stop(Duration::from_secs(5)).await;
    }
}
