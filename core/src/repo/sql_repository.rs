use std::marker::PhantomData;

use futures_util::future::BoxFuture;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sea_query::{Alias, Asterisk, Cond, Expr, ExprTrait, Query};

use super::run::{self, Built, build};
use super::{Entity, EntityId, Page, Repository, sql};
use crate::AppError;
use crate::db::Exec;
use crate::query::{CursorCodec, FieldMeta, Filter, ListQuery, PageRequest, Value};
use crate::response::Pagination;

/// The sqlx implementation of [`Repository`], for SQLite and PostgreSQL alike.
///
/// Holds only the cursor codec; cloning is cheap.
#[derive(Debug)]
pub struct SqlRepository<T> {
    codec: Arc<CursorCodec>,
    entity: PhantomData<fn() -> T>,
}

impl<T> Clone for SqlRepository<T> {
    fn clone(&self) -> Self {
        Self {
            codec: self.codec.clone(),
            entity: PhantomData,
        }
    }
}

fn table<T: Entity>() -> Alias {
    Alias::new(T::TABLE)
}

/// Now, at the microsecond precision both dialects store.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn field_for<T: Entity>(column: &str) -> Result<&'static FieldMeta, AppError> {
    T::SPEC
        .fields
        .iter()
        .find(|f| f.column == column)
        .ok_or_else(|| {
            AppError::internal(format!(
                "column `{column}` of `{}` is not in its QuerySpec",
                T::TABLE
            ))
        })
}

impl<T: Entity> SqlRepository<T> {
    /// A repository signing its cursors with `codec`.
    pub fn new(codec: Arc<CursorCodec>) -> Self {
        Self {
            codec,
            entity: PhantomData,
        }
    }

    fn id_is(id: &T::Id) -> Expr {
        let id_field = T::SPEC.id;
        sql::col(id_field.column).eq(Expr::val(sql::bind(&id.to_value(), id_field.ty)))
    }

    /// Rows that reads may see: not soft-deleted.
    fn visible() -> Cond {
        match T::CONVENTIONS.deleted_at {
            Some(column) => Cond::all().add(sql::col(column).is_null()),
            None => Cond::all(),
        }
    }

    fn matching(filters: &[Filter]) -> Cond {
        filters
            .iter()
            .fold(Self::visible(), |all, f| all.add(sql::filter(f)))
    }

    fn list_conditions(query: &ListQuery) -> Cond {
        let mut cond = Self::matching(&query.filters);
        if let Some(text) = &query.search {
            cond = cond.add(sql::search(text, T::SPEC.searchable_fields()));
        }
        cond
    }

    /// The `SELECT` of one page for `dialect`: filters, search, sort, and
    /// `LIMIT/OFFSET` (offset pages) or the keyset condition and `LIMIT n + 1`
    /// (cursor pages).
    ///
    /// Postgres binds the limit and offset, so every page shares one prepared
    /// statement. On SQLite a bound `LIMIT` costs ≈ 25 µs a query (more than
    /// the lookup itself; `--bench stack`, docs/benchmarks.md), so there the
    /// limit is written into the SQL as an integer literal, and only the offset
    /// is bound: page sizes are few (capped by the resource's maximum), page
    /// numbers are not, and each distinct SQL text is its own cached statement.
    fn page_select(query: &ListQuery, dialect: crate::Dialect) -> Built {
        let (select, suffix) = Self::page_statement(query, dialect);
        let mut built = build(&select, dialect);
        if let Some((limit, offset)) = suffix {
            built.push_sql(&format!(" LIMIT {limit}"));
            if let Some(offset) = offset {
                built.push_bound(" OFFSET ?", sea_query::Value::BigInt(Some(offset)));
            }
        }
        built
    }

    /// [`page_select`](Self::page_select) as a statement, plus, on SQLite, the
    /// limit and offset it leaves for the caller to append (SQLite has no
    /// `OFFSET` without `LIMIT`, so sea-query cannot write the offset alone).
    fn page_statement(
        query: &ListQuery,
        dialect: crate::Dialect,
    ) -> (sea_query::SelectStatement, Option<(i64, Option<i64>)>) {
        let mut cond = Self::list_conditions(query);
        let mut select = Query::select();
        select.column(Asterisk).from(table::<T>());
        let (limit, offset) = match &query.page {
            PageRequest::Offset { per_page, .. } => (*per_page, Some(query.page.offset())),
            PageRequest::Cursor { limit, after } => {
                if let Some(cursor) = after {
                    cond = cond.add(sql::after(&query.sort, &cursor.values));
                }
                (limit.saturating_add(1), None)
            }
        };
        select.cond_where(cond);
        sql::order_by(&mut select, &query.sort);
        match dialect {
            crate::Dialect::Postgres => {
                select.limit(limit);
                if let Some(offset) = offset {
                    select.offset(offset);
                }
                (select, None)
            }
            // SQLite's LIMIT and OFFSET are signed 64-bit; clamp rather than
            // write a literal SQLite would refuse.
            crate::Dialect::Sqlite => {
                let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                (select, Some((clamp(limit), offset.map(clamp))))
            }
        }
    }

    /// The SQL of the page query for `dialect`, with values inlined (escaped by
    /// sea-query). Meant for `EXPLAIN` and debugging; the repository itself
    /// binds every value except a SQLite page's `LIMIT` (see `page_select`).
    pub fn list_sql(query: &ListQuery, dialect: crate::Dialect) -> String {
        let (select, suffix) = Self::page_statement(query, dialect);
        let sql = match dialect {
            crate::Dialect::Sqlite => select.to_string(sea_query::SqliteQueryBuilder),
            crate::Dialect::Postgres => select.to_string(sea_query::PostgresQueryBuilder),
        };
        match suffix {
            Some((limit, Some(offset))) => format!("{sql} LIMIT {limit} OFFSET {offset}"),
            Some((limit, None)) => format!("{sql} LIMIT {limit}"),
            None => sql,
        }
    }

    /// The visible row with this id that also matches every `scope` filter
    /// (an ownership scope, say). Rows outside the scope are simply absent.
    pub async fn find_where<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
        scope: &[Filter],
    ) -> Result<Option<T>, AppError> {
        let exec = exec.into();
        let mut select = Query::select();
        select
            .column(Asterisk)
            .from(table::<T>())
            .cond_where(Self::matching(scope).add(Self::id_is(id)));
        let dialect = exec.dialect();
        Ok(run::fetch_optional(exec, build(&select, dialect)).await?)
    }

    /// Un-deletes a soft-deleted row and returns it; 404 when there is no
    /// deleted row with this id (or the entity has no soft delete).
    pub async fn restore<'e>(
        &self,
        exec: impl Into<Exec<'e>> + Send,
        id: &T::Id,
    ) -> Result<T, AppError> {
        let exec = exec.into();
        let Some(deleted_at) = T::CONVENTIONS.deleted_at else {
            return Err(AppError::not_found());
        };
        let mut update = Query::update();
        update
            .table(table::<T>())
            .value(
                Alias::new(deleted_at),
                sql::bind(&Value::Null, crate::query::FieldType::DateTime),
            )
            .cond_where(
                Cond::all()
                    .add(Self::id_is(id))
                    .add(sql::col(deleted_at).is_not_null()),
            )
            .returning_all();
        if let Some(column) = T::CONVENTIONS.updated_at {
            update.value(Alias::new(column), now());
        }
        if let Some(column) = T::CONVENTIONS.version {
            update.value(Alias::new(column), sql::col(column).add(1));
        }
        let dialect = exec.dialect();
        run::fetch_optional(exec, build(&update, dialect))
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// The write for row `id` found nothing: a stale version (412) or no row (404).
    async fn missing(
        &self,
        mut exec: Exec<'_>,
        id: &T::Id,
        expected_version: Option<i64>,
    ) -> AppError {
        if expected_version.is_some() && T::CONVENTIONS.version.is_some() {
            match self.exists(&mut exec, id).await {
                Ok(true) => {
                    return AppError::PreconditionFailed(
                        "The resource was modified since it was read (version mismatch)".into(),
                    );
                }
                Ok(false) => {}
                Err(err) => return err,
            }
        }
        AppError::not_found()
    }

    /// `UPDATE … SET changes WHERE id [AND version] RETURNING *`, with conventions.
    async fn write(
        &self,
        exec: Exec<'_>,
        id: &T::Id,
        changes: Vec<(&'static str, Value)>,
        expected_version: Option<i64>,
    ) -> Result<T, AppError> {
        let mut exec = exec;
        let mut update = Query::update();
        update.table(table::<T>());
        for (column, value) in changes {
            if column == T::SPEC.id.column || T::CONVENTIONS.manages(column) {
                continue;
            }
            let field = field_for::<T>(column)?;
            update.value(Alias::new(column), sql::bind(&value, field.ty));
        }
        if let Some(column) = T::CONVENTIONS.updated_at {
            update.value(Alias::new(column), now());
        }
        let mut cond = Self::visible().add(Self::id_is(id));
        if let Some(column) = T::CONVENTIONS.version {
            update.value(Alias::new(column), sql::col(column).add(1));
            if let Some(expected) = expected_version {
                cond = cond.add(sql::col(column).eq(expected));
            }
        }
        update.cond_where(cond).returning_all();
        let dialect = exec.dialect();
        match run::fetch_optional(Exec::from(&mut exec), build(&update, dialect)).await? {
            Some(row) => Ok(row),
            None => Err(self.missing(exec, id, expected_version).await),
        }
    }
}

impl<T: Entity> Repository<T> for SqlRepository<T> {
    fn find_by_id<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<Option<T>, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let mut select = Query::select();
            select
                .column(Asterisk)
                .from(table::<T>())
                .cond_where(Self::visible().add(Self::id_is(id)));
            Ok(run::fetch_optional(exec, build(&select, dialect)).await?)
        })
    }

    fn list<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        query: &'a ListQuery,
    ) -> BoxFuture<'a, Result<Page<T>, AppError>> {
        let mut exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let statement = Self::page_select(query, dialect);
            match &query.page {
                PageRequest::Offset { page, per_page } => {
                    let mut count = Query::select();
                    count
                        .expr(Expr::col(Asterisk).count())
                        .from(table::<T>())
                        .cond_where(Self::list_conditions(query));
                    let total = run::fetch_i64(Exec::from(&mut exec), build(&count, dialect))
                        .await?
                        .unwrap_or(0);
                    let (items, _) = run::fetch_all::<T>(exec, statement, None).await?;
                    Ok(Page {
                        items,
                        pagination: Pagination::offset(
                            *page,
                            *per_page,
                            u64::try_from(total).unwrap_or(0),
                        ),
                    })
                }
                PageRequest::Cursor { limit, .. } => {
                    let last = usize::try_from(*limit)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(1);
                    let (mut items, values) =
                        run::fetch_all::<T>(exec, statement, Some((last, &query.sort))).await?;
                    let has_more = items.len() as u64 > *limit;
                    items.truncate(last + 1);
                    let next = match (has_more, values) {
                        (true, Some(values)) => {
                            Some(self.codec.encode(&query.cursor_after(values)))
                        }
                        _ => None,
                    };
                    Ok(Page {
                        items,
                        pagination: Pagination::cursor(*limit, next),
                    })
                }
            }
        })
    }

    fn create<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        entity: &'a T,
    ) -> BoxFuture<'a, Result<T, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let mut columns = Vec::new();
            let mut values: Vec<Expr> = Vec::new();
            for (column, value) in entity.values() {
                if T::CONVENTIONS.manages(column) {
                    continue;
                }
                let field = field_for::<T>(column)?;
                columns.push(Alias::new(column));
                values.push(Expr::val(sql::bind(&value, field.ty)));
            }
            let stamp = now();
            for column in [T::CONVENTIONS.created_at, T::CONVENTIONS.updated_at]
                .into_iter()
                .flatten()
            {
                columns.push(Alias::new(column));
                values.push(Expr::val(stamp));
            }
            if let Some(column) = T::CONVENTIONS.version {
                columns.push(Alias::new(column));
                values.push(Expr::val(1i64));
            }
            let mut insert = Query::insert();
            insert
                .into_table(table::<T>())
                .columns(columns)
                .values(values)
                .map_err(AppError::internal)?
                .returning_all();
            run::fetch_optional(exec, build(&insert, dialect))
                .await?
                .ok_or_else(|| AppError::internal("INSERT … RETURNING returned no row"))
        })
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
            self.write(exec, id, entity.values(), expected_version)
                .await
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
            self.write(exec, id, changes.to_vec(), expected_version)
                .await
        })
    }

    fn delete<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
        expected_version: Option<i64>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        let mut exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let mut cond = Self::visible().add(Self::id_is(id));
            if let (Some(column), Some(expected)) = (T::CONVENTIONS.version, expected_version) {
                cond = cond.add(sql::col(column).eq(expected));
            }
            let built = match T::CONVENTIONS.deleted_at {
                Some(deleted_at) => {
                    let stamp = now();
                    let mut update = Query::update();
                    update
                        .table(table::<T>())
                        .value(Alias::new(deleted_at), stamp);
                    if let Some(column) = T::CONVENTIONS.updated_at {
                        update.value(Alias::new(column), stamp);
                    }
                    if let Some(column) = T::CONVENTIONS.version {
                        update.value(Alias::new(column), sql::col(column).add(1));
                    }
                    update.cond_where(cond);
                    build(&update, dialect)
                }
                None => {
                    let mut delete = Query::delete();
                    delete.from_table(table::<T>()).cond_where(cond);
                    build(&delete, dialect)
                }
            };
            match run::execute(Exec::from(&mut exec), built).await? {
                0 => Err(self.missing(exec, id, expected_version).await),
                _ => Ok(()),
            }
        })
    }

    fn count<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        filters: &'a [Filter],
    ) -> BoxFuture<'a, Result<u64, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let mut count = Query::select();
            count
                .expr(Expr::col(Asterisk).count())
                .from(table::<T>())
                .cond_where(Self::matching(filters));
            let total = run::fetch_i64(exec, build(&count, dialect))
                .await?
                .unwrap_or(0);
            Ok(u64::try_from(total).unwrap_or(0))
        })
    }

    fn exists<'a>(
        &'a self,
        exec: impl Into<Exec<'a>>,
        id: &'a T::Id,
    ) -> BoxFuture<'a, Result<bool, AppError>> {
        let exec = exec.into();
        Box::pin(async move {
            let dialect = exec.dialect();
            let mut select = Query::select();
            select
                .expr(Expr::val(1i64))
                .from(table::<T>())
                .cond_where(Self::visible().add(Self::id_is(id)));
            Ok(run::fetch_i64(exec, build(&select, dialect))
                .await?
                .is_some())
        })
    }
}
