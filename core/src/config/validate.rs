use std::net::SocketAddr;

use super::{Config, Environment};

/// Shortest accepted HS256 secret.
const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Every semantic problem with this configuration, one readable sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, problem: String| {
            if !ok {
                problems.push(problem);
            }
        };

        let server = &self.server;
        check(
            server.bind_addr.parse::<SocketAddr>().is_ok(),
            format!(
                "server.bind_addr (BIND_ADDR) `{}` is not a socket address like 127.0.0.1:3000",
                server.bind_addr
            ),
        );
        check(
            server.request_timeout_secs > 0,
            "server.request_timeout_secs must be at least 1".into(),
        );
        check(
            server.body_limit_bytes > 0,
            "server.body_limit_bytes must be at least 1".into(),
        );

        let db = &self.database;
        check(
            ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|p| db.url.starts_with(p)),
            format!(
                "database.url (DATABASE_URL) `{}` must start with sqlite:, postgres:// or postgresql://",
                redact(&db.url)
            ),
        );
        check(
            db.max_connections >= 1,
            "database.max_connections must be at least 1".into(),
        );
        check(
            db.min_connections <= db.max_connections,
            format!(
                "database.min_connections ({}) exceeds database.max_connections ({})",
                db.min_connections, db.max_connections
            ),
        );

        match (&self.auth.jwt_secret, self.env) {
            (None, Environment::Production) => {
                check(
                    false,
                    "JWT_SECRET (auth.jwt_secret) is required in production".into(),
                );
            }
            (Some(secret), Environment::Production) => check(
                secret.len() >= MIN_SECRET_BYTES,
                format!(
                    "JWT_SECRET (auth.jwt_secret) is {} bytes; production needs at least {MIN_SECRET_BYTES} bytes",
                    secret.len()
                ),
            ),
            _ => {}
        }

        let auth = &self.auth;
        check(
            !auth.issuer.trim().is_empty(),
            "auth.issuer must not be empty".into(),
        );
        check(
            !auth.audience.trim().is_empty(),
            "auth.audience must not be empty".into(),
        );
        check(
            auth.access_ttl_secs >= 1,
            "auth.access_ttl_secs must be at least 1".into(),
        );
        check(
            auth.refresh_ttl_secs >= 1,
            "auth.refresh_ttl_secs must be at least 1".into(),
        );
        check(
            !auth.default_role.trim().is_empty(),
            "auth.default_role must not be empty".into(),
        );
        check(
            auth.admin_email.is_some() == auth.admin_password.is_some(),
            "ADMIN_EMAIL (auth.admin_email) and ADMIN_PASSWORD (auth.admin_password) must be set together".into(),
        );
        if let Some(email) = &auth.admin_email {
            check(
                email.contains('@'),
                format!("ADMIN_EMAIL (auth.admin_email) `{email}` is not an email address"),
            );
        }
        if let Some(password) = &auth.admin_password {
            check(
                password.chars().count() >= crate::auth::MIN_PASSWORD_CHARS,
                format!(
                    "ADMIN_PASSWORD (auth.admin_password) must be at least {} characters",
                    crate::auth::MIN_PASSWORD_CHARS
                ),
            );
        }

        check(
            tracing_subscriber::EnvFilter::try_new(&self.log.level).is_ok(),
            format!(
                "log.level (LOG_LEVEL) `{}` is not a valid tracing filter",
                self.log.level
            ),
        );
        for origin in &self.http.cors_origins {
            check(
                origin == "*" || origin.starts_with("http://") || origin.starts_with("https://"),
                format!(
                    "http.cors_origins entry `{origin}` must be `*` or start with http:// or https://"
                ),
            );
        }
        if let Some(url) = &self.redis.url {
            check(
                url.starts_with("redis://") || url.starts_with("rediss://"),
                format!(
                    "redis.url (REDIS_URL) `{}` must start with redis:// or rediss://",
                    redact(url)
                ),
            );
        }
        let rate_limit = &self.rate_limit;
        for (field, env, quota) in [
            ("api", "RATE_LIMIT_API", &rate_limit.api),
            ("login", "RATE_LIMIT_LOGIN", &rate_limit.login),
        ] {
            if let Err(err) = quota.parse::<crate::rate_limit::Quota>() {
                check(false, format!("rate_limit.{field} ({env}): {err}"));
            }
        }
        for proxy in &rate_limit.trusted_proxies {
            if let Err(err) = crate::rate_limit::TrustedProxies::parse([proxy]) {
                check(false, format!("rate_limit.trusted_proxies: {err}"));
            }
        }
        check(
            !(rate_limit.redis == Some(true) && self.redis.url.is_none()),
            "rate_limit.redis is true but redis.url (REDIS_URL) is unset".into(),
        );
        check(
            !rate_limit.namespace.is_empty(),
            "rate_limit.namespace must not be empty".into(),
        );
        let events = &self.events;
        check(
            !(events.redis && self.redis.url.is_none()),
            "events.redis is true but redis.url (REDIS_URL) is unset".into(),
        );
        check(
            !events.namespace.is_empty(),
            "events.namespace must not be empty".into(),
        );
        check(
            events.capacity >= 1,
            "events.capacity must be at least 1".into(),
        );
        let jobs = &self.jobs;
        check(
            !(jobs.backend == super::JobsBackend::Redis && self.redis.url.is_none()),
            "jobs.backend is redis but redis.url (REDIS_URL) is unset".into(),
        );
        check(
            jobs.concurrency >= 1,
            "jobs.concurrency must be at least 1".into(),
        );
        check(
            jobs.poll_interval_ms >= 10,
            "jobs.poll_interval_ms must be at least 10".into(),
        );
        check(
            jobs.missed_heartbeats >= 1,
            "jobs.missed_heartbeats must be at least 1".into(),
        );
        check(
            jobs.poll_interval_ms
                .saturating_mul(jobs.missed_heartbeats as u64)
                >= 3000,
            "jobs.poll_interval_ms × jobs.missed_heartbeats must be at least 3000 ms (the queue \
             storages compare heartbeats to the second; a shorter orphan timeout takes jobs \
             from live workers)"
                .into(),
        );
        check(
            jobs.outbox_interval_ms >= 10,
            "jobs.outbox_interval_ms must be at least 10".into(),
        );
        problems
    }
}

/// Hides a password in a URL before it is printed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_problems() {
        assert_eq!(redact("mysql://u:secret@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn rate_limit_problems_are_one_line_each() {
        let mut config = Config::for_env(Environment::Test);
        assert!(config.problems().is_empty(), "{:?}", config.problems());
        config.rate_limit.api = "lots/min".into();
        config.rate_limit.login = "5/week".into();
        config.rate_limit.trusted_proxies = vec!["10.0.0.0/8".into(), "nope".into()];
        config.rate_limit.redis = Some(true);
        let problems = config.problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("rate_limit.api (RATE_LIMIT_API): quota `lots/min`"));
        assert!(problems[1].starts_with("rate_limit.login (RATE_LIMIT_LOGIN): quota `5/week`"));
        assert!(problems[2].contains("`nope`"), "{}", problems[2]);
        assert!(problems[3].contains("REDIS_URL"), "{}", problems[3]);
    }

    #[test]
    fn job_problems_are_one_line_each() {
        let mut config = Config::for_env(Environment::Test);
        config.jobs.backend = super::super::JobsBackend::Redis;
        config.jobs.concurrency = 0;
        config.jobs.poll_interval_ms = 100;
        config.jobs.missed_heartbeats = 5;
        let problems = config.problems();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("jobs.backend is redis but redis.url"));
        assert!(problems[1].starts_with("jobs.concurrency must be at least 1"));
        assert!(problems[2].starts_with("jobs.poll_interval_ms × jobs.missed_heartbeats"));
    }

    #[test]
    fn production_accepts_a_long_secret() {
        let mut config = Config::for_env(Environment::Production);
        config.auth.jwt_secret = Some("x".repeat(32));
        assert!(config.problems().is_empty(), "{:?}", config.problems());
    }
}
