use futures_util::future::BoxFuture;

use super::{Entity, Page};
use crate::AppError;
use crate::db::Exec;
use crate::query::{Filter, ListQuery, Value};

/// Typed data access for one entity (SPEC §8).
///
/// Every method takes an executor (`&db` or `&mut tx`) and returns a boxed
/// `Send` future, so generic code (handlers over any `R: Repository<T>`,
/// decorators) can be spawned and served by axum without higher-ranked
/// lifetime trouble. Errors are already
/// [`AppError`]s: a missing row is `NotFound`, a stale `expected_version`
/// `PreconditionFailed`, a unique violation `Conflict` naming the field.
pub trait Repository<T: Entity>: Send + Sync {
    /// The row with this id, unless it is missing or soft-deleted.
    fn find_by_id<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<Option<T>, AppError>>;

    /// One page of rows matching `query` (filters, search, sort, pagination).
    fn list<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<T>, AppError>>;

    /// Inserts `entity` (timestamps and version set by the repository) and
    /// returns the stored row.
    fn create<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        entity: &'a T,
    ) -> BoxFuture<'a, Result<T, AppError>>;

    /// Replaces every writable column of row `id` with `entity`'s values.
    /// With `expected_version`, fails with 412 when the row has moved on.
    fn update<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        entity: &'a T,
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<T, AppError>>;

    /// Writes only the given `(column, value)` pairs (`Value::Null` clears a column).
    fn patch<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        changes: &'a [(&'static str, Value)],
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<T, AppError>>;

    /// Deletes row `id` (soft when the entity has `deleted_at`).
    fn delete<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<(), AppError>>;

    /// How many visible rows match every filter.
    fn count<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        filters: &'a [Filter],
    ) -> BoxFuture<'a, Result<u64, AppError>>;

    /// Whether a visible row with this id exists.
    fn exists<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<bool, AppError>>;
}
