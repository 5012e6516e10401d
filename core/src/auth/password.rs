//! Password rules and argon2id hashing, off the async threads.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::AuthError;
use crate::FieldError;

/// The shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The longest accepted password, in characters (bounds hashing work).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The problem with `password` under the password rule, if any (field `password`).
pub fn password_problem(password: &str) -> Option<FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(FieldError::new(
            "password",
            "length",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(FieldError::new(
            "password",
            "length",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ))
    } else {
        None
    }
}

/// Hashes `password` with argon2id (default parameters, random salt) on the
/// blocking pool; returns the PHC string.
pub async fn hash_password(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AuthError::Internal(format!("hashing task failed: {e}")))?
}

/// Checks `password` against a PHC `hash` on the blocking pool (argon2's
/// comparison is constant-time). An unparsable hash is `false`.
pub async fn verify_password(password: String, hash: String) -> Result<bool, AuthError> {
    tokio::task::spawn_blocking(move || verify_now(&password, &hash))
        .await
        .map_err(|e| AuthError::Internal(format!("verification task failed: {e}")))
}

/// Spends the same time as a real verification, for logins with an unknown
/// email, so response time does not reveal which emails exist.
pub(crate) async fn verify_dummy(password: String) {
    let hash = DUMMY_HASH.clone();
    let _ = verify_password(password, hash).await;
}

/// Computes the dummy hash now (at start-up) so the first unknown-email login
/// is not slower than the rest.
pub(crate) async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).len()).await;
}

/// A hash of a random string, computed once; nobody knows its password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now(&super::refresh::random_token()).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot compute the dummy password hash");
        String::new()
    })
});

fn hash_now(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Internal(format!("password hashing failed: {e}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong password!".into(), hash)
                .await
                .unwrap()
        );
        assert!(
            !verify_password("x".into(), "not a hash".into())
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_rule_is_ten_characters() {
        assert!(password_problem("123456789").is_some());
        assert!(password_problem("1234567890").is_none());
        assert_eq!(password_problem("short").unwrap().field, "password");
        assert!(password_problem(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_some());
    }
}
