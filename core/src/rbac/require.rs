use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;

use super::Grant;
use crate::AppError;
use crate::app::AppState;
use crate::auth::AuthUser;

/// A permission named at the type level, for [`RequirePermission`].
///
/// Declared with [`permission!`](crate::permission):
/// `strata::permission!(pub UsersUpdate = "users", "update");`
pub trait PermissionSpec: Send + Sync + 'static {
    /// The resource part, e.g. `"users"`.
    const RESOURCE: &'static str;
    /// The action part, e.g. `"update"`.
    const ACTION: &'static str;
}

/// Declares a [`PermissionSpec`] type.
///
/// ```
/// strata::permission!(pub AssignmentsRead = "assignments", "read");
/// use strata::rbac::PermissionSpec;
/// assert_eq!(AssignmentsRead::RESOURCE, "assignments");
/// ```
#[macro_export]
macro_rules! permission {
    ($(#[$meta:meta])* $vis:vis $name:ident = $resource:literal, $action:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;
        impl $crate::rbac::PermissionSpec for $name {
            const RESOURCE: &'static str = $resource;
            const ACTION: &'static str = $action;
        }
    };
}

/// Extractor for hand-written routes: the caller is authenticated (else 401) and
/// holds `P` (else 403 `FORBIDDEN`). `grant` says whether the permission is
/// limited to a scope (`own`, …), which the handler must then apply.
///
/// ```ignore
/// strata::permission!(UsersUpdate = "users", "update");
/// async fn handler(RequirePermission { user, .. }: RequirePermission<UsersUpdate>) { … }
/// ```
#[derive(Debug)]
pub struct RequirePermission<P> {
    /// The authenticated caller.
    pub user: AuthUser,
    /// `All` or `Scoped(scope)`; never `Denied`.
    pub grant: Grant,
    permission: PhantomData<fn() -> P>,
}

impl<P, S> FromRequestParts<S> for RequirePermission<P>
where
    P: PermissionSpec,
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let app = AppState::from_ref(state);
        match app.policy().grant(&user.role, P::RESOURCE, P::ACTION) {
            Grant::Denied => Err(AppError::forbidden(format!(
                "Missing permission {}:{}",
                P::RESOURCE,
                P::ACTION
            ))),
            grant => Ok(Self {
                user,
                grant,
                permission: PhantomData,
            }),
        }
    }
}
