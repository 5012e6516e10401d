use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Config, Environment};

/// Why configuration could not be loaded: every problem found, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// One readable sentence per problem.
    pub problems: Vec<String>,
}

/// Environment variables with a fixed meaning, and the setting each one sets.
const NAMED: [(&str, &str, &str); 10] = [
    ("DATABASE_URL", "database", "url"),
    ("BIND_ADDR", "server", "bind_addr"),
    ("REDIS_URL", "redis", "url"),
    ("JWT_SECRET", "auth", "jwt_secret"),
    ("ADMIN_EMAIL", "auth", "admin_email"),
    ("ADMIN_PASSWORD", "auth", "admin_password"),
    ("LOG_LEVEL", "log", "level"),
    ("LOG_FORMAT", "log", "format"),
    ("RATE_LIMIT_API", "rate_limit", "api"),
    ("RATE_LIMIT_LOGIN", "rate_limit", "login"),
];

impl Config {
    /// Loads the configuration for `STRATA_ENV` from `./config` (or
    /// `STRATA_CONFIG_DIR`) and the process environment, and validates it.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from("", std::env::vars())
    }

    /// Like [`Config::load`], with an application's built-in defaults (a TOML
    /// document, typically `include_str!`-ed) beneath the file and the environment.
    ///
    /// ```
    /// let config = strata::Config::load_layered("[database]\nurl = \"sqlite://app.db\"\n").unwrap();
    /// # let _ = config;
    /// ```
    pub fn load_layered(defaults: &str) -> Result<Self, ConfigError> {
        Self::load_from(defaults, std::env::vars())
    }

    /// [`Config::load_layered`] with the environment given explicitly (for tests).
    pub fn load_from(
        defaults: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let var = |name: &str| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let mut problems = Vec::new();

        let env = match var("STRATA_ENV") {
            None | Some("") => Environment::Development,
            Some(value) => Environment::parse(value).unwrap_or_else(|| {
                problems.push(format!(
                    "STRATA_ENV is `{value}`; expected `development`, `test` or `production`"
                ));
                Environment::Development
            }),
        };
        let dir = var("STRATA_CONFIG_DIR").map_or_else(|| PathBuf::from("config"), PathBuf::from);
        let mut origins = Origins::default();
        let mut table: toml::Table = defaults.parse().unwrap_or_else(|err: toml::de::Error| {
            problems.push(format!("built-in defaults: {}", err.message().trim()));
            toml::Table::new()
        });
        origins.record_table("", &table, "built-in defaults");
        let path = dir.join(format!("{}.toml", env.as_str()));
        let file = read_file(&path, &mut problems);
        origins.record_table("", &file, &path.display().to_string());
        merge(&mut table, file);

        for (name, section, key) in NAMED {
            if let Some(value) = var(name) {
                set(
                    &mut table,
                    section,
                    key,
                    toml::Value::String(value.to_owned()),
                );
                origins.record(format!("{section}.{key}"), name);
            }
        }
        for (name, value) in &vars {
            let Some(path) = name.strip_prefix("STRATA_") else {
                continue;
            };
            let Some((section, key)) = path.split_once("__") else {
                continue;
            };
            let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
            set(&mut table, &section, &key, parse_env_value(value));
            origins.record(format!("{section}.{key}"), name);
        }

        let mut config = deserialize_collecting(table, &origins, &mut problems);
        config.env = env;
        problems.extend(config.problems());
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { problems })
        }
    }

    /// Parses a TOML document (the contents of one config file) for `env`, and validates it.
    pub fn from_toml(env: Environment, text: &str) -> Result<Self, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
            problems: vec![format!("config: {}", e.message().trim())],
        })?;
        let mut problems = Vec::new();
        let mut config = deserialize_collecting(table, &Origins::default(), &mut problems);
        config.env = env;
        problems.extend(config.problems());
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// Where each setting came from (`config/production.toml`, `JWT_SECRET`, …),
/// so a problem names the place to fix it.
#[derive(Default)]
struct Origins(BTreeMap<String, String>);

impl Origins {
    fn record(&mut self, path: String, origin: &str) {
        self.0.insert(path, origin.to_owned());
    }

    fn record_table(&mut self, prefix: &str, table: &toml::Table, origin: &str) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => self.record_table(&path, inner, origin),
                _ => self.record(path, origin),
            }
        }
    }

    /// The origin of `path`: its own, that of a setting inside it (a whole
    /// unknown section), or of the nearest enclosing setting that has one.
    fn of(&self, path: &str) -> Option<&str> {
        let inside = format!("{path}.");
        if let Some((_, origin)) = self
            .0
            .range(inside.clone()..)
            .next()
            .filter(|(k, _)| k.starts_with(&inside))
        {
            return Some(origin);
        }
        let mut path = path;
        loop {
            if let Some(origin) = self.0.get(path) {
                return Some(origin);
            }
            path = &path[..path.rfind('.')?];
        }
    }
}

/// Deserialises the merged settings, reporting every bad key rather than the
/// first: each failing key is reported with its path and origin, removed (so
/// its default applies) and deserialisation tried again.
fn deserialize_collecting(
    mut table: toml::Table,
    origins: &Origins,
    problems: &mut Vec<String>,
) -> Config {
    // Each pass removes one key, so the loop ends; the bound is a backstop.
    for _ in 0..256 {
        let err = match serde_path_to_error::deserialize(toml::Value::Table(table.clone())) {
            Ok(config) => return config,
            Err(err) => err,
        };
        // `rate_limit.trusted_proxies[1]` → the key `rate_limit.trusted_proxies`.
        let path = err.path().to_string();
        let key = path.split('[').next().unwrap_or_default().to_owned();
        let message = err.into_inner().message().trim().to_owned();
        problems.push(match origins.of(&key) {
            Some(origin) => format!("{key} (from {origin}): {message}"),
            None if key.is_empty() || key == "." => format!("config: {message}"),
            None => format!("{key}: {message}"),
        });
        if !remove(&mut table, &key) {
            break;
        }
    }
    Config::default()
}

/// Removes the setting at a dotted path; false when there is none.
fn remove(table: &mut toml::Table, path: &str) -> bool {
    match path.split_once('.') {
        None => table.remove(path).is_some(),
        Some((head, rest)) => match table.get_mut(head) {
            Some(toml::Value::Table(inner)) => remove(inner, rest),
            _ => false,
        },
    }
}

fn read_file(path: &Path, problems: &mut Vec<String>) -> toml::Table {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return toml::Table::new(),
        Err(err) => {
            problems.push(format!("{}: cannot be read: {err}", path.display()));
            return toml::Table::new();
        }
    };
    text.parse().unwrap_or_else(|err: toml::de::Error| {
        problems.push(format!("{}: {}", path.display(), err.message().trim()));
        toml::Table::new()
    })
}

/// Deep-merges `over` into `base`: tables merge key by key, other values replace.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    if let toml::Value::Table(section) = entry {
        section.insert(key.to_owned(), value);
    }
}

/// `10` → integer, `true` → bool, `["a"]` → array, anything else → string.
fn parse_env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_load_with_no_environment() {
        let config = Config::load_from("", vars(&[("STRATA_CONFIG_DIR", "/nonexistent")])).unwrap();
        assert_eq!(config.env, Environment::Development);
        assert_eq!(config.server.bind_addr, "127.0.0.1:3000");
        assert_eq!(config.server.body_limit_bytes, 1024 * 1024);
    }

    #[test]
    fn file_then_environment_with_env_winning() {
        let dir = std::env::temp_dir().join(format!("strata-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("test.toml"),
            "[server]\nbind_addr = \"0.0.0.0:8080\"\nrequest_timeout_secs = 5\n[app]\nrate = \"5/min\"\n",
        )
        .unwrap();
        let config = Config::load_from(
            "",
            vars(&[
                ("STRATA_ENV", "test"),
                ("STRATA_CONFIG_DIR", dir.to_str().unwrap()),
                ("BIND_ADDR", "127.0.0.1:9999"),
                ("STRATA_SERVER__BODY_LIMIT_BYTES", "2048"),
                (
                    "STRATA_HTTP__CORS_ORIGINS",
                    "https://a.example, https://b.example",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(config.env, Environment::Test);
        assert_eq!(config.server.bind_addr, "127.0.0.1:9999");
        assert_eq!(config.server.request_timeout_secs, 5);
        assert_eq!(config.server.body_limit_bytes, 2048);
        assert_eq!(
            config.http.cors_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(config.app::<String>("rate").unwrap().unwrap(), "5/min");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_problem_is_reported_once_per_line() {
        let err = Config::load_from(
            "",
            vars(&[
                ("STRATA_ENV", "production"),
                ("STRATA_CONFIG_DIR", "/nonexistent"),
                ("JWT_SECRET", "short"),
                ("BIND_ADDR", "not-an-address"),
                ("DATABASE_URL", "mysql://x"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 3, "{err}");
        assert!(
            err.problems
                .iter()
                .any(|p| p.contains("JWT_SECRET") && p.contains("32 bytes"))
        );
        assert!(err.problems.iter().any(|p| p.contains("BIND_ADDR")));
        assert!(err.problems.iter().any(|p| p.contains("DATABASE_URL")));
        assert_eq!(err.to_string().lines().count(), 4);
    }

    #[test]
    fn unknown_keys_and_bad_types_are_rejected() {
        let err = Config::from_toml(Environment::Test, "[server]\nbind_adr = \"x\"\n").unwrap_err();
        assert!(err.problems[0].contains("bind_adr"), "{err}");
        let err = Config::from_toml(
            Environment::Test,
            "[server]\nrequest_timeout_secs = \"soon\"\n",
        )
        .unwrap_err();
        assert!(err.problems[0].contains("invalid type"), "{err}");
        assert!(
            err.problems[0].starts_with("server.request_timeout_secs: "),
            "{err}"
        );
    }

    #[test]
    fn bad_types_and_unknown_keys_do_not_hide_the_other_problems() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("production.toml"),
            "[server]\nbind_adr = \"0.0.0.0:80\"\n\n[database]\nmax_connections = \"ten\"\n\n[nonsense]\nx = 1\n",
        )
        .unwrap();
        let err = Config::load_from(
            "",
            vars(&[
                ("STRATA_ENV", "production"),
                ("STRATA_CONFIG_DIR", dir.path().to_str().unwrap()),
                ("JWT_SECRET", "short"),
                ("STRATA_SERVER__REQUEST_TIMEOUT_SECS", "soon"),
            ]),
        )
        .unwrap_err();
        let file = dir.path().join("production.toml").display().to_string();
        let expect = [
            format!("server.bind_adr (from {file}): unknown field `bind_adr`"),
            format!("database.max_connections (from {file}): invalid type: string \"ten\""),
            format!("nonsense (from {file}): unknown field `nonsense`"),
            "server.request_timeout_secs (from STRATA_SERVER__REQUEST_TIMEOUT_SECS): invalid type: string \"soon\"".to_owned(),
            "JWT_SECRET".to_owned(),
        ];
        assert_eq!(err.problems.len(), expect.len(), "{err}");
        for want in &expect {
            assert_eq!(
                err.problems
                    .iter()
                    .filter(|p| p.starts_with(want.as_str()))
                    .count(),
                1,
                "no single problem starting `{want}` in:\n{err}"
            );
        }
        assert_eq!(err.to_string().lines().count(), 1 + expect.len());
    }

    #[test]
    fn built_in_defaults_sit_beneath_the_environment() {
        let defaults = "[database]\nurl = \"sqlite://app.db\"\nmax_connections = 3\n";
        let config =
            Config::load_from(defaults, vars(&[("STRATA_CONFIG_DIR", "/nonexistent")])).unwrap();
        assert_eq!(config.database.url, "sqlite://app.db");
        let config = Config::load_from(
            defaults,
            vars(&[
                ("STRATA_CONFIG_DIR", "/nonexistent"),
                ("DATABASE_URL", "sqlite::memory:"),
            ]),
        )
        .unwrap();
        assert_eq!(config.database.url, "sqlite::memory:");
        assert_eq!(config.database.max_connections, 3);
    }

    #[test]
    fn rate_limits_come_from_the_environment() {
        let config = Config::load_from(
            "[rate_limit]\napi = \"100/15min\"\n",
            vars(&[
                ("STRATA_CONFIG_DIR", "/nonexistent"),
                ("RATE_LIMIT_LOGIN", "3/min"),
                (
                    "STRATA_RATE_LIMIT__TRUSTED_PROXIES",
                    "10.0.0.0/8, 127.0.0.1",
                ),
                ("STRATA_RATE_LIMIT__FAILURE", "closed"),
            ]),
        )
        .unwrap();
        let rate_limit = &config.rate_limit;
        assert_eq!(rate_limit.api_quota().unwrap().to_string(), "100/15min");
        assert_eq!(rate_limit.login_quota().unwrap().to_string(), "3/min");
        assert_eq!(rate_limit.trusted_proxies, ["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(rate_limit.failure, crate::rate_limit::FailurePolicy::Closed);
        let err = Config::load_from(
            "",
            vars(&[
                ("STRATA_CONFIG_DIR", "/nonexistent"),
                ("RATE_LIMIT_API", "fast"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert!(err.problems[0].contains("RATE_LIMIT_API"), "{err}");
    }

    #[test]
    fn quotas_follow_redis_url_unless_told_otherwise() {
        let load = |pairs: &[(&str, &str)]| {
            let mut all = vec![("STRATA_CONFIG_DIR", "/nonexistent")];
            all.extend_from_slice(pairs);
            Config::load_from("", vars(&all))
        };
        let uses = |c: &Config| {
            // Events carry row data: they stay in process unless asked.
            assert!(!c.events.redis);
            c.rate_limit.uses_redis(&c.redis)
        };
        assert!(!uses(&load(&[]).unwrap()));
        assert!(uses(
            &load(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap()
        ));
        let memory = load(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("STRATA_RATE_LIMIT__REDIS", "false"),
        ])
        .unwrap();
        assert!(!uses(&memory));
        let err = load(&[("STRATA_RATE_LIMIT__REDIS", "true")]).unwrap_err();
        assert!(err.problems[0].contains("REDIS_URL"), "{err}");
        let err = load(&[("STRATA_EVENTS__REDIS", "true")]).unwrap_err();
        assert!(err.problems[0].contains("REDIS_URL"), "{err}");
    }

    #[test]
    fn unknown_strata_env_is_a_problem() {
        let err = Config::load_from(
            "",
            vars(&[
                ("STRATA_ENV", "staging"),
                ("STRATA_CONFIG_DIR", "/nonexistent"),
            ]),
        )
        .unwrap_err();
        assert!(err.problems[0].contains("STRATA_ENV"));
    }
}
