//! What every scenario shares: the run log jobs write to, the storages to run
//! on, an app builder and a polling wait.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use strata::config::JobsBackend;
use strata::jobs::{Job, JobContext, JobError};
use strata::testing::{TestDatabase, redis_url};
use strata::{App, Config, Server};
use uuid::Uuid;

/// Per key: the attempt number of every run that started.
pub(crate) static STARTS: LazyLock<Mutex<HashMap<String, Vec<u32>>>> =
    LazyLock::new(Default::default);
/// Per key: runs that finished successfully, and when.
pub(crate) static DONE: LazyLock<Mutex<HashMap<String, Vec<Instant>>>> =
    LazyLock::new(Default::default);

/// Per key: when each run started.
pub(crate) static STARTED_AT: LazyLock<Mutex<HashMap<String, Vec<Instant>>>> =
    LazyLock::new(Default::default);

pub(crate) fn started(key: &str, attempt: u32) -> usize {
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

pub(crate) fn finished(key: &str) {
    DONE.lock()
        .unwrap()
        .entry(key.to_owned())
        .or_default()
        .push(Instant::now());
}

pub(crate) fn starts(key: &str) -> Vec<u32> {
    STARTS.lock().unwrap().get(key).cloned().unwrap_or_default()
}

pub(crate) fn done(key: &str) -> Vec<Instant> {
    DONE.lock().unwrap().get(key).cloned().unwrap_or_default()
}

pub(crate) fn key(label: &str) -> String {
    format!("{label}-{}", Uuid::new_v4().simple())
}

/// Records that it ran; the first run of a key with `hang_first` hangs (its
/// worker is killed meanwhile).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) hang_first: bool,
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

/// One storage to run a scenario on, with the database it needs.
pub(crate) struct Setup {
    pub(crate) label: &'static str,
    pub(crate) db: TestDatabase,
    pub(crate) config: Config,
}

/// SQLite, plus Postgres and Redis when `TEST_DATABASE_URL`/`TEST_REDIS_URL`
/// are set (the Redis queue sits beside a SQLite app database).
pub(crate) async fn setups() -> Vec<Setup> {
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
pub(crate) fn fast(mut config: Config) -> Config {
    config.jobs.poll_interval_ms = 200;
    config.jobs.missed_heartbeats = 15;
    config.jobs.outbox_interval_ms = 100;
    config
}

pub(crate) async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Builds the app `register` describes on `config`; a failure names the storage.
pub(crate) async fn app_on(
    config: &Config,
    label: &str,
    register: impl FnOnce(App) -> App,
) -> Server {
    register(App::new(config.clone()))
        .build()
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"))
}
