use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::Grant;
use crate::AppError;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::query::{FieldMeta, Filter, FilterOp, QuerySpec, Value};

/// What a scope is asked to restrict: who is asking, for which resource.
#[derive(Debug, Clone, Copy)]
pub struct ScopeRequest<'a> {
    /// The application state (database, config, extensions).
    pub state: &'a AppState,
    /// The authenticated caller.
    pub user: &'a AuthUser,
    /// The resource part of the permission (`assignments`).
    pub resource: &'a str,
    /// The resource's fields.
    pub spec: &'static QuerySpec,
    /// The owner column, when the resource has one.
    pub owner: Option<&'static FieldMeta>,
}

/// Turns a user into row filters for a scoped permission (`resource:action:scope`).
///
/// `own` is built in; register others with [`App::scope`](crate::App::scope). A
/// guardian's `child` scope, say, loads the students linked to the caller and
/// answers `studentId IN (…)`.
pub trait Scope: Send + Sync + 'static {
    /// The filters every row the caller may touch must match.
    fn filters<'a>(
        &'a self,
        request: ScopeRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Filter>, AppError>>;
}

/// The built-in `own` scope: the owner column equals the caller's id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Own;

impl Scope for Own {
    fn filters<'a>(
        &'a self,
        request: ScopeRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Filter>, AppError>> {
        Box::pin(async move {
            let owner = request.owner.ok_or_else(|| {
                AppError::internal(format!(
                    "resource `{}` has an `own` permission but no owner column",
                    request.resource
                ))
            })?;
            Ok(vec![owner_filter(owner, request.user)?])
        })
    }
}

/// `owner = user.id`, typed by the owner column.
pub fn owner_filter(owner: &'static FieldMeta, user: &AuthUser) -> Result<Filter, AppError> {
    let value = Value::parse(&user.id.to_string(), owner.ty).map_err(AppError::internal)?;
    Ok(Filter {
        field: owner,
        op: FilterOp::Eq,
        values: vec![value],
    })
}

/// The scopes an app registered, by name; `own` is always present.
#[derive(Clone)]
pub struct Scopes {
    by_name: HashMap<Box<str>, Arc<dyn Scope>>,
}

impl std::fmt::Debug for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.by_name.keys().collect();
        names.sort();
        f.debug_struct("Scopes").field("names", &names).finish()
    }
}

impl Default for Scopes {
    fn default() -> Self {
        let mut by_name: HashMap<Box<str>, Arc<dyn Scope>> = HashMap::new();
        by_name.insert("own".into(), Arc::new(Own));
        Self { by_name }
    }
}

impl Scopes {
    /// Registers (or replaces) the scope called `name`.
    pub fn insert(&mut self, name: &str, scope: Arc<dyn Scope>) {
        self.by_name.insert(name.into(), scope);
    }

    /// Whether a scope called `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The row filters `grant` imposes: `None` for every row (`All`), the scope's
    /// filters for `Scoped`, 403 for `Denied`.
    pub async fn filters(
        &self,
        grant: &Grant,
        request: ScopeRequest<'_>,
    ) -> Result<Option<Vec<Filter>>, AppError> {
        match grant {
            Grant::All => Ok(None),
            Grant::Denied => Err(AppError::forbidden("Permission denied")),
            Grant::Scoped(name) => match self.by_name.get(&**name) {
                Some(scope) => scope.filters(request).await.map(Some),
                None => Err(AppError::internal(format!(
                    "no scope named `{name}` is registered"
                ))),
            },
        }
    }
}
