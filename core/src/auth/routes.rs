//! The built-in auth endpoints, mounted under `/api/v1/auth`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};

use super::password::{hash_password, password_problem, verify_dummy, verify_password};
use super::sql::is_unique_violation;
use super::users::{self, User, UserRow};
use super::{AuthError, AuthUser, refresh};
use crate::{AppError, AppState, Created, FieldError, Item, Json, NoContent};

/// The longest accepted email, in characters (RFC 5321 path limit).
const MAX_EMAIL_CHARS: usize = 254;
/// The longest accepted display name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The auth routes, relative to the API root (merge with [`App::api`](crate::App::api),
/// or use [`App::with_auth`](crate::App::with_auth), which also runs the auth
/// migrations):
///
/// | route | body | answer |
/// |---|---|---|
/// | `POST /auth/register` | `{email, password, name}` | 201 [`Session`] |
/// | `POST /auth/login` | `{email, password}` | 200 [`Session`] |
/// | `POST /auth/refresh` | `{refreshToken}` | 200 [`Session`] (a new pair) |
/// | `POST /auth/logout` | `{refreshToken}` | 204 |
/// | `GET /auth/me` | — (Bearer token) | 200 [`User`] |
pub fn routes() -> Router<AppState> {
    router(None)
}

/// [`routes`] with `login_limit` applied to `POST /auth/login` only.
pub(crate) fn router(login_limit: Option<crate::rate_limit::RateLimitLayer>) -> Router<AppState> {
    let login_route = Router::new().route("/auth/login", post(login));
    let login_route = match login_limit {
        Some(limit) => login_route.route_layer(limit),
        None => login_route,
    };
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/refresh", post(refresh_session))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/users/{id}", patch(change_role))
        .merge(login_route)
}

crate::permission!(
    /// `users:update`, needed to change a role.
    pub UsersUpdate = "users", "update"
);

/// `PATCH /users/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleChange {
    /// A role the policy defines.
    pub role: String,
}

/// `PATCH /api/v1/users/{id}` `{"role": "teacher"}`: needs `users:update` on
/// every user (a scoped grant such as `users:update:own` is 403: it would let
/// a user promote itself); a role the policy does not know is 422; an unknown
/// user 404.
async fn change_role(
    State(state): State<AppState>,
    caller: crate::rbac::RequirePermission<UsersUpdate>,
    crate::Path(id): crate::Path<uuid::Uuid>,
    crate::Json(change): crate::Json<RoleChange>,
) -> Result<Item<User>, AppError> {
    if caller.grant != crate::rbac::Grant::All {
        return Err(AppError::forbidden(
            "Changing roles needs users:update on every user, not a scoped grant",
        ));
    }
    if !state.policy().has_role(&change.role) {
        return Err(AppError::validation([crate::FieldError::new(
            "role",
            "unknown_role",
            format!("must be one of: {}", state.policy().roles().join(", ")),
        )]));
    }
    let user = users::set_role(state.db(), id, &change.role)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Item(user.into()))
}

/// `POST /auth/register` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The login email (stored lowercased; unique case-insensitively).
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    /// The display name.
    pub name: String,
}

/// `POST /auth/login` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// The login email (case-insensitive).
    pub email: String,
    /// The password.
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// A refresh token from register, login or a previous refresh.
    pub refresh_token: String,
}

/// What register, login and refresh answer with (in the envelope's `data`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The signed-in user.
    pub user: User,
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// An opaque single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
}

async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterRequest>,
) -> Result<Created<Session>, AppError> {
    let email = users::normalize_email(&body.email);
    let name = body.name.trim();
    let problems: Vec<FieldError> = [
        email_problem(&email),
        password_problem(&body.password),
        name_problem(name),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !problems.is_empty() {
        return Err(AppError::validation(problems));
    }
    let hash = hash_password(body.password).await?;
    let role = state.auth().default_role().to_owned();
    let user = users::insert(state.db(), &email, hash, name, &role)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                AppError::Conflict {
                    message: "A user with this email already exists".into(),
                    details: vec![FieldError::new("email", "unique", "is already taken")],
                }
            } else {
                AppError::from(err)
            }
        })?;
    let location = format!("/api/v1/users/{}", user.id);
    Ok(Created::new(location, session(&state, user).await?))
}

async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<Item<Session>, AppError> {
    let Some(user) = users::find_by_email(state.db(), &body.email).await? else {
        verify_dummy(body.password).await;
        return Err(AuthError::InvalidCredentials.into());
    };
    if !verify_password(body.password, user.password_hash.clone()).await? {
        return Err(AuthError::InvalidCredentials.into());
    }
    Ok(Item(session(&state, user).await?))
}

async fn refresh_session(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Item<Session>, AppError> {
    let auth = state.auth();
    let (user_id, refresh_token) =
        refresh::rotate(state.db(), &body.refresh_token, auth.refresh_ttl()).await?;
    let user = users::find_by_id(state.db(), user_id)
        .await?
        .ok_or(AuthError::RefreshInvalid)?;
    let access = auth.issue(&auth_user(&user))?;
    Ok(Item(Session {
        user: user.into(),
        access_token: access.token,
        refresh_token,
        expires_in: access.expires_in,
    }))
}

async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<NoContent, AppError> {
    refresh::revoke(state.db(), &body.refresh_token).await?;
    Ok(NoContent)
}

async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Item<User>, AppError> {
    let user = users::find_by_id(state.db(), caller.id)
        .await?
        .ok_or(AuthError::UnknownUser)?;
    Ok(Item(user.into()))
}

/// A new access token and a new refresh-token family for `user`.
async fn session(state: &AppState, user: UserRow) -> Result<Session, AuthError> {
    let auth = state.auth();
    let access = auth.issue(&auth_user(&user))?;
    let refresh_token = refresh::issue(state.db(), user.id, auth.refresh_ttl()).await?;
    Ok(Session {
        user: user.into(),
        access_token: access.token,
        refresh_token,
        expires_in: access.expires_in,
    })
}

fn auth_user(user: &UserRow) -> AuthUser {
    AuthUser {
        id: user.id,
        email: user.email.clone(),
        role: user.role.clone(),
    }
}

fn email_problem(email: &str) -> Option<FieldError> {
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        Some(FieldError::new(
            "email",
            "email",
            "must be an email address",
        ))
    } else if email.chars().count() > MAX_EMAIL_CHARS {
        Some(FieldError::new(
            "email",
            "length",
            format!("must be at most {MAX_EMAIL_CHARS} characters"),
        ))
    } else {
        None
    }
}

fn name_problem(name: &str) -> Option<FieldError> {
    if name.is_empty() {
        Some(FieldError::new("name", "required", "must not be empty"))
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(FieldError::new(
            "name",
            "length",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_one_at_and_both_parts() {
        assert!(email_problem("a@b.example").is_none());
        for bad in ["", "a", "@b", "a@", "a@b@c", "a b@c"] {
            assert_eq!(email_problem(bad).unwrap().field, "email", "{bad}");
        }
        assert!(name_problem("").is_some());
        assert!(name_problem("Ada").is_none());
    }
}
