use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::Config;
use crate::db::Db;
use crate::http::Metrics;

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
    extensions: http::Extensions,
    shutting_down: AtomicBool,
}

impl AppState {
    pub(crate) fn new(config: Config, db: Db, extensions: http::Extensions) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                db,
                metrics: Metrics::default(),
                extensions,
                shutting_down: AtomicBool::new(false),
            }),
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database pool.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The request metrics registry behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
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
