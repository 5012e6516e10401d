//! Caching: a [`Cache`] trait with in-process ([`MokaCache`]) and Redis
//! ([`RedisCache`]) backends, JSON helpers, and [`CacheAside`] read-through
//! loading with stampede protection (SPEC §8).
//!
//! ```no_run
//! use std::{sync::Arc, time::Duration};
//! use strata::cache::{Cache, CacheAside, MokaCache, RedisCache, RedisOptions};
//!
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Course;
//! # async fn fetch_course(_: i64) -> Result<Option<Course>, strata::AppError> { Ok(None) }
//! # async fn run(redis_url: Option<&str>) -> Result<(), strata::AppError> {
//! // Redis when configured (shared by all instances), else in process.
//! let cache: Arc<dyn Cache> = match redis_url {
//!     Some(url) => Arc::new(RedisCache::connect_lazy(url, "classroom", RedisOptions::default())?),
//!     None => Arc::new(MokaCache::new(64 * 1024 * 1024)),
//! };
//! let courses = CacheAside::new(cache, Duration::from_secs(300));
//!
//! // On a hit no query runs; 50 concurrent misses run one query.
//! let course = courses.get_or_load("course:7", || fetch_course(7)).await?;
//! // After every write:
//! courses.invalidate("course:7").await;
//! # Ok(()) }
//! ```
//!
//! ## Failure behaviour
//! A cache is an optimisation, so its failures never fail a request that goes
//! through [`CacheAside`]: a read or write error is logged with `tracing::warn!` and
//! the value comes from the loader. [`RedisCache`] bounds each operation (250 ms by
//! default), then skips Redis for a short cool-down (1 s) so later calls go
//! straight to the loader, and reconnects in the background: the cache resumes by
//! itself when Redis returns.
//! Direct [`Cache`] calls return [`CacheError`], which converts into a 503
//! [`AppError`](crate::AppError) for outages.
//!
//! ## Keys and values
//! Keys are plain strings; [`RedisCache`] prefixes them with `strata:<namespace>:`
//! so several apps (or tests) share one Redis. Values are bytes; [`get_json`],
//! [`set_json`] and [`CacheAside`] store JSON.

mod aside;
pub(crate) mod breaker;
mod error;
mod flight;
mod json;
mod moka_cache;
mod redis_cache;
mod store;

pub use aside::CacheAside;
pub use error::{BoxError, CacheError};
pub use json::{get_json, set_json};
pub use moka_cache::{DEFAULT_MAX_TTL, MokaCache};
pub use redis_cache::{RedisCache, RedisOptions};
pub use store::Cache;
