//! Typed configuration: `config/<env>.toml`, then environment variables (env wins).
//!
//! The environment is chosen by `STRATA_ENV` (`development` by default, `test`,
//! `production`). [`Config::load`] reads the file for that environment from
//! `STRATA_CONFIG_DIR` (default `./config`; a missing file is fine), applies the
//! environment variables below, and validates the result, reporting every problem
//! at once, one line each.
//!
//! | variable | setting |
//! |---|---|
//! | `DATABASE_URL` | `database.url` |
//! | `BIND_ADDR` | `server.bind_addr` |
//! | `REDIS_URL` | `redis.url` |
//! | `JWT_SECRET` | `auth.jwt_secret` |
//! | `LOG_LEVEL`, `LOG_FORMAT` | `log.level`, `log.format` |
//! | `RATE_LIMIT_API`, `RATE_LIMIT_LOGIN` | `rate_limit.api`, `rate_limit.login` |
//! | `STRATA_<SECTION>__<KEY>` | any setting, e.g. `STRATA_SERVER__BODY_LIMIT_BYTES=2097152` |
//!
//! Application-specific settings live in the free-form `[app]` table
//! (`STRATA_APP__<KEY>` from the environment) and are read with [`Config::app`].

mod load;
mod settings;
mod validate;

pub use load::ConfigError;
pub use settings::{
    AuthConfig, Config, DatabaseConfig, Environment, EventsConfig, HttpConfig, JobsBackend,
    JobsConfig, LogConfig, LogFormat, RateLimitConfig, RedisConfig, ServerConfig,
};
