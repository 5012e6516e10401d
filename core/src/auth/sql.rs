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
