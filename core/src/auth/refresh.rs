//! Refresh tokens: opaque, stored hashed, single use, rotated within a family.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthError;
use super::authenticator::hex;
use super::sql::on_pool;
use crate::db::Db;

/// 32 random bytes from the OS, base64url without padding (43 characters).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if let Err(err) = getrandom::fill(&mut bytes) {
        // The OS RNG failing is unrecoverable; two v4 UUIDs (also OS-random,
        // 244 bits) keep the token unguessable if getrandom ever reports an error.
        tracing::error!(error = %err, "OS random generator failed");
        bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: hex SHA-256. The token itself is never stored.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

const INSERT: &str = "INSERT INTO refresh_tokens \
                      (id, user_id, family_id, token_hash, expires_at, created_at) \
                      VALUES ($1, $2, $3, $4, $5, $6)";

/// Issues the first token of a new family for `user_id`.
pub(crate) async fn issue(db: &Db, user_id: Uuid, ttl: Duration) -> Result<String, AuthError> {
    let token = random_token();
    let now = Utc::now();
    let expires_at = expiry(now, ttl);
    let family_id = Uuid::new_v4();
    on_pool!(db, |pool| sqlx::query(INSERT)
        .bind(Uuid::now_v7())
        .bind(user_id)
        .bind(family_id)
        .bind(token_hash(&token))
        .bind(expires_at)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(token)
}

/// Consumes `presented` and returns its user and the next token of its family.
///
/// Unknown or revoked → [`AuthError::RefreshInvalid`]; expired →
/// [`AuthError::RefreshExpired`]; already rotated (or consumed concurrently) →
/// the whole family is revoked and [`AuthError::RefreshReused`].
pub(crate) async fn rotate(
    db: &Db,
    presented: &str,
    ttl: Duration,
) -> Result<(Uuid, String), AuthError> {
    let row = find(db, presented)
        .await?
        .ok_or(AuthError::RefreshInvalid)?;
    if row.used_at.is_some() {
        revoke_family(db, row.family_id).await?;
        return Err(AuthError::RefreshReused);
    }
    if row.revoked_at.is_some() {
        return Err(AuthError::RefreshInvalid);
    }
    let now = Utc::now();
    if row.expires_at <= now {
        return Err(AuthError::RefreshExpired);
    }

    const CONSUME: &str = "UPDATE refresh_tokens SET used_at = $1 \
                           WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL";
    let token = random_token();
    let consumed = on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(CONSUME)
            .bind(now)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            sqlx::query(INSERT)
                .bind(Uuid::now_v7())
                .bind(row.user_id)
                .bind(row.family_id)
                .bind(token_hash(&token))
                .bind(expiry(now, ttl))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            true
        } else {
            tx.rollback().await?;
            false
        }
    });
    if !consumed {
        // Another request rotated it between our read and our write: a reuse.
        revoke_family(db, row.family_id).await?;
        return Err(AuthError::RefreshReused);
    }
    Ok((row.user_id, token))
}

/// Revokes the family of `presented` (logout). Unknown tokens are ignored.
pub(crate) async fn revoke(db: &Db, presented: &str) -> Result<(), AuthError> {
    if let Some(row) = find(db, presented).await? {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}

async fn find(db: &Db, presented: &str) -> Result<Option<TokenRow>, AuthError> {
    const SQL: &str = "SELECT id, user_id, family_id, expires_at, used_at, revoked_at \
                       FROM refresh_tokens WHERE token_hash = $1";
    let hash = token_hash(presented);
    Ok(on_pool!(db, |pool| sqlx::query_as::<_, TokenRow>(SQL)
        .bind(&hash)
        .fetch_optional(pool)
        .await?))
}

async fn revoke_family(db: &Db, family_id: Uuid) -> Result<(), AuthError> {
    const SQL: &str = "UPDATE refresh_tokens SET revoked_at = $1 \
                       WHERE family_id = $2 AND revoked_at IS NULL";
    let done = on_pool!(db, |pool| sqlx::query(SQL)
        .bind(Utc::now())
        .bind(family_id)
        .execute(pool)
        .await?
        .rows_affected());
    tracing::info!(%family_id, revoked = done, "refresh-token family revoked");
    Ok(())
}

fn expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    now.checked_add_signed(ttl)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_unique() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, random_token());
    }

    #[test]
    fn only_the_hash_is_stored() {
        let hash = token_hash("abc");
        assert_eq!(hash.len(), 64);
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
