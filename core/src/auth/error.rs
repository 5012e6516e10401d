//! Why authentication failed, and how that becomes a response.

use std::borrow::Cow;

use crate::AppError;

/// Why a credential was refused, or why an auth operation failed.
///
/// Every credential variant becomes the same client-facing 401
/// (`AUTHENTICATION_ERROR`, `WWW-Authenticate: Bearer`): the precise reason is
/// only logged, so a client cannot probe which check failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("no Authorization header")]
    MissingHeader,
    /// An `Authorization` header whose scheme is not `Bearer`.
    #[error("Authorization scheme is not Bearer")]
    NotBearer,
    /// The token is not a well-formed JWT (or its claims do not parse).
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The token header says `alg: none`.
    #[error("token uses alg none")]
    AlgNone,
    /// The token names a `kid` the key ring does not hold.
    #[error("unknown key id `{0}`")]
    UnknownKid(String),
    /// The token's `alg` is not the algorithm pinned to its key.
    #[error("token alg {token} does not match the key's {key}")]
    AlgorithmMismatch {
        /// The algorithm the token claims.
        token: String,
        /// The algorithm the key is pinned to.
        key: String,
    },
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not this app's issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` is not this app's audience.
    #[error("wrong audience")]
    WrongAudience,
    /// A required claim is absent.
    #[error("missing claim `{0}`")]
    MissingClaim(String),
    /// The token verified, but names a user that no longer exists.
    #[error("the token's user does not exist")]
    UnknownUser,
    /// Login with an unknown email or a wrong password (never said which).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// A refresh token that is unknown, or was revoked (logout, family revoked).
    #[error("refresh token unknown or revoked")]
    RefreshInvalid,
    /// A refresh token past its `expires_at`.
    #[error("refresh token expired")]
    RefreshExpired,
    /// An already-rotated refresh token was presented: its family is revoked.
    #[error("refresh token reused; family revoked")]
    RefreshReused,
    /// A key could not be loaded (bad PEM, wrong key type).
    #[error("invalid key `{kid}`: {message}")]
    Key {
        /// The key's id.
        kid: String,
        /// What is wrong.
        message: String,
    },
    /// Signing failed or hashing failed: a server-side problem (500).
    #[error("auth internal error: {0}")]
    Internal(String),
    /// A database error (mapped like any other: 503, 409, 500).
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl AuthError {
    /// The client-facing message: one per family of failures, never the reason.
    fn public_message(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "Invalid email or password",
            Self::RefreshInvalid | Self::RefreshExpired | Self::RefreshReused => {
                "Invalid or expired refresh token"
            }
            _ => "Missing or invalid access token",
        }
    }
}

impl From<AuthError> for AppError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Database(db) => AppError::from(db),
            AuthError::Internal(_) | AuthError::Key { .. } => AppError::internal(err.to_string()),
            AuthError::RefreshReused => {
                tracing::warn!(reason = %err, "authentication failed");
                AppError::unauthenticated(Cow::Borrowed(err.public_message()))
            }
            other => {
                tracing::info!(reason = %other, "authentication failed");
                AppError::unauthenticated(Cow::Borrowed(other.public_message()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn token_failures_share_one_public_message() {
        let reasons = [
            AuthError::MissingHeader,
            AuthError::AlgNone,
            AuthError::Expired,
            AuthError::BadSignature,
            AuthError::UnknownKid("k".into()),
        ];
        for reason in reasons {
            let err = AppError::from(reason);
            assert_eq!(err.code(), ErrorCode::AuthenticationError);
            assert_eq!(err.public_message(), "Missing or invalid access token");
        }
    }

    #[test]
    fn key_problems_are_internal() {
        let err = AppError::from(AuthError::Key {
            kid: "k".into(),
            message: "bad pem".into(),
        });
        assert_eq!(err.code(), ErrorCode::InternalError);
    }
}
