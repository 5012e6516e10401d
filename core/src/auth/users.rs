//! The `users` table: the account behind a token.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::AuthError;
use super::sql::on_pool;
use crate::db::Db;

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user id (the token's `sub`).
    pub id: Uuid,
    /// The email, lowercased.
    pub email: String,
    /// The display name.
    pub name: String,
    /// The role (`student` by default, see `auth.default_role`).
    pub role: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

/// A `users` row, with the hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The current time at the precision both databases store (microseconds), so
/// what is answered right after a write equals what is read back later.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The form every email is stored and looked up in.
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The user with `email` (normalised), if any.
pub(crate) async fn find_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, AuthError> {
    const SQL: &str = "SELECT id, email, password_hash, name, role, created_at, updated_at \
                       FROM users WHERE email = $1";
    let email = normalize_email(email);
    Ok(on_pool!(db, |pool| sqlx::query_as::<_, UserRow>(SQL)
        .bind(&email)
        .fetch_optional(pool)
        .await?))
}

/// The user with `id`, if any.
pub(crate) async fn find_by_id(db: &Db, id: Uuid) -> Result<Option<UserRow>, AuthError> {
    const SQL: &str = "SELECT id, email, password_hash, name, role, created_at, updated_at \
                       FROM users WHERE id = $1";
    Ok(on_pool!(db, |pool| sqlx::query_as::<_, UserRow>(SQL)
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// Inserts a new user; a taken email is a [`sqlx::Error`] unique violation.
pub(crate) async fn insert(
    db: &Db,
    email: &str,
    password_hash: String,
    name: &str,
    role: &str,
) -> Result<UserRow, sqlx::Error> {
    let now = now();
    let row = UserRow {
        id: Uuid::now_v7(),
        email: normalize_email(email),
        password_hash,
        name: name.to_owned(),
        role: role.to_owned(),
        created_at: now,
        updated_at: now,
    };
    const SQL: &str = "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on_pool!(db, |pool| sqlx::query(SQL)
        .bind(row.id)
        .bind(&row.email)
        .bind(&row.password_hash)
        .bind(&row.name)
        .bind(&row.role)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(row)
}

/// Sets a user's password hash and role.
pub(crate) async fn update_credentials(
    db: &Db,
    id: Uuid,
    password_hash: &str,
    role: &str,
) -> Result<(), AuthError> {
    const SQL: &str =
        "UPDATE users SET password_hash = $1, role = $2, updated_at = $3 WHERE id = $4";
    on_pool!(db, |pool| sqlx::query(SQL)
        .bind(password_hash)
        .bind(role)
        .bind(now())
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(())
}

/// Sets a user's role; `None` when there is no such user.
pub(crate) async fn set_role(db: &Db, id: Uuid, role: &str) -> Result<Option<UserRow>, AuthError> {
    const SQL: &str = "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3";
    let changed = on_pool!(db, |pool| sqlx::query(SQL)
        .bind(role)
        .bind(now())
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
    if changed == 0 {
        return Ok(None);
    }
    find_by_id(db, id).await
}
