//! Authentication: JWT access tokens, rotating refresh tokens, argon2id
//! passwords, extractors and the built-in `/api/v1/auth/*` routes (SPEC §5).
//!
//! ```no_run
//! use strata::{App, Config, Item};
//! use strata::auth::{AuthUser, MaybeUser};
//! use strata::axum::{Router, routing::get};
//!
//! async fn mine(user: AuthUser) -> Item<String> { Item(user.role) }
//! async fn hello(MaybeUser(user): MaybeUser) -> Item<bool> { Item(user.is_some()) }
//!
//! # async fn run() -> Result<(), strata::StartupError> {
//! let api = Router::new().route("/mine", get(mine)).route("/hello", get(hello));
//! App::new(Config::load()?).with_auth().api(api).serve().await
//! # }
//! ```
//!
//! # Design
//!
//! - **Access tokens** are JWTs with `iss`, `aud`, `exp`, `iat`, `nbf`, `jti`,
//!   `sub` (user id), `role` and `email` (so [`AuthUser`] needs no database
//!   round trip); default lifetime 15 minutes (`auth.access_ttl_secs`). `exp`
//!   and `nbf` get 30 s of clock-skew leeway.
//! - **Keys**: by default one HS256 key from `auth.jwt_secret` (kid
//!   `hs256-<12 hex of its SHA-256>`); without a secret in development/tests a
//!   random one is generated and a warning logged once. [`App::key_ring`](crate::App::key_ring)
//!   installs a [`KeyRing`] of HS256, RS256 and EdDSA keys instead. Each
//!   [`JwtKey`] is pinned to one algorithm: a token whose header `alg` differs
//!   (HS/RS confusion), `alg: none`, or an unknown `kid` is rejected before any
//!   signature check. A token without `kid` is checked against the active key.
//! - **Failures** are [`AuthError`] variants, each logged with its reason; the
//!   client always gets the same 401 `AUTHENTICATION_ERROR` with
//!   `WWW-Authenticate: Bearer`.
//! - **Passwords** are argon2id (crate defaults: 19 MiB, 2 passes), hashed and
//!   verified on the blocking pool; 10–1024 characters. Login answers the same
//!   401 for an unknown email and a wrong password, and verifies against a dummy
//!   hash for unknown emails so timing does not tell them apart.
//! - **Refresh tokens** are 32 OS-random bytes, base64url; only their SHA-256
//!   is stored. Each login/registration starts a *family*. A refresh consumes
//!   the presented token (`used_at`, atomically) and issues the next one of the
//!   family with a fresh `auth.refresh_ttl_secs` lifetime. Presenting a consumed
//!   token revokes every token of its family (`revoked_at`) and answers 401;
//!   logout revokes the presented token's family (unknown tokens: still 204).
//!   Refresh answers the same [`Session`] shape as login (user included), with
//!   the user's current role.
//! - **Users**: emails are stored lowercased and unique case-insensitively;
//!   ids are UUIDv7 (BLOB on SQLite, `UUID` on PostgreSQL). Registration gives
//!   `auth.default_role` (`student`). A duplicate email is 409 with a `email`
//!   detail; the `Location` of a registration is `/api/v1/users/{id}`.
//! - **Schema**: framework migrations embedded in this crate
//!   (`core/migrations/{sqlite,postgres}`), versions ≥ 9 000 000 000 000 000 000
//!   reserved for Strata (see [`migrations`]); [`App::with_auth`](crate::App::with_auth)
//!   runs them before the app's migrations, then ensures the bootstrap admin
//!   (`ADMIN_EMAIL`/`ADMIN_PASSWORD`, see [`ensure_admin`]).
//!
//! Not here: permissions (RBAC), `PATCH /api/v1/users/{id}`, rate limiting.

mod authenticator;
mod error;
mod extract;
mod keys;
mod password;
mod refresh;
mod routes;
mod sql;
mod startup;
mod users;

pub use authenticator::{AccessToken, Authenticator, Claims};
pub use error::AuthError;
pub use extract::{AuthUser, Identify, IdentifyLayer, MaybeUser, identify};
pub use keys::{JwtKey, KeyRing};
pub(crate) use password::warm_up;
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, hash_password, password_problem, verify_password,
};
pub(crate) use routes::router;
pub use routes::{LoginRequest, RefreshRequest, RegisterRequest, RoleChange, Session, routes};
pub use startup::{ADMIN_ROLE, ensure_admin, migrations};
pub use users::User;

/// Re-exported so key-ring users name algorithms with Strata's jsonwebtoken version.
pub use jsonwebtoken::Algorithm;
