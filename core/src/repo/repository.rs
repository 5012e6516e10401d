use std::future::Future;

use super::{Entity, Page};
use crate::AppError;
use crate::db::Exec;
use crate::query::{Filter, ListQuery, Value};

/// Typed data access for one entity (SPEC §8).
///
/// Every method takes an executor (`&db` or `&mut tx`). Errors are already
/// [`AppError`]s: a missing row is `NotFound`, a stale `expected_version`
/// `PreconditionFailed`, a unique violation `Conflict` naming the field.
pub trait Repository<T: Entity>: Send + Sync {
    /// The row with this id, unless it is missing or soft-deleted.
    fn find_by_id<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
    ) -> impl Future<Output = Result<Option<T>, AppError>> + Send;

    /// One page of rows matching `query` (filters, search, sort, pagination).
    fn list<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        query: &ListQuery,
    ) -> impl Future<Output = Result<Page<T>, AppError>> + Send;

    /// Inserts `entity` (timestamps and version set by the repository) and
    /// returns the stored row.
    fn create<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        entity: &T,
    ) -> impl Future<Output = Result<T, AppError>> + Send;

    /// Replaces every writable column of row `id` with `entity`'s values.
    /// With `expected_version`, fails with 412 when the row has moved on.
    fn update<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
        entity: &T,
        expected_version: Option<i64>,
    ) -> impl Future<Output = Result<T, AppError>> + Send;

    /// Writes only the given `(column, value)` pairs (`Value::Null` clears a column).
    fn patch<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
        changes: &[(&'static str, Value)],
        expected_version: Option<i64>,
    ) -> impl Future<Output = Result<T, AppError>> + Send;

    /// Deletes row `id` (soft when the entity has `deleted_at`).
    fn delete<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
        expected_version: Option<i64>,
    ) -> impl Future<Output = Result<(), AppError>> + Send;

    /// How many visible rows match every filter.
    fn count<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        filters: &[Filter],
    ) -> impl Future<Output = Result<u64, AppError>> + Send;

    /// Whether a visible row with this id exists.
    fn exists<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
    ) -> impl Future<Output = Result<bool, AppError>> + Send;
}
