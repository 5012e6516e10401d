use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::collections::HashMap;

use tokio::sync::watch;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::db::Db;
use crate::events::{EventBus, ReadAccess};
use crate::http::Metrics;
use crate::query::CursorCodec;
use crate::rbac::{Policy, Scopes};
use crate::repo::{Entity, SqlRepository};

/// The state every handler can extract: configuration, database, metrics, and
/// whatever the app registered with [`App::extension`](crate::App::extension).
///
/// Cloning is one reference-count increment.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    db: Db,
    metrics: Metrics,
    cursors: Arc<CursorCodec>,
    policy: Arc<Policy>,
    scopes: Scopes,
    cache: Option<crate::cache::CacheAside>,
    auth: Authenticator,
    extensions: http::Extensions,
    events: EventBus,
    read_access: HashMap<&'static str, ReadAccess>,
    jobs: Option<crate::jobs::JobQueue>,
    /// A lazily connected client for `/health/ready`, when `redis.url` is set.
    redis_probe: Option<crate::cache::RedisCache>,
    shutting_down: AtomicBool,
    shutdown: watch::Sender<bool>,
}

/// What [`App::build`](crate::App::build) assembles the state from.
pub(crate) struct StateParts {
    pub(crate) config: Config,
    pub(crate) db: Db,
    pub(crate) auth: Authenticator,
    pub(crate) policy: Policy,
    pub(crate) scopes: Scopes,
    pub(crate) cache: Option<crate::cache::CacheAside>,
    pub(crate) extensions: http::Extensions,
    pub(crate) events: EventBus,
    pub(crate) read_access: HashMap<&'static str, ReadAccess>,
    pub(crate) jobs: Option<crate::jobs::JobQueue>,
}

impl AppState {
    pub(crate) fn new(parts: StateParts) -> Self {
        let StateParts {
            config,
            db,
            auth,
            policy,
            scopes,
            cache,
            extensions,
            events,
            read_access,
            jobs,
        } = parts;
        let cursors = Arc::new(cursor_codec(&config));
        // Config validation has checked the URL; a lazy client never waits.
        let redis_probe = config.redis.url.as_deref().and_then(|url| {
            crate::cache::RedisCache::connect_lazy(url, "health", Default::default()).ok()
        });
        let (shutdown, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                config,
                db,
                metrics: Metrics::default(),
                cursors,
                policy: Arc::new(policy),
                scopes,
                cache,
                auth,
                extensions,
                events,
                read_access,
                jobs,
                redis_probe,
                shutting_down: AtomicBool::new(false),
                shutdown,
            }),
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The Redis client `/health/ready` pings, when `redis.url` is set.
    pub(crate) fn redis_probe(&self) -> Option<&crate::cache::RedisCache> {
        self.inner.redis_probe.as_ref()
    }

    /// The RBAC policy set with [`App::policy`](crate::App::policy) (empty by
    /// default: every permission check is then denied).
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The row scopes (`own` and those registered with [`App::scope`](crate::App::scope)).
    pub fn scopes(&self) -> &Scopes {
        &self.inner.scopes
    }

    /// The cache set with [`App::cache`](crate::App::cache), if any.
    pub fn cache(&self) -> Option<&crate::cache::CacheAside> {
        self.inner.cache.as_ref()
    }

    /// The database pool.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The request metrics registry behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The codec that signs list cursors (see [`cursor_codec`]).
    pub fn cursor_codec(&self) -> &Arc<CursorCodec> {
        &self.inner.cursors
    }

    /// The access-token authenticator (keys, issuer, audience, lifetimes).
    pub fn auth(&self) -> &Authenticator {
        &self.inner.auth
    }

    /// A repository for `T` signing its cursors with this app's codec.
    pub fn repository<T: Entity>(&self) -> SqlRepository<T> {
        SqlRepository::new(self.inner.cursors.clone())
    }

    /// A value registered with [`App::extension`](crate::App::extension).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.extensions.get::<T>()
    }

    /// The change-event bus derived resources publish to.
    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    /// How resource `path` (e.g. `assignments`) decides what a caller may read;
    /// `None` when no such resource is mounted.
    pub fn read_access(&self, path: &str) -> Option<ReadAccess> {
        self.inner.read_access.get(path).copied()
    }

    /// The job queue, when the app registered jobs ([`App::job`](crate::App::job),
    /// [`App::cron`](crate::App::cron)) or asked for it ([`App::with_jobs`](crate::App::with_jobs)).
    pub fn jobs(&self) -> Option<&crate::jobs::JobQueue> {
        self.inner.jobs.as_ref()
    }

    /// A receiver that turns `true` when graceful shutdown begins (long-lived
    /// responses such as SSE streams end then).
    pub fn shutdown_watch(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Whether graceful shutdown has begun (readiness then answers 503).
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Relaxed)
    }

    pub(crate) fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Relaxed);
        self.inner.shutdown.send_replace(true);
    }
}

/// The cursor codec for `config`.
///
/// Its key is derived from `auth.jwt_secret` (with a fixed domain-separation
/// prefix, so the raw token key is never used for cursors): cursors then survive
/// restarts and are accepted by every instance sharing the secret. Without a
/// secret (development, tests) a random per-process key is used and cursors die
/// with the process.
pub fn cursor_codec(config: &Config) -> CursorCodec {
    match &config.auth.jwt_secret {
        Some(secret) => CursorCodec::new(format!("strata:cursor:v1:{secret}").as_bytes()),
        None => {
            tracing::debug!("no auth.jwt_secret: list cursors use a per-process random key");
            let random = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            CursorCodec::new(random.as_bytes())
        }
    }
}
