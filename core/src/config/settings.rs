use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Which configuration profile is in force (`STRATA_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Local development: pretty logs, generated secrets allowed.
    #[default]
    Development,
    /// Automated tests.
    Test,
    /// Production: JSON logs, secrets required.
    Production,
}

impl Environment {
    /// The name used for `STRATA_ENV` and the config file (`development.toml`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        }
    }

    /// Parses a `STRATA_ENV` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "development" | "dev" => Some(Self::Development),
            "test" => Some(Self::Test),
            "production" | "prod" => Some(Self::Production),
            _ => None,
        }
    }
}

/// The whole application configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The profile this configuration was loaded for (not read from the file).
    #[serde(skip)]
    pub env: Environment,
    /// Listening socket, timeouts, body limit, shutdown.
    pub server: ServerConfig,
    /// Connection URL, pool and migrations.
    pub database: DatabaseConfig,
    /// CORS, security headers, compression, metrics.
    pub http: HttpConfig,
    /// Log level and format.
    pub log: LogConfig,
    /// Token signing.
    pub auth: AuthConfig,
    /// Optional Redis (cache, shared rate limits, jobs, events).
    pub redis: RedisConfig,
    /// Rate-limit quotas, trusted proxies and backend.
    pub rate_limit: RateLimitConfig,
    /// The change-event bus and its SSE stream.
    pub events: EventsConfig,
    /// Background jobs: queue storage, workers, polling.
    pub jobs: JobsConfig,
    /// Free-form application settings, read with [`Config::app`].
    pub app: toml::Table,
}

impl Config {
    /// The defaults for `env`, with nothing read from files or the environment.
    pub fn for_env(env: Environment) -> Self {
        Self {
            env,
            ..Self::default()
        }
    }

    /// Reads one application setting from `[app]`, e.g. `config.app::<String>("rate_limit_api")`.
    ///
    /// `None` when the key is absent; `Some(Err(_))` when it has the wrong type.
    pub fn app<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Option<Result<T, toml::de::Error>> {
        self.app.get(key).map(|v| v.clone().try_into())
    }
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Socket address to listen on (`BIND_ADDR`), default `127.0.0.1:3000`.
    pub bind_addr: String,
    /// Per-request time limit; past it the answer is 503. Default 30.
    pub request_timeout_secs: u64,
    /// Largest accepted request body; past it the answer is 413. Default 1 MiB.
    pub body_limit_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM. Default 10.
    pub shutdown_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind_addr: "127.0.0.1:3000".to_owned(),
            request_timeout_secs: 30,
            body_limit_bytes: 1024 * 1024,
            shutdown_timeout_secs: 10,
        }
    }
}

impl ServerConfig {
    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The shutdown drain bound as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://file.db`, `sqlite::memory:` or `postgres://…` (`DATABASE_URL`).
    pub url: String,
    /// Pool size. Default 10.
    pub max_connections: u32,
    /// Connections kept open when idle. Default 0.
    pub min_connections: u32,
    /// How long a request waits for a pooled connection before a 503. Default 5.
    pub acquire_timeout_secs: u64,
    /// Postgres `statement_timeout` in milliseconds (0 = none). Default 30 000.
    pub statement_timeout_ms: u64,
    /// Run pending migrations at start-up. Default true.
    pub migrate: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://strata.db".to_owned(),
            max_connections: 10,
            min_connections: 0,
            acquire_timeout_secs: 5,
            statement_timeout_ms: 30_000,
            migrate: true,
        }
    }
}

/// `[http]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Allowed CORS origins; CORS is off while empty. `["*"]` allows any origin.
    /// From the environment: a comma-separated list.
    #[serde(deserialize_with = "list_or_csv")]
    pub cors_origins: Vec<String>,
    /// Send `Strict-Transport-Security: max-age=N` when set (only behind HTTPS).
    pub hsts_max_age_secs: Option<u64>,
    /// `Content-Security-Policy` for API responses.
    pub content_security_policy: String,
    /// Add `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy`, CSP. Default true.
    pub security_headers: bool,
    /// gzip/br response compression. Default true.
    pub compression: bool,
    /// Serve `/metrics`. Default true.
    pub metrics: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            hsts_max_age_secs: None,
            content_security_policy: "default-src 'none'; frame-ancestors 'none'".to_owned(),
            security_headers: true,
            compression: true,
            metrics: true,
        }
    }
}

fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(list) => list,
        ListOrCsv::Csv(csv) => csv
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (development default).
    Pretty,
    /// One JSON object per line (production default).
    Json,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `info,sqlx=warn` (`LOG_LEVEL`; `RUST_LOG` wins).
    pub level: String,
    /// Output format; defaults to JSON in production, pretty elsewhere.
    pub format: Option<LogFormat>,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: None,
        }
    }
}

/// `[auth]`
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// HS256 signing secret (`JWT_SECRET`); required, ≥ 32 bytes, in production.
    /// Without it (development, tests) a random per-process secret is generated.
    pub jwt_secret: Option<String>,
    /// The `iss` claim put in and required of access tokens. Default `strata`.
    pub issuer: String,
    /// The `aud` claim put in and required of access tokens. Default `strata-api`.
    pub audience: String,
    /// Access-token lifetime in seconds. Default 900 (15 minutes).
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime in seconds. Default 2 592 000 (30 days).
    pub refresh_ttl_secs: u64,
    /// The role `POST /api/v1/auth/register` gives new users. Default `student`.
    pub default_role: String,
    /// The admin account ensured at start-up (`ADMIN_EMAIL`), with `admin_password`.
    pub admin_email: Option<String>,
    /// The admin account's password (`ADMIN_PASSWORD`), at least 10 characters.
    pub admin_password: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            issuer: "strata".to_owned(),
            audience: "strata-api".to_owned(),
            access_ttl_secs: 900,
            refresh_ttl_secs: 30 * 24 * 60 * 60,
            default_role: "student".to_owned(),
            admin_email: None,
            admin_password: None,
        }
    }
}

impl std::fmt::Debug for AuthConfig {
    /// Secrets are shown as `***` so configuration can be logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { Some("***") } else { None };
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &hidden(self.jwt_secret.is_some()))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_secs", &self.refresh_ttl_secs)
            .field("default_role", &self.default_role)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &hidden(self.admin_password.is_some()))
            .finish()
    }
}

/// `[redis]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://host:port/db` (`REDIS_URL`); Redis features are off while unset.
    pub url: Option<String>,
}

/// `[events]`: the [`EventBus`](crate::events::EventBus) and `GET /api/v1/events`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Carry events through Redis pub/sub (`redis.url`), so every instance sees
    /// every event. Default false (in process): events carry row data, so
    /// sharing them is opted into, with a `namespace` per deployment.
    pub redis: bool,
    /// Redis channel namespace: instances with the same one share events.
    /// Default `default`.
    pub namespace: String,
    /// Events buffered per subscriber before a slow one starts missing them.
    /// Default 1024.
    pub capacity: usize,
    /// Seconds between SSE keep-alive comments. Default 15.
    pub keep_alive_secs: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            redis: false,
            namespace: "default".to_owned(),
            capacity: 1024,
            keep_alive_secs: 15,
        }
    }
}

/// `[jobs]`: the [`JobQueue`](crate::jobs::JobQueue) and its workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Where queued jobs live: `database` (the app's own SQLite or Postgres,
    /// the default) or `redis` (`redis.url`).
    pub backend: JobsBackend,
    /// Run this instance's workers with the server. Default true; an
    /// instance with `false` only enqueues (a web-only instance).
    pub workers: bool,
    /// Jobs one worker runs at once. Default 4.
    pub concurrency: usize,
    /// Milliseconds between a worker's polls of an empty queue; also its
    /// heartbeat. Default 1000.
    pub poll_interval_ms: u64,
    /// Heartbeats a worker may miss before its running jobs are handed to
    /// another worker (a crashed instance's jobs are resumed). Default 30.
    pub missed_heartbeats: usize,
    /// Milliseconds between sweeps of the transactional outbox. Default 500.
    pub outbox_interval_ms: u64,
}

/// Where the job queue lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum JobsBackend {
    /// The app's own database (`database.url`).
    #[default]
    Database,
    /// Redis (`redis.url`).
    Redis,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            backend: JobsBackend::Database,
            workers: true,
            concurrency: 4,
            poll_interval_ms: 1000,
            missed_heartbeats: 30,
            outbox_interval_ms: 500,
        }
    }
}

/// `[rate_limit]`: settings for the [`RateLimitLayer`](crate::rate_limit::RateLimitLayer)s
/// an app puts on its route groups (none is applied by default; see
/// [`RateLimitLayer::from_config`](crate::rate_limit::RateLimitLayer::from_config)).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Enforce limits at all. Default true; when false, layers built from this
    /// config let every request through without headers.
    pub enabled: bool,
    /// Quota for the API route group (`RATE_LIMIT_API`), default `1000/min`.
    pub api: String,
    /// Quota for login (`RATE_LIMIT_LOGIN`), default `5/min`.
    pub login: String,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges.
    /// From the environment: a comma-separated list. Default none.
    #[serde(deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<String>,
    /// Keep quotas in Redis (`redis.url`), shared by every instance. Unset
    /// (the default): in Redis exactly when `redis.url` (`REDIS_URL`) is set;
    /// `false` keeps them in memory even then.
    pub redis: Option<bool>,
    /// Redis key namespace: instances with the same one share quotas. Default `default`.
    pub namespace: String,
    /// When the limiter fails: `open` (allow, default) or `closed` (503).
    pub failure: crate::rate_limit::FailurePolicy,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            api: "1000/min".to_owned(),
            login: "5/min".to_owned(),
            trusted_proxies: Vec::new(),
            redis: None,
            namespace: "default".to_owned(),
            failure: crate::rate_limit::FailurePolicy::default(),
        }
    }
}

impl RateLimitConfig {
    /// Whether quotas live in Redis: `rate_limit.redis` when set, else
    /// whether `redis.url` is.
    pub fn uses_redis(&self, redis: &RedisConfig) -> bool {
        self.redis.unwrap_or(redis.url.is_some())
    }

    /// The API quota.
    ///
    /// # Errors
    /// `api` is not a valid quota (config validation reports it at start-up).
    pub fn api_quota(&self) -> Result<crate::rate_limit::Quota, crate::rate_limit::QuotaError> {
        self.api.parse()
    }

    /// The login quota.
    ///
    /// # Errors
    /// `login` is not a valid quota (config validation reports it at start-up).
    pub fn login_quota(&self) -> Result<crate::rate_limit::Quota, crate::rate_limit::QuotaError> {
        self.login.parse()
    }
}
