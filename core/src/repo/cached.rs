use std::marker::PhantomData;

use futures_util::future::BoxFuture;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Entity, Page, Repository};
use crate::AppError;
use crate::cache::CacheAside;
use crate::db::Exec;
use crate::query::{Filter, ListQuery, Value};

/// A cache-aside decorator for any [`Repository`].
///
/// - `find_by_id` on the pool reads through the cache (`<table>:<id>` keys); N
///   concurrent misses for one id run one database load (single-flight).
/// - Inside a transaction it bypasses the cache, so uncommitted rows are never
///   cached.
/// - `update`, `patch` and `delete` invalidate the row's key after the write,
///   whatever its outcome; `create` needs nothing (misses are never cached).
/// - `list`, `count` and `exists` go straight to the database.
/// - A cache outage is logged and falls through to the database: no request
///   fails because the cache is down.
///
/// A write inside a transaction invalidates before the commit; a concurrent reader
/// may re-cache the old row in between. The TTL bounds that staleness: pick it for
/// how stale a read may be, or invalidate again after committing.
#[derive(Debug, Clone)]
pub struct CachedRepository<T, R> {
    inner: R,
    cache: CacheAside,
    entity: PhantomData<fn() -> T>,
}

impl<T: Entity, R: Repository<T>> CachedRepository<T, R> {
    /// Wraps `inner`, caching rows in `cache` with its default TTL.
    pub fn new(inner: R, cache: CacheAside) -> Self {
        Self {
            inner,
            cache,
            entity: PhantomData,
        }
    }

    /// The cache key of row `id`: `<table>:<id>`.
    pub fn key(id: &T::Id) -> String {
        format!("{}:{id}", T::TABLE)
    }

    /// The wrapped repository.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// Drops row `id` from the cache (e.g. after a commit, or a write made elsewhere).
    pub async fn invalidate(&self, id: &T::Id) {
        self.cache.invalidate(&Self::key(id)).await;
    }
}

impl<T, R> Repository<T> for CachedRepository<T, R>
where
    T: Entity + Serialize + DeserializeOwned,
    R: Repository<T>,
{
    fn find_by_id<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<Option<T>, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            match exec {
                Exec::Pool(db) => {
                    self.cache
                        .get_or_load(&Self::key(id), || self.inner.find_by_id(db, id))
                        .await
                }
                Exec::Tx(tx) => self.inner.find_by_id(tx, id).await,
            }
        })
    }

    fn list<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<T>, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.list(exec, query).await })
    }

    fn create<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        entity: &'a T,
    ) -> BoxFuture<'a, Result<T, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.create(exec, entity).await })
    }

    fn update<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        entity: &'a T,
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<T, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let result = self.inner.update(exec, id, entity, expected_version).await;
            self.invalidate(id).await;
            result
        })
    }

    fn patch<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        changes: &'a [(&'static str, Value)],
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<T, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let result = self.inner.patch(exec, id, changes, expected_version).await;
            self.invalidate(id).await;
            result
        })
    }

    fn delete<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let result = self.inner.delete(exec, id, expected_version).await;
            self.invalidate(id).await;
            result
        })
    }

    fn count<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        filters: &'a [Filter],
    ) -> BoxFuture<'a, Result<u64, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.count(exec, filters).await })
    }

    fn exists<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<bool, AppError>> {
        let exec = exec.into();
        Box::pin(async move { self.inner.exists(exec, id).await })
    }
}
