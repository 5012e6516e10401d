use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::auth::Authenticator;
use crate::config::Config;
use crate::db::Db;
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
    shutting_down: AtomicBool,
}

impl AppState {
    pub(crate) fn new(
        config: Config,
        db: Db,
        auth: Authenticator,
        policy: Policy,
        scopes: Scopes,
        cache: Option<crate::cache::CacheAside>,
        extensions: http::Extensions,
    ) -> Self {
        let cursors = Arc::new(cursor_codec(&config));
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
                shutting_down: AtomicBool::new(false),
            }),
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
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

    /// Whether graceful shutdown has begun (readiness then answers 503).
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Relaxed)
    }

    pub(crate) fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Relaxed);
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
