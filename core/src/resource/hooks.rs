use futures_util::future::BoxFuture;

use super::Resource;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::query::Filter;
use crate::{AppError, FieldError};

/// What a hook knows about the request.
#[derive(Debug, Clone, Copy)]
pub struct HookContext<'a> {
    /// The application state (database, config, extensions).
    pub state: &'a AppState,
    /// The authenticated caller.
    pub user: &'a AuthUser,
}

impl HookContext<'_> {
    /// A row of resource `P` as the caller may read it: `None` when it does
    /// not exist, lies outside the caller's read scope, or the caller may not
    /// read `P` at all. Hooks check references with it (a subtask's
    /// assignment), so a row the caller cannot see answers exactly like a
    /// missing one and its existence never leaks.
    pub async fn find_readable<P: Resource>(&self, id: &P::Id) -> Result<Option<P>, AppError> {
        let scope = match super::read_access::<P>(self.state, self.user).await {
            Ok(scope) => scope,
            Err(AppError::Forbidden(_)) => return Ok(None),
            Err(err) => return Err(err),
        };
        let repo = self.state.repository::<P>();
        repo.find_where(self.state.db(), id, &scope).await
    }
}

/// Business rules around a resource's writes — the seeds' service layer.
///
/// Every method has a default that does nothing; implement the ones you need.
/// A `before_*` hook that returns an error stops the write (return
/// `AppError::validation(…)` for a 422 naming the field).
///
/// ```
/// use futures_util::future::BoxFuture;
/// use strata::resource::{HookContext, Hooks};
/// use strata::{AppError, FieldError};
/// # #[derive(Clone, serde::Serialize, serde::Deserialize, strata::sqlx::FromRow)] struct Essay { id: i64, words: i64 }
/// # static F: [strata::query::FieldMeta; 1] = [strata::query::FieldMeta::new("id", "id", strata::query::FieldType::Int)];
/// # static S: strata::query::QuerySpec = strata::query::QuerySpec::new(&F, &F[0]);
/// # impl strata::repo::Entity for Essay { const TABLE: &'static str = "e"; const SPEC: &'static strata::query::QuerySpec = &S; type Id = i64; fn values(&self) -> Vec<(&'static str, strata::query::Value)> { vec![] } }
/// # #[derive(serde::Deserialize, validator::Validate)] struct B {}
/// # impl strata::resource::Resource for Essay { const PATH: &'static str = "e"; const PERMISSION: &'static str = "e"; const OWNER: Option<&'static strata::query::FieldMeta> = None; const PARENTS: &'static [strata::resource::Parent] = &[]; const RATE_LIMIT: Option<&'static str> = None; type Create = B; type Replace = B; type Patch = B; type Hooks = EssayRules; fn id(&self) -> &i64 { &self.id } fn version(&self) -> Option<i64> { None } fn from_create(_: B, _: &strata::resource::WriteContext<'_>) -> Result<Self, AppError> { Ok(Essay { id: 0, words: 0 }) } fn replace(&mut self, _: B) {} fn patch(&mut self, _: B) {} }
///
/// #[derive(Default)]
/// struct EssayRules;
///
/// impl Hooks<Essay> for EssayRules {
///     fn before_create<'a>(&'a self, _: HookContext<'a>, essay: &'a mut Essay) -> BoxFuture<'a, Result<(), AppError>> {
///         Box::pin(async move {
///             if essay.words > 5000 {
///                 return Err(AppError::validation([FieldError::new("words", "max", "at most 5000 words")]));
///             }
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait Hooks<R: Resource>: Default + Send + Sync + 'static {
    /// Business rules checked together with the field validations, so one
    /// 422 lists every failing field: the rule failures of `row`, the row
    /// about to be written (`current` is `None` on create, the stored row on
    /// `PUT`/`PATCH`). Runs even when field validations failed (the row then
    /// holds the rejected values), and only reads; `before_*` hooks run after
    /// it, and only when nothing failed.
    fn validate<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a R,
        current: Option<&'a R>,
    ) -> BoxFuture<'a, Result<Vec<FieldError>, AppError>> {
        let _ = (context, row, current);
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Before insert; may change the new row or refuse it.
    fn before_create<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a mut R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, row);
        Box::pin(async { Ok(()) })
    }

    /// After a successful insert.
    fn after_create<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, row);
        Box::pin(async { Ok(()) })
    }

    /// Before a `PUT` or `PATCH` is written; `next` may be changed or refused.
    fn before_update<'a>(
        &'a self,
        context: HookContext<'a>,
        current: &'a R,
        next: &'a mut R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, current, next);
        Box::pin(async { Ok(()) })
    }

    /// After a successful update.
    fn after_update<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, row);
        Box::pin(async { Ok(()) })
    }

    /// Before a delete; may refuse it.
    fn before_delete<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, row);
        Box::pin(async { Ok(()) })
    }

    /// After a successful delete.
    fn after_delete<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a R,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, row);
        Box::pin(async { Ok(()) })
    }

    /// Inside the write's transaction, after the row is written (and the
    /// caller's scope re-checked), before the audit entry and the commit.
    ///
    /// Whatever this does through `tx` commits or rolls back with the write:
    /// enqueue a job here (`jobs.enqueue_tx(tx, …)`) and a rolled-back request
    /// enqueues nothing. An error rolls the write back.
    fn in_transaction<'a>(
        &'a self,
        context: HookContext<'a>,
        tx: &'a mut Tx,
        change: Change<'a, R>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let _ = (context, tx, change);
        Box::pin(async { Ok(()) })
    }

    /// Extra row filters for every read and write of this caller, on top of the
    /// permission's scope (e.g. hide archived rows from students).
    fn scope<'a>(
        &'a self,
        context: HookContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Filter>, AppError>> {
        let _ = context;
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// A write, as [`Hooks::in_transaction`] sees it.
#[derive(Debug)]
pub enum Change<'a, R> {
    /// A row was inserted.
    Created(&'a R),
    /// A row was replaced or patched.
    Updated {
        /// The row before the write.
        before: &'a R,
        /// The row as written.
        after: &'a R,
    },
    /// A row was deleted.
    Deleted(&'a R),
}

impl<R> Clone for Change<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Change<'_, R> {}

/// Hooks that do nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl<R: Resource> Hooks<R> for NoHooks {}
