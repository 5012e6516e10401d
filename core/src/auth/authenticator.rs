//! Issuing and verifying access tokens.

use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{AuthError, AuthUser, JwtKey, KeyRing};
use crate::config::{AuthConfig, Environment};

/// Tolerated clock skew, in seconds, for `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// The claims of a Strata access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer (`auth.issuer`).
    pub iss: String,
    /// Audience (`auth.audience`).
    pub aud: String,
    /// Subject: the user id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Not before, seconds since the epoch.
    pub nbf: u64,
    /// Unique token id.
    pub jti: String,
    /// The user's role.
    pub role: String,
    /// The user's email (so extractors need no database round trip).
    pub email: String,
}

/// A freshly signed access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The compact JWT.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Signs and verifies access tokens; built once from [`AuthConfig`] and shared
/// through [`AppState::auth`](crate::AppState::auth).
#[derive(Debug, Clone)]
pub struct Authenticator {
    ring: KeyRing,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
    default_role: String,
}

impl Authenticator {
    /// An authenticator for `config` signing with `ring`.
    pub fn new(config: &AuthConfig, ring: KeyRing) -> Self {
        Self {
            ring,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: Duration::from_secs(config.access_ttl_secs),
            refresh_ttl: Duration::from_secs(config.refresh_ttl_secs),
            default_role: config.default_role.clone(),
        }
    }

    /// An authenticator signing HS256 with `auth.jwt_secret`.
    ///
    /// Without a secret a random one is generated (and a warning logged once):
    /// tokens then die with the process and are not shared between instances.
    /// Production configuration validation requires the secret, so this only
    /// happens in development and tests.
    pub fn from_config(config: &AuthConfig, env: Environment) -> Self {
        let secret = match &config.jwt_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => {
                static WARNED: Once = Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        env = env.as_str(),
                        "no JWT_SECRET (auth.jwt_secret): signing access tokens with a random per-process secret"
                    );
                });
                random_secret()
            }
        };
        let kid = format!("hs256-{}", &hex(&Sha256::digest(&secret))[..12]);
        Self::new(config, KeyRing::new(JwtKey::hs256(kid, &secret)))
    }

    /// The key ring.
    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Access-token lifetime.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Refresh-token lifetime.
    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    /// The role new registrations get.
    pub fn default_role(&self) -> &str {
        &self.default_role
    }

    /// Signs an access token for `user` with the active key.
    pub fn issue(&self, user: &AuthUser) -> Result<AccessToken, AuthError> {
        let key = self.ring.active();
        let encoding = key.encoding().ok_or_else(|| AuthError::Key {
            kid: key.kid().to_owned(),
            message: "the active key has no private part and cannot sign".into(),
        })?;
        let now = now_secs();
        let ttl = self.access_ttl.as_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.id.to_string(),
            exp: now + ttl,
            iat: now,
            nbf: now,
            jti: Uuid::new_v4().to_string(),
            role: user.role.clone(),
            email: user.email.clone(),
        };
        let mut header = Header::new(key.algorithm());
        header.kid = Some(key.kid().to_owned());
        let token = jsonwebtoken::encode(&header, &claims, encoding)
            .map_err(|e| AuthError::Internal(format!("signing failed: {e}")))?;
        Ok(AccessToken {
            token,
            expires_in: ttl,
        })
    }

    /// Verifies `token` (signature with the key its `kid` names, the key's pinned
    /// algorithm, `exp`, `nbf`, `iss`, `aud`) and returns its claims.
    ///
    /// A token without `kid` is checked against the active key.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        if header_alg(token)?.eq_ignore_ascii_case("none") {
            return Err(AuthError::AlgNone);
        }
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Malformed(e.to_string()))?;
        let key = match &header.kid {
            Some(kid) => self
                .ring
                .get(kid)
                .ok_or_else(|| AuthError::UnknownKid(kid.clone()))?,
            None => self.ring.active(),
        };
        if header.alg != key.algorithm() {
            return Err(AuthError::AlgorithmMismatch {
                token: format!("{:?}", header.alg),
                key: format!("{:?}", key.algorithm()),
            });
        }
        let validation = self.validation(key.algorithm());
        jsonwebtoken::decode::<Claims>(token, key.decoding(), &validation)
            .map(|data| data.claims)
            .map_err(from_jwt_error)
    }

    /// Verifies `token` and turns its claims into the user they describe.
    pub fn authenticate(&self, token: &str) -> Result<AuthUser, AuthError> {
        let claims = self.verify(token)?;
        let id = Uuid::parse_str(&claims.sub)
            .map_err(|_| AuthError::Malformed("sub is not a UUID".into()))?;
        Ok(AuthUser {
            id,
            email: claims.email,
            role: claims.role,
        })
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        validation
    }
}

/// The `alg` of a compact JWT's header, read without trusting anything else.
fn header_alg(token: &str) -> Result<String, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed("not three dot-separated parts".into()));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed("header is not base64url".into()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Malformed("header is not JSON".into()))?;
    value
        .get("alg")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| AuthError::Malformed("header has no alg".into()))
}

fn from_jwt_error(err: jsonwebtoken::errors::Error) -> AuthError {
    match err.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidAlgorithm => AuthError::AlgorithmMismatch {
            token: "?".into(),
            key: "?".into(),
        },
        _ => AuthError::Malformed(err.to_string()),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 32 random bytes from the OS, base64url-encoded.
fn random_secret() -> Vec<u8> {
    super::refresh::random_token().into_bytes()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticator() -> Authenticator {
        let config = AuthConfig {
            jwt_secret: Some("a-test-secret-that-is-32-bytes-long!".into()),
            ..AuthConfig::default()
        };
        Authenticator::from_config(&config, Environment::Test)
    }

    fn user() -> AuthUser {
        AuthUser {
            id: Uuid::new_v4(),
            email: "a@example.com".into(),
            role: "student".into(),
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_user() {
        let auth = authenticator();
        let user = user();
        let token = auth.issue(&user).unwrap();
        assert_eq!(token.expires_in, 900);
        assert_eq!(auth.authenticate(&token.token).unwrap(), user);
        let claims = auth.verify(&token.token).unwrap();
        assert_eq!(claims.iss, "strata");
        assert_eq!(claims.aud, "strata-api");
        assert_eq!(claims.exp, claims.iat + 900);
    }

    #[test]
    fn tampered_and_garbage_tokens_are_rejected() {
        let auth = authenticator();
        let token = auth.issue(&user()).unwrap().token;
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(auth.verify(&tampered).is_err());
        assert!(matches!(auth.verify("abc"), Err(AuthError::Malformed(_))));
        assert!(matches!(
            auth.verify("a.b.c.d"),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn a_secretless_config_still_signs() {
        let auth = Authenticator::from_config(&AuthConfig::default(), Environment::Development);
        let token = auth.issue(&user()).unwrap().token;
        assert!(auth.verify(&token).is_ok());
    }
}
