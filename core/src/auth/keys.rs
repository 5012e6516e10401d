//! Signing keys and the key ring: each key has a `kid` and one pinned algorithm.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::AuthError;

/// One key of a [`KeyRing`]: an id, the one algorithm it may be used with, a
/// verifying key, and (for the key that signs) a signing key.
///
/// Public keys are given as PEM (`-----BEGIN PUBLIC KEY-----`); private keys as
/// PKCS#8 (RS256 also accepts PKCS#1) PEM.
#[derive(Clone)]
pub struct JwtKey {
    kid: String,
    algorithm: Algorithm,
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("can_sign", &self.encoding.is_some())
            .finish_non_exhaustive()
    }
}

impl JwtKey {
    /// An HS256 key from a shared secret (signs and verifies).
    pub fn hs256(kid: impl Into<String>, secret: &[u8]) -> Self {
        Self {
            kid: kid.into(),
            algorithm: Algorithm::HS256,
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// An RS256 key pair from PEM (signs and verifies).
    pub fn rs256(
        kid: impl Into<String>,
        private_pem: &[u8],
        public_pem: &[u8],
    ) -> Result<Self, AuthError> {
        let kid = kid.into();
        let encoding = EncodingKey::from_rsa_pem(private_pem).map_err(|e| key_error(&kid, e))?;
        let mut key = Self::rs256_public(kid, public_pem)?;
        key.encoding = Some(encoding);
        Ok(key)
    }

    /// An RS256 public key from PEM (verifies only: a retired or third-party key).
    pub fn rs256_public(kid: impl Into<String>, public_pem: &[u8]) -> Result<Self, AuthError> {
        let kid = kid.into();
        let decoding = DecodingKey::from_rsa_pem(public_pem).map_err(|e| key_error(&kid, e))?;
        Ok(Self {
            kid,
            algorithm: Algorithm::RS256,
            encoding: None,
            decoding,
        })
    }

    /// An Ed25519 (EdDSA) key pair from PEM (signs and verifies).
    pub fn eddsa(
        kid: impl Into<String>,
        private_pem: &[u8],
        public_pem: &[u8],
    ) -> Result<Self, AuthError> {
        let kid = kid.into();
        let encoding = EncodingKey::from_ed_pem(private_pem).map_err(|e| key_error(&kid, e))?;
        let mut key = Self::eddsa_public(kid, public_pem)?;
        key.encoding = Some(encoding);
        Ok(key)
    }

    /// An Ed25519 (EdDSA) public key from PEM (verifies only).
    pub fn eddsa_public(kid: impl Into<String>, public_pem: &[u8]) -> Result<Self, AuthError> {
        let kid = kid.into();
        let decoding = DecodingKey::from_ed_pem(public_pem).map_err(|e| key_error(&kid, e))?;
        Ok(Self {
            kid,
            algorithm: Algorithm::EdDSA,
            encoding: None,
            decoding,
        })
    }

    /// The key id put in and looked up from the token header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm this key accepts.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether this key holds a private/secret part and can sign.
    pub fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    pub(crate) fn encoding(&self) -> Option<&EncodingKey> {
        self.encoding.as_ref()
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

fn key_error(kid: &str, err: jsonwebtoken::errors::Error) -> AuthError {
    AuthError::Key {
        kid: kid.to_owned(),
        message: err.to_string(),
    }
}

/// The keys an app signs and verifies access tokens with.
///
/// One key signs (the *active* key, whose `kid` goes in every new token); every
/// key verifies tokens naming its `kid`. Rotation: add the new key, make it
/// active, keep the old one (verify-only is enough) until its tokens expired.
///
/// ```
/// use strata::auth::{JwtKey, KeyRing};
///
/// let ring = KeyRing::new(JwtKey::hs256("2026-02", b"a-new-secret-of-at-least-32-bytes!"))
///     .with(JwtKey::hs256("2026-01", b"the-old-secret-of-at-least-32-bytes"));
/// assert_eq!(ring.active().kid(), "2026-02");
/// ```
#[derive(Debug, Clone)]
pub struct KeyRing {
    keys: Vec<JwtKey>,
}

impl KeyRing {
    /// A ring whose active (signing) key is `active`.
    ///
    /// A verify-only `active` key makes [`Authenticator::issue`](super::Authenticator::issue)
    /// fail; give the active key its private part.
    pub fn new(active: JwtKey) -> Self {
        Self { keys: vec![active] }
    }

    /// Adds a key that verifies (and is never used to sign). A key with the
    /// same `kid` as an existing one replaces it.
    pub fn with(mut self, key: JwtKey) -> Self {
        match self.keys.iter().position(|k| k.kid == key.kid) {
            Some(i) => self.keys[i] = key,
            None => self.keys.push(key),
        }
        self
    }

    /// The signing key.
    pub fn active(&self) -> &JwtKey {
        &self.keys[0]
    }

    /// The key with id `kid`, if any.
    pub fn get(&self, kid: &str) -> Option<&JwtKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Every key, the active one first.
    pub fn keys(&self) -> &[JwtKey] {
        &self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_key_signs_and_lookups_use_kid() {
        let ring = KeyRing::new(JwtKey::hs256("new", b"n")).with(JwtKey::hs256("old", b"o"));
        assert_eq!(ring.active().kid(), "new");
        assert_eq!(
            ring.get("old").map(JwtKey::algorithm),
            Some(Algorithm::HS256)
        );
        assert!(ring.get("other").is_none());
        assert_eq!(ring.keys().len(), 2);
    }

    #[test]
    fn bad_pem_is_a_key_error() {
        let err = JwtKey::rs256_public("k", b"not a pem").unwrap_err();
        assert!(matches!(err, AuthError::Key { .. }), "{err}");
    }
}
