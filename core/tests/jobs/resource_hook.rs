//! A derived resource's hook queues a job inside the write's transaction:
//! a request that fails after the hook queued it leaves no job behind.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::json;
use strata::db::Tx;
use strata::resource::{Change, HookContext, Hooks};
use strata::testing::TestRequest;
use strata::{AppError, FieldError, Resource};
use uuid::Uuid;

use std::time::Duration;

use crate::support::*;

#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "memos", hooks = MemoRules)]
struct Memo {
    #[resource(id)]
    id: Uuid,
    title: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Queues a `Stamp` keyed by the title, then refuses titles starting with
/// `boom` — after the job was queued on the transaction.
#[derive(Default)]
struct MemoRules;

impl Hooks<Memo> for MemoRules {
    fn in_transaction<'a>(
        &'a self,
        ctx: HookContext<'a>,
        tx: &'a mut Tx,
        change: Change<'a, Memo>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let Change::Created(memo) = change else {
                return Ok(());
            };
            let queue = ctx.state.jobs().expect("the app has a queue");
            queue
                .enqueue_tx(
                    tx,
                    Stamp {
                        key: memo.title.clone(),
                        hang_first: false,
                    },
                )
                .await?;
            if memo.title.starts_with("boom") {
                return Err(AppError::validation([FieldError::new(
                    "title",
                    "boom",
                    "refused after queueing",
                )]));
            }
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_request_that_rolls_back_queues_nothing() {
    for setup in setups().await {
        let label = setup.label;
        let mut config = setup.config.clone();
        config.auth.jwt_secret = Some("jobs test secret, at least 32 bytes".into());
        config.auth.admin_email = Some("root@school.test".into());
        config.auth.admin_password = Some("root password 123".into());
        let policy =
            strata::rbac::Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").unwrap();
        let server = app_on(&config, label, |app| {
            app.with_auth()
                .policy(policy)
                .resource::<Memo>()
                .job::<Stamp>()
        })
        .await;
        let ddl = match server.state().db().dialect() {
            strata::Dialect::Sqlite => {
                "CREATE TABLE memos (id BLOB PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
            }
            strata::Dialect::Postgres => {
                "CREATE TABLE memos (id UUID PRIMARY KEY, title TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"
            }
        };
        strata::testing::execute(server.state().db(), ddl)
            .await
            .unwrap();
        let workers = server.start_workers().expect("queue");
        let router = server.router();
        let login = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": "root@school.test", "password": "root password 123"}))
            .send(&router)
            .await
            .json();
        let auth = format!("Bearer {}", login["data"]["accessToken"].as_str().unwrap());

        let boom = key("boom");
        let refused = TestRequest::post("/api/v1/memos")
            .header("authorization", &auth)
            .json(&json!({"title": boom}))
            .send(&router)
            .await;
        assert_eq!(refused.status, 422, "{label}: {}", refused.text());
        let fine = key("fine");
        let created = TestRequest::post("/api/v1/memos")
            .header("authorization", &auth)
            .json(&json!({"title": fine}))
            .send(&router)
            .await;
        assert_eq!(created.status, 201, "{label}: {}", created.text());

        eventually(
            "the committed request's job",
            Duration::from_secs(15),
            || done(&fine).len() == 1,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            starts(&boom).is_empty(),
            "{label}: the refused request queued nothing"
        );
        let list = TestRequest::get("/api/v1/memos")
            .header("authorization", &auth)
            .send(&router)
            .await
            .json();
        assert_eq!(
            list["data"].as_array().unwrap().len(),
            1,
            "{label}: one memo stored"
        );
        workers.stop(Duration::from_secs(5)).await;
    }
}
