use std::path::PathBuf;

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::config::{Config, Environment};
use crate::db::Dialect;

/// One test's private database; removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    dialect: Dialect,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh SQLite database file in the system temp directory.
    pub fn sqlite() -> Self {
        let path =
            std::env::temp_dir().join(format!("strata-test-{}.db", uuid::Uuid::new_v4().simple()));
        Self {
            url: format!("sqlite://{}", path.display()),
            dialect: Dialect::Sqlite,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    /// A fresh Postgres database, or `None` when `TEST_DATABASE_URL` is unset.
    ///
    /// # Panics
    /// When `TEST_DATABASE_URL` is set but the server cannot be reached: a suite
    /// asked to run on Postgres must not silently skip it.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!("strata_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
        // The name is a generated UUID: no input reaches this statement.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        Some(Self {
            url: with_database(&admin_url, &name),
            dialect: Dialect::Postgres,
            cleanup: Cleanup::PostgresDatabase { admin_url, name },
        })
    }

    /// SQLite, plus Postgres when `TEST_DATABASE_URL` is set.
    pub async fn all() -> Vec<Self> {
        let mut all = vec![Self::sqlite()];
        all.extend(Self::postgres().await);
        all
    }

    /// The connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A `test`-profile configuration pointing at this database.
    pub fn config(&self) -> Config {
        let mut config = Config::for_env(Environment::Test);
        config.database.url = self.url.clone();
        config.database.max_connections = 5;
        config
    }
}

/// Runs one statement of static SQL (schema, fixtures) on either dialect and
/// returns the rows affected.
pub async fn execute(db: &crate::Db, sql: &'static str) -> Result<u64, sqlx::Error> {
    Ok(match db {
        crate::Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        crate::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
    })
}

/// `TEST_REDIS_URL`, or `None` (with a line saying the Redis part is skipped).
pub fn redis_url() -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped the Redis part: TEST_REDIS_URL is not set");
    }
    url
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop may run inside a runtime; a private thread with its own
                // runtime avoids blocking (or nesting) the caller's.
                let dropper = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async move {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await;
                            let _ = admin.close().await;
                        }
                    });
                });
                let _ = dropper.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
