//! What auth needs at start-up: its tables (framework migrations) and the
//! bootstrap admin account.

use super::AuthError;
use super::password::hash_password;
use super::users::{self, User};
use crate::db::{Db, Migrations};

/// The role of the bootstrap account.
pub const ADMIN_ROLE: &str = "admin";

/// Strata's own migrations for the `users` and `refresh_tokens` tables.
///
/// Their versions start at 9 000 000 000 000 000 001: every version from
/// 9 000 000 000 000 000 000 up is reserved for Strata, so they never collide with
/// an app's `0001_…` or timestamp versions in the shared `_sqlx_migrations`
/// table. Both migrators ignore each other's applied versions
/// (`set_ignore_missing(true)`, done by [`Migrations`]).
/// [`App::with_auth`](crate::App::with_auth) runs them before the app's own.
pub fn migrations() -> Migrations {
    Migrations::new()
        .sqlite(sqlx::migrate!("migrations/sqlite"))
        .postgres(sqlx::migrate!("migrations/postgres"))
}

/// Ensures the account `email` exists with role `admin` and `password`:
/// created (named "Administrator") when missing, else its password and role
/// are reset. Returns the account.
pub async fn ensure_admin(db: &Db, email: &str, password: &str) -> Result<User, AuthError> {
    let hash = hash_password(password.to_owned()).await?;
    match users::find_by_email(db, email).await? {
        Some(existing) => {
            users::update_credentials(db, existing.id, &hash, ADMIN_ROLE).await?;
            tracing::info!(user_id = %existing.id, "bootstrap admin updated");
        }
        None => {
            let row = users::insert(db, email, hash, "Administrator", ADMIN_ROLE).await?;
            tracing::info!(user_id = %row.id, "bootstrap admin created");
        }
    }
    users::find_by_email(db, email)
        .await?
        .map(User::from)
        .ok_or_else(|| AuthError::Internal("bootstrap admin vanished after its write".into()))
}
