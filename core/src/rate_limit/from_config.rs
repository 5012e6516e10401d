//! Building a [`RateLimitLayer`] from `[rate_limit]` configuration.

use crate::Config;
use crate::cache::RedisOptions;

use super::{
    KeyBy, MemoryLimiter, Quota, RateLimitError, RateLimitLayer, RedisLimiter, TrustedProxies,
};

impl RateLimitLayer {
    /// A layer for one route group as `[rate_limit]` says: its trusted proxies,
    /// failure policy and on/off switch, in memory or, with `rate_limit.redis`, in
    /// Redis at `redis.url` under the keys `strata:rate_limit:<namespace>:<group>:…`
    /// (so groups never share quotas, and instances with one namespace do).
    ///
    /// The Redis connection is lazy: this never waits for Redis, and an app starts
    /// while Redis is down, degrading per the failure policy.
    ///
    /// ```
    /// use strata::Config;
    /// use strata::rate_limit::{KeyBy, RateLimitLayer};
    ///
    /// let config = Config::default();
    /// let quota = config.rate_limit.login_quota().unwrap();
    /// let login = RateLimitLayer::from_config(&config, "login", quota, KeyBy::ClientIp).unwrap();
    /// assert_eq!(login.quota().to_string(), "5/min");
    /// ```
    ///
    /// # Errors
    /// Invalid trusted proxies, `rate_limit.redis` without `redis.url`, or an
    /// invalid Redis URL (all reported by config validation first).
    pub fn from_config(
        config: &Config,
        group: &str,
        quota: Quota,
        key_by: KeyBy,
    ) -> Result<Self, RateLimitError> {
        let settings = &config.rate_limit;
        let proxies = TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|err| RateLimitError::Config(err.to_string()))?;
        let layer = if settings.uses_redis(&config.redis) {
            let url = config.redis.url.as_deref().ok_or_else(|| {
                RateLimitError::Config("rate_limit.redis is true but redis.url is unset".into())
            })?;
            let namespace = format!("{}:{group}", settings.namespace);
            let limiter =
                RedisLimiter::connect_lazy(url, &namespace, quota, RedisOptions::default())?;
            Self::new(limiter, key_by)
        } else {
            Self::new(MemoryLimiter::new(quota), key_by)
        };
        Ok(layer
            .trusted_proxies(proxies)
            .on_failure(settings.failure)
            .enabled(settings.enabled))
    }
}
