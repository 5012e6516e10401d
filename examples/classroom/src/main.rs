//! The flagship Strata example: the seeds' assignment tracker (SPEC §11).
//!
//! Run it from a fresh clone with nothing but the Rust toolchain:
//!
//! ```text
//! cargo run -p example-classroom
//! curl http://127.0.0.1:3000/health/ready
//! ```
//!
//! With no environment it stores data in `classroom.db` (SQLite) in the working
//! directory, applies its migrations at start-up and listens on `127.0.0.1:3000`.
//! `DATABASE_URL=postgres://…` switches to PostgreSQL; `BIND_ADDR`, `LOG_LEVEL` and
//! every other setting of `strata::config` apply as documented there.
//!
//! Auth is mounted under `/api/v1/auth` (register → role `student`); the roles and
//! permissions are in `config/policy.toml`. `ADMIN_EMAIL`/`ADMIN_PASSWORD` create
//! an admin at start-up. `RATE_LIMIT_LOGIN` (default `5/min` per IP) guards login,
//! `RATE_LIMIT_API` (default `1000/min` per user, per IP when anonymous) the API.
//! `REDIS_URL` (optional) moves the row cache and the quotas into Redis, shared
//! by every instance (`STRATA_RATE_LIMIT__REDIS=false` keeps quotas in memory),
//! and `/health/ready` then checks Redis too.
//!
//! Resources (each a `#[derive(Resource)]` in `src/domains/`): `assignments`
//! (also `/api/v1/students/{id}/assignments`), `subtasks` (also
//! `/api/v1/assignments/{id}/subtasks`) and guardian links
//! (`POST /api/v1/students/{id}/guardians {guardianId}`). The API reference is at
//! `/docs`, the document at `/openapi.json`.
//!
//! Live feed: `GET /api/v1/events` streams assignment (and subtask) changes over
//! SSE to each user who may read them. Jobs (`src/reminders.rs`) run in the same
//! process on the app's database: a reminder 24 h before each assignment is due,
//! and a daily digest at 07:00 UTC (`STRATA_APP__DIGEST_CRON` to change it).

mod domains;
mod reminders;
mod scopes;

use std::process::ExitCode;

use strata::cache::{Cache, MokaCache, RedisCache, RedisOptions};
use strata::rbac::Policy;
use strata::{App, Config, Migrations, StartupError};

/// Built-in defaults, beneath `config/<env>.toml` and the environment.
const DEFAULTS: &str = include_str!("../config/defaults.toml");

/// The classroom roles (SPEC §11).
const POLICY: &str = include_str!("../config/policy.toml");

/// When the daily digest is queued (UTC) unless `[app] digest_cron`
/// (`STRATA_APP__DIGEST_CRON`) says otherwise.
const DIGEST_CRON: &str = "0 0 7 * * *";

fn migrations() -> Migrations {
    Migrations::new()
        .sqlite(sqlx::migrate!("migrations/sqlite"))
        .postgres(sqlx::migrate!("migrations/postgres"))
}

async fn run() -> Result<(), StartupError> {
    let config = Config::load_layered(DEFAULTS)?;
    let policy = Policy::from_toml(POLICY)?;
    let digest_cron = config
        .app::<String>("digest_cron")
        .and_then(Result::ok)
        .unwrap_or_else(|| DIGEST_CRON.to_owned());
    // Redis when `REDIS_URL` is set (shared by every instance), else in process.
    let backend: std::sync::Arc<dyn Cache> = match config.redis.url.as_deref() {
        Some(url) => std::sync::Arc::new(RedisCache::connect_lazy(
            url,
            "classroom",
            RedisOptions::default(),
        )?),
        None => std::sync::Arc::new(MokaCache::new(16 * 1024 * 1024)),
    };
    let cache = strata::CacheAside::new(backend, std::time::Duration::from_secs(60));
    App::new(config)
        .with_auth()
        .with_rate_limits()
        .policy(policy)
        .scope("child", scopes::Child)
        .cache(cache)
        .openapi(strata::openapi::OpenApiRegistry::new(
            "Classroom",
            env!("CARGO_PKG_VERSION"),
        ))
        .resource::<domains::assignments::Assignment>()
        .resource::<domains::subtasks::Subtask>()
        .resource::<domains::guardians::GuardianLink>()
        .with_events()
        .job::<reminders::DueReminder>()
        .cron(&digest_cron, reminders::DailyDigest)
        .migrations(migrations())
        .serve()
        .await
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("classroom: {err}");
            ExitCode::FAILURE
        }
    }
}
