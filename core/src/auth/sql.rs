//! Running one statement text on either dialect.
//!
//! Auth's SQL is static and portable: `$1, $2, …` placeholders in order of first
//! appearance (SQLite binds `$N` positionally too), no dialect-specific
//! functions. [`on_pool!`] expands the body once per pool type.

/// Evaluates `$body` with `$pool` bound to the SQLite or the Postgres pool of `$db`.
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

pub(crate) use on_pool;

/// Whether `err` is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[tokio::test]
    async fn the_same_statement_runs_on_sqlite_and_unique_violations_are_recognised() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let db = Db::Sqlite(pool);
        on_pool!(&db, |pool| sqlx::query(
            "CREATE TABLE t (email TEXT UNIQUE)"
        )
        .execute(pool)
        .await
        .unwrap()
        .rows_affected());
        let insert = async || {
            on_pool!(&db, |pool| sqlx::query("INSERT INTO t (email) VALUES ($1)")
                .bind("a@b.c")
                .execute(pool)
                .await
                .map(|done| done.rows_affected()))
        };
        assert_eq!(insert().await.unwrap(), 1);
        let err = insert().await.unwrap_err();
        assert!(is_unique_violation(&err), "{err}");
        assert!(!is_unique_violation(&sqlx::Error::RowNotFound));
    }
}
