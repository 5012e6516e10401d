use axum::Router;
use axum::extract::OriginalUri;
use http::Method;

use super::{AppState, Server, health};
use crate::auth::{self, AuthError, Authenticator, KeyRing};
use crate::config::{Config, ConfigError};
use crate::db::{Db, Migrations};
use crate::error::AppError;
use crate::http::stack;
use crate::rate_limit::{KeyBy, RateLimitLayer};

/// Why an application could not start. Each variant prints one readable line
/// (several for configuration, one per problem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be reached.
    #[error("cannot connect to the database: {0}")]
    Database(#[source] sqlx::Error),
    /// A migration failed.
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The configured address.
        addr: String,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// Auth start-up failed (the bootstrap admin could not be written).
    #[error("auth start-up failed: {0}")]
    Auth(#[from] AuthError),
    /// The RBAC policy is invalid.
    #[error(transparent)]
    Policy(#[from] crate::rbac::PolicyError),
    /// A rate limit could not be set up.
    #[error("rate limiting: {0}")]
    RateLimit(#[from] crate::rate_limit::RateLimitError),
    /// The event bus could not be set up (an invalid `redis.url`).
    #[error("event bus: {0}")]
    Events(#[source] redis::RedisError),
    /// The job queue could not be opened.
    #[error("jobs: {0}")]
    Jobs(#[from] crate::jobs::JobsError),
    /// A cache backend could not be set up (an invalid Redis URL).
    #[error("cache: {0}")]
    Cache(#[from] crate::cache::CacheError),
    /// The server failed while running.
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
}

/// Builder for a Strata application.
///
/// ```no_run
/// use strata::{App, Config, Item};
/// use strata::axum::{Router, routing::get};
///
/// # async fn run() -> Result<(), strata::StartupError> {
/// let api = Router::new().route("/hello", get(|| async { Item("world") }));
/// App::new(Config::load()?).api(api).serve().await
/// # }
/// ```
#[derive(Debug)]
pub struct App {
    config: Config,
    api: Router<AppState>,
    routes: Router<AppState>,
    migrations: Migrations,
    extensions: http::Extensions,
    policy: crate::rbac::Policy,
    rate_limits: bool,
    scopes: crate::rbac::Scopes,
    cache: Option<crate::cache::CacheAside>,
    auth: bool,
    key_ring: Option<KeyRing>,
    openapi: Option<crate::openapi::OpenApiRegistry>,
    resource_docs: Vec<fn() -> crate::openapi::ResourceDoc>,
    read_access: std::collections::HashMap<&'static str, crate::events::ReadAccess>,
    events: Option<crate::events::EventBus>,
    event_stream: bool,
    jobs: bool,
    job_registry: crate::jobs::Registry,
}

impl App {
    /// An app with `config` and no routes of its own yet.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            api: Router::new(),
            routes: Router::new(),
            migrations: Migrations::new(),
            extensions: http::Extensions::new(),
            policy: crate::rbac::Policy::default(),
            rate_limits: false,
            scopes: crate::rbac::Scopes::default(),
            cache: None,
            auth: false,
            key_ring: None,
            openapi: None,
            resource_docs: Vec::new(),
            read_access: std::collections::HashMap::new(),
            events: None,
            event_stream: false,
            jobs: false,
            job_registry: crate::jobs::Registry::default(),
        }
    }

    /// Merges `router` into the API, mounted under `/api/v1`.
    pub fn api(mut self, router: Router<AppState>) -> Self {
        self.api = self.api.merge(router);
        self
    }

    /// Merges `router` at the root, beside `/health` and `/metrics`.
    pub fn routes(mut self, router: Router<AppState>) -> Self {
        self.routes = self.routes.merge(router);
        self
    }

    /// The migrations to run at start-up (unless `database.migrate = false`).
    pub fn migrations(mut self, migrations: Migrations) -> Self {
        self.migrations = migrations;
        self
    }

    /// Mounts the built-in auth routes (`/api/v1/auth/*`, see [`auth::routes`]),
    /// runs Strata's auth migrations before the app's own, and ensures the
    /// bootstrap admin when `auth.admin_email`/`auth.admin_password`
    /// (`ADMIN_EMAIL`/`ADMIN_PASSWORD`) are set.
    pub fn with_auth(mut self) -> Self {
        self.auth = true;
        self
    }

    /// Mounts resource `R` under `/api/v1` ([`resource::routes`](crate::resource::routes))
    /// and, when [`openapi`](Self::openapi) is on, documents every one of its routes.
    pub fn resource<R: crate::resource::Resource>(mut self) -> Self {
        self.api = self.api.merge(crate::resource::routes::<R>());
        self.resource_docs.push(crate::resource::resource_doc::<R>);
        self.read_access
            .insert(R::PATH, crate::resource::read_access::<R>);
        self
    }

    /// Mounts `GET /api/v1/events`: the change events of every mounted
    /// resource over SSE, filtered by each subscriber's read permission and
    /// scopes ([`events::routes`](crate::events::routes)).
    pub fn with_events(mut self) -> Self {
        self.event_stream = true;
        self
    }

    /// Opens the job queue (`state.jobs()`) without registering a worker:
    /// for an instance that only enqueues. [`job`](Self::job) and
    /// [`cron`](Self::cron) imply it.
    pub fn with_jobs(mut self) -> Self {
        self.jobs = true;
        self
    }

    /// Runs a worker for job type `J` with the server (unless `jobs.workers`
    /// is false), or alone with [`Server::run_workers`].
    pub fn job<J: crate::jobs::Job>(mut self) -> Self {
        self.jobs = true;
        self.job_registry.job::<J>();
        self
    }

    /// Queues `job` on the cron `schedule` (six fields, UTC:
    /// `sec min hour day month weekday`, e.g. `"0 0 7 * * *"` daily at 07:00)
    /// and runs `J`'s worker. With several instances each tick is queued once.
    /// An invalid schedule stops start-up with a message naming it.
    pub fn cron<J: crate::jobs::Job>(mut self, schedule: &str, job: J) -> Self {
        self.jobs = true;
        self.job_registry.job::<J>();
        self.job_registry
            .cron(crate::jobs::CronEntry::new(schedule, job));
        self
    }

    /// The bus derived resources publish to, instead of the one built from
    /// `[events]` (in process, or Redis with `events.redis = true`). Two apps
    /// given clones of one bus see each other's events.
    pub fn event_bus(mut self, bus: crate::events::EventBus) -> Self {
        self.events = Some(bus);
        self
    }

    /// Serves `registry`'s document at `GET /openapi.json` and the API reference
    /// page at `GET /docs` (assets under `/docs/`, all served by the app). At build
    /// time the registry also documents the health, metrics and documentation
    /// routes, and the auth routes when [`with_auth`](Self::with_auth) is on.
    /// Without this call neither route exists.
    pub fn openapi(mut self, registry: crate::openapi::OpenApiRegistry) -> Self {
        self.openapi = Some(registry);
        self
    }

    /// Signs and verifies access tokens with `ring` instead of the HS256 key
    /// derived from `auth.jwt_secret`.
    pub fn key_ring(mut self, ring: KeyRing) -> Self {
        self.key_ring = Some(ring);
        self
    }

    /// The RBAC policy checked by [`RequirePermission`](crate::rbac::RequirePermission)
    /// and derived resources (empty by default: every check is denied).
    pub fn policy(mut self, policy: crate::rbac::Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Applies the `[rate_limit]` quotas: `rate_limit.api` (`RATE_LIMIT_API`) to
    /// every `/api/v1` route, keyed by user (by client IP when anonymous), and
    /// `rate_limit.login` (`RATE_LIMIT_LOGIN`) to `POST /api/v1/auth/login`, keyed
    /// by client IP. In memory, or shared through Redis with `rate_limit.redis`.
    pub fn with_rate_limits(mut self) -> Self {
        self.rate_limits = true;
        self
    }

    /// The cache that resources with `CACHE = true` (`#[resource(cache)]`) read
    /// rows through (cache-aside, single-flight; writes invalidate).
    pub fn cache(mut self, cache: crate::cache::CacheAside) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Registers the custom scope `name` (e.g. `child`) used by scoped permissions.
    pub fn scope(mut self, name: &str, scope: impl crate::rbac::Scope) -> Self {
        self.scopes.insert(name, std::sync::Arc::new(scope));
        self
    }

    /// Shares `value` with handlers through [`AppState::extension`].
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The configuration this app was created with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Connects the database, runs migrations (Strata's auth tables with
    /// [`with_auth`](Self::with_auth), its audit table, then the app's) and
    /// assembles the router.
    pub async fn build(self) -> Result<Server, StartupError> {
        let mut problems = self.config.problems();
        problems.extend(self.job_registry.problems());
        for scope in self.policy.scopes() {
            if !self.scopes.contains(scope) {
                problems.push(format!(
                    "the RBAC policy uses scope `{scope}` but no scope of that name is registered (App::scope)"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError { problems }.into());
        }
        let db = Db::connect(&self.config.database)
            .await
            .map_err(StartupError::Database)?;
        if self.config.database.migrate {
            if self.auth {
                auth::migrations().run(&db).await?;
            }
            crate::audit::migrations().run(&db).await?;
            if self.jobs {
                crate::jobs::migrations().run(&db).await?;
            }
            if !self.migrations.is_empty() {
                self.migrations.run(&db).await?;
            }
            tracing::info!("migrations applied");
        }
        if self.auth {
            auth::warm_up().await;
            let auth_config = &self.config.auth;
            if let (Some(email), Some(password)) =
                (&auth_config.admin_email, &auth_config.admin_password)
            {
                auth::ensure_admin(&db, email, password).await?;
            }
        }
        let mut app = self;
        if app.events.is_none() {
            let events = &app.config.events;
            if events.redis
                && let Some(url) = &app.config.redis.url
            {
                let bus = crate::events::EventBus::redis(url, &events.namespace, events.capacity)
                    .await
                    .map_err(StartupError::Events)?;
                tracing::info!(namespace = %events.namespace, "events shared through Redis");
                app.events = Some(bus);
            }
        }
        let jobs = if app.jobs {
            Some(crate::jobs::open_queue(&app.config, &db).await?)
        } else {
            None
        };
        app.assemble(db, jobs)
    }

    /// Assembles the router around an already open pool (no migrations are run,
    /// no admin is bootstrapped, the event bus is in process unless one was
    /// given with [`event_bus`](Self::event_bus), and a job queue, if any, is
    /// kept in this database).
    pub fn build_with_db(self, db: Db) -> Result<Server, StartupError> {
        let jobs = self.jobs.then(|| {
            let storage = match &db {
                Db::Sqlite(pool) => crate::jobs::Storage::Sqlite(pool.clone()),
                Db::Postgres(pool) => crate::jobs::Storage::Postgres(pool.clone()),
            };
            crate::jobs::JobQueue::new(storage, db.clone())
        });
        self.assemble(db, jobs)
    }

    fn assemble(self, db: Db, jobs: Option<crate::jobs::JobQueue>) -> Result<Server, StartupError> {
        let metrics_enabled = self.config.http.metrics;
        let has_resources = !self.resource_docs.is_empty();
        let event_stream = self.event_stream;
        let events = self
            .events
            .unwrap_or_else(|| crate::events::EventBus::in_process(self.config.events.capacity));
        let resource_docs = self.resource_docs;
        let docs = self.openapi.map(|mut registry| {
            registry.system_routes(metrics_enabled);
            for doc in &resource_docs {
                registry.resource(doc());
            }
            if self.auth {
                registry.auth_routes();
            }
            if has_resources {
                registry.audit_route();
            }
            if event_stream {
                registry.events_route();
            }
            crate::openapi::routes::<AppState>(&registry.document())
        });
        let (api_limit, login_limit) = if self.rate_limits {
            let limits = &self.config.rate_limit;
            let quota = |q: Result<crate::rate_limit::Quota, _>| {
                q.map_err(|e: crate::rate_limit::QuotaError| {
                    StartupError::RateLimit(crate::rate_limit::RateLimitError::Config(
                        e.to_string(),
                    ))
                })
            };
            let api = RateLimitLayer::from_config(
                &self.config,
                "api",
                quota(limits.api_quota())?,
                KeyBy::User,
            )?;
            let login = RateLimitLayer::from_config(
                &self.config,
                "login",
                quota(limits.login_quota())?,
                KeyBy::ClientIp,
            )?;
            (Some(api), Some(login))
        } else {
            (None, None)
        };
        let authenticator = match self.key_ring {
            Some(ring) => Authenticator::new(&self.config.auth, ring),
            None => Authenticator::from_config(&self.config.auth, self.config.env),
        };
        let state = AppState::new(super::state::StateParts {
            config: self.config,
            db,
            auth: authenticator,
            policy: self.policy,
            scopes: self.scopes,
            cache: self.cache,
            extensions: self.extensions,
            events,
            read_access: self.read_access,
            jobs,
        });
        let mut api = self.api;
        if has_resources {
            api = api.merge(crate::audit::routes());
        }
        if event_stream {
            api = api.merge(crate::events::routes());
        }
        if self.auth {
            api = api.merge(auth::router(login_limit));
        }
        if let Some(limit) = api_limit {
            api = api
                .layer(limit)
                .layer(auth::IdentifyLayer::new(state.clone()));
        }
        let mut router = Router::new()
            .nest("/api/v1", api)
            .merge(self.routes)
            .merge(health::routes(metrics_enabled));
        if let Some(docs) = docs {
            router = router.merge(docs);
        }
        let router = router.fallback(not_found);
        let router = stack::apply(router, &state);
        Ok(Server::new(state, router, self.job_registry))
    }

    /// Builds the app and serves it on `server.bind_addr` until SIGINT/SIGTERM.
    pub async fn serve(self) -> Result<(), StartupError> {
        super::init_tracing(&self.config.log, self.config.env);
        self.build().await?.run().await
    }
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("No route for {method} {}", uri.path()).into())
}
