//! Background jobs (SPEC §11b) on every storage: the app's SQLite, the app's
//! Postgres, and Redis. Success, retry then success, exhaustion into the dead
//! letters, delayed jobs, cron ticks queued once across instances, a
//! transactional enqueue rolled back, a worker killed mid-job whose job is
//! finished by another, and two instances sharing one queue without running a
//! job twice.
//!
//! Each job records what happened under a key unique to its test run, so
//! leftovers from other runs (Redis outlives a test) never count.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::config::JobsBackend;
use strata::jobs::{Job, JobContext, JobError};
use strata::testing::{TestDatabase, redis_url};
use strata::{App, Config};
use uuid::Uuid;

/// Per key: the attempt number of every run that started.
static STARTS: LazyLock<Mutex<HashMap<String, Vec<u32>>>> = LazyLock::new(Default::default);
/// Per key: runs that finished successfully, and when.
static DONE: LazyLock<Mutex<HashMap<String, Vec<Instant>>>> = LazyLock::new(Default::default);

/// Per key: when each run started.
static STARTED_AT: LazyLock<Mutex<HashMap<String, Vec<Instant>>>> = LazyLock::new(Default::default);

fn started(key: &str, attempt: u32) -> usize {
    STARTED_AT
        .lock()
        .unwrap()
        .entry(key.to_owned())
        .or_default()
        .push(Instant::now());
    let mut starts = STARTS.lock().unwrap();
    let list = starts.entry(key.to_owned()).or_default();
    list.push(attempt);
    list.len()
}

fn finished(key: &str) {
    DONE.lock()
        .unwrap()
        .entry(key.to_owned())
        .or_default()
        .push(Instant::now());
}

fn starts(key: &str) -> Vec<u32> {
    STARTS.lock().unwrap().get(key).cloned().unwrap_or_default()
}

fn done(key: &str) -> Vec<Instant> {
    DONE.lock().unwrap().get(key).cloned().unwrap_or_default()
}

fn key(label: &str) -> String {
    format!("{label}-{}", Uuid::new_v4().simple())
}

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

/// Records that it ran; the first run of a key with `hang_first` hangs (its
/// worker is killed meanwhile).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamp {
    key: String,
    #[serde(default)]
    hang_first: bool,
}

impl Job for Stamp {
    const NAME: &'static str = "strata_test_stamp";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let nth = started(&self.key, ctx.attempt());
        if self.hang_first && nth == 1 {
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
        finished(&self.key);
        Ok(())
    }
}

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

/// One storage to run a scenario on, with the database it needs.
struct Setup {
    label: &'static str,
    db: TestDatabase,
    config: Config,
}

/// SQLite, plus Postgres and Redis when `TEST_DATABASE_URL`/`TEST_REDIS_URL`
/// are set (the Redis queue sits beside a SQLite app database).
async fn setups() -> Vec<Setup> {
    let mut all = Vec::new();
    let sqlite = TestDatabase::sqlite();
    all.push(Setup {
        label: "sqlite",
        config: fast(sqlite.config()),
        db: sqlite,
    });
    if let Some(pg) = TestDatabase::postgres().await {
        all.push(Setup {
            label: "postgres",
            config: fast(pg.config()),
            db: pg,
        });
    }
    if let Some(url) = redis_url() {
        let db = TestDatabase::sqlite();
        let mut config = fast(db.config());
        config.jobs.backend = JobsBackend::Redis;
        config.redis.url = Some(url);
        all.push(Setup {
            label: "redis",
            config,
            db,
        });
    }
    all
}

/// Quick polls and the shortest orphan timeout the config allows (3 s), so
/// the suite runs in seconds.
fn fast(mut config: Config) -> Config {
    config.jobs.poll_interval_ms = 200;
    config.jobs.missed_heartbeats = 15;
    config.jobs.outbox_interval_ms = 100;
    config
}

async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_runs_and_a_flaky_one_is_retried_with_backoff_until_it_succeeds() {
    for setup in setups().await {
        let label = setup.label;
        let server = App::new(setup.config.clone())
            .job::<Flaky>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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
        let server = App::new(setup.config.clone())
            .job::<Doomed>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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

#[tokio::test]
async fn a_delayed_job_waits_for_its_time() {
    for setup in setups().await {
        let label = setup.label;
        let server = App::new(setup.config.clone())
            .job::<Stamp>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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
            App::new(setup.config.clone())
                .cron("* * * * * *", Tick { key: ticks.clone() })
                .build()
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"))
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
async fn a_job_queued_in_a_rolled_back_transaction_never_runs() {
    for setup in setups().await {
        let label = setup.label;
        let server = App::new(setup.config.clone())
            .job::<Stamp>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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

#[tokio::test]
async fn a_job_whose_worker_is_killed_mid_run_is_finished_by_another_worker() {
    for setup in setups().await {
        let label = setup.label;
        let build = || async {
            App::new(setup.config.clone())
                .job::<Stamp>()
                .build()
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        };
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
        let build = || async {
            App::new(setup.config.clone())
                .job::<Numbered>()
                .build()
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        };
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
        let server = App::new(setup.config.clone())
            .job::<Slow>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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

mod through_a_resource {
    //! A derived resource's hook queues a job inside the write's transaction:
    //! a request that fails after the hook queued it leaves no job behind.

    use chrono::{DateTime, Utc};
    use futures_util::future::BoxFuture;
    use serde::{Deserialize, Serialize};
    use serde_json::json;
    use strata::db::Tx;
    use strata::resource::{Change, HookContext, Hooks};
    use strata::testing::TestRequest;
    use strata::{App, AppError, FieldError, Resource};
    use uuid::Uuid;

    use super::*;

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
            let server = App::new(config)
                .with_auth()
                .policy(
                    strata::rbac::Policy::from_toml("[roles.admin]\npermissions = [\"*\"]")
                        .unwrap(),
                )
                .resource::<Memo>()
                .job::<Stamp>()
                .build()
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"));
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
}

#[tokio::test]
async fn a_worker_only_process_runs_jobs_queued_by_a_web_only_one() {
    for setup in setups().await {
        let label = setup.label;
        // The web tier only enqueues; the worker tier serves no HTTP.
        let mut web_config = setup.config.clone();
        web_config.jobs.workers = false;
        let web = App::new(web_config)
            .with_jobs()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let worker = App::new(setup.config.clone())
            .job::<Stamp>()
            .build()
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
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
        let build = || async {
            App::new(config.clone())
                .job::<Long>()
                .build()
                .await
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        };
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
