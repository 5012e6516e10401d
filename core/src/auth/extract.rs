//! Extractors giving handlers the caller: [`AuthUser`] and [`MaybeUser`].

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use http::{HeaderMap, header};
use serde::Serialize;
use uuid::Uuid;

use super::AuthError;
use crate::{AppError, AppState};

/// The authenticated caller, from a valid `Authorization: Bearer <jwt>`.
///
/// Any failure (no header, another scheme, a malformed, expired, forged or
/// foreign token) rejects with the 401 envelope and `WWW-Authenticate: Bearer`;
/// the precise reason is logged.
///
/// ```
/// use strata::Item;
/// use strata::auth::AuthUser;
///
/// async fn whoami(user: AuthUser) -> Item<String> {
///     Item(user.email)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthUser {
    /// The user id (the token's `sub`).
    pub id: Uuid,
    /// The user's email.
    pub email: String,
    /// The user's role.
    pub role: String,
}

/// The caller if a token was sent, `None` for anonymous requests.
///
/// No `Authorization` header gives `MaybeUser(None)`; a header that is present
/// but invalid is still a 401 (a broken token is never silently anonymous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeUser(pub Option<AuthUser>);

/// The token of a `Bearer` `Authorization` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::MissingHeader)?;
    let value = value
        .to_str()
        .map_err(|_| AuthError::Malformed("Authorization header is not ASCII".into()))?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed("empty bearer token".into()));
    }
    Ok(token)
}

impl<S> FromRequestParts<S> for AuthUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Already verified by `identify` (mounted with rate limits keyed by user).
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        let state = AppState::from_ref(state);
        let token = bearer_token(&parts.headers)?;
        Ok(state.auth().authenticate(token)?)
    }
}

impl<S> FromRequestParts<S> for MaybeUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|user| Self(Some(user)))
    }
}

/// Middleware that identifies the caller without rejecting anyone: a valid bearer
/// token puts its [`AuthUser`] and a [`UserKey`](crate::rate_limit::UserKey) into
/// the request extensions, so per-user rate limits can key on it and the
/// [`AuthUser`] extractor need not verify the token twice. Missing or invalid
/// tokens pass through untouched; the extractor still answers them with 401.
pub async fn identify(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    identify_request(&state, &mut request);
    next.run(request).await
}

/// What [`identify`] does to a request, without running the rest.
fn identify_request<B>(state: &AppState, request: &mut http::Request<B>) {
    if let Ok(token) = bearer_token(request.headers())
        && let Ok(user) = state.auth().authenticate(token)
    {
        let key = crate::rate_limit::UserKey::new(user.id.to_string());
        request.extensions_mut().insert(key);
        request.extensions_mut().insert(user);
    }
}

/// [`identify`] as a tower layer: the token is verified synchronously, so the
/// inner service is called directly, without boxing or cloning it.
#[derive(Debug, Clone)]
pub struct IdentifyLayer {
    state: AppState,
}

impl IdentifyLayer {
    /// Identifies callers against `state`'s authenticator.
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S> tower::Layer<S> for IdentifyLayer {
    type Service = Identify<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Identify {
            inner,
            state: self.state.clone(),
        }
    }
}

/// The service made by [`IdentifyLayer`].
#[derive(Debug, Clone)]
pub struct Identify<S> {
    inner: S,
    state: AppState,
}

impl<S, B> tower::Service<http::Request<B>> for Identify<S>
where
    S: tower::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        identify_request(&self.state, &mut request);
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        assert_eq!(bearer_token(&headers("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(&headers("bearer abc")).unwrap(), "abc");
        assert!(matches!(
            bearer_token(&HeaderMap::new()),
            Err(AuthError::MissingHeader)
        ));
        assert!(matches!(
            bearer_token(&headers("Basic dXNlcjpwdw==")),
            Err(AuthError::NotBearer)
        ));
        assert!(matches!(
            bearer_token(&headers("Bearer   ")),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(&headers("Bearer")),
            Err(AuthError::NotBearer)
        ));
    }
}
