use std::future::{Future, IntoFuture};
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use super::{AppState, StartupError};

/// A built application: the complete router and its state, ready to serve.
#[derive(Debug, Clone)]
pub struct Server {
    state: AppState,
    router: Router,
    jobs: crate::jobs::Registry,
}

impl Server {
    pub(crate) fn new(state: AppState, router: Router, jobs: crate::jobs::Registry) -> Self {
        Self {
            state,
            router,
            jobs,
        }
    }

    /// Starts this instance's job workers, cron schedules and outbox relay
    /// (`None` when the app has no job queue). They stop when the server shuts
    /// down; [`Workers::kill`](crate::jobs::Workers::kill) drops them at once.
    /// [`serve`](Self::serve) calls this itself unless `jobs.workers` is false.
    pub fn start_workers(&self) -> Option<crate::jobs::Workers> {
        crate::jobs::Workers::start(&self.state, &self.jobs)
    }

    /// Runs only the job workers (no HTTP) until `shutdown` completes, lets
    /// in-flight jobs finish for at most `server.shutdown_timeout_secs`, and
    /// closes the pool: a worker-only process.
    pub async fn run_workers(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let workers = self.start_workers();
        shutdown.await;
        self.state.begin_shutdown();
        if let Some(workers) = workers {
            workers
                .stop(self.state.config().server.shutdown_timeout())
                .await;
        }
        self.state.db().close().await;
        tracing::info!("workers shut down cleanly");
    }

    /// The complete router (for `tower::ServiceExt::oneshot` in tests).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Binds `server.bind_addr` and serves until SIGINT or SIGTERM.
    pub async fn run(self) -> Result<(), StartupError> {
        let addr = self.state.config().server.bind_addr.clone();
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        if let Ok(local) = listener.local_addr() {
            tracing::info!(addr = %local, "listening");
        }
        self.serve(listener, shutdown_signal()).await
    }

    /// Serves on `listener` until `shutdown` completes, then stops accepting,
    /// lets in-flight requests finish for at most `server.shutdown_timeout_secs`,
    /// and closes the database pool.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let drain = self.state.config().server.shutdown_timeout();
        let workers = if self.state.config().jobs.workers {
            self.start_workers()
        } else {
            None
        };
        let (started, mut on_started) = tokio::sync::watch::channel(false);
        let state = self.state.clone();
        let signal = async move {
            shutdown.await;
            state.begin_shutdown();
            let _ = started.send(true);
        };
        let server = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .into_future();

        let deadline = async move {
            if on_started.wait_for(|s| *s).await.is_ok() {
                tokio::time::sleep(drain).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result.map_err(StartupError::Serve)?,
            () = deadline => {
                tracing::warn!(drain_secs = drain.as_secs(), "drain time exceeded; dropping remaining connections");
            }
        }
        if let Some(workers) = workers {
            // The shutdown signal already told them to stop taking jobs.
            workers.stop(drain).await;
        }
        self.state.db().close().await;
        tracing::info!("shut down cleanly");
        Ok(())
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; draining in-flight requests");
}
