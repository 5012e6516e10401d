//! Running built statements on whichever dialect and executor a call got.

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::{AssertSqlSafe, Row};

use super::Entity;
use crate::db::{Db, Dialect, Exec, Tx};
use crate::query::{FieldMeta, FieldType, SortKey, Value};

/// A statement rendered for one dialect.
pub(crate) struct Built {
    sql: String,
    values: SqlxValues,
}

impl Built {
    /// Appends trusted SQL text (integer literals the caller formatted).
    pub(crate) fn push_sql(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Appends SQL text ending in one `?` placeholder (SQLite), and its value.
    pub(crate) fn push_bound(&mut self, sql: &str, value: sea_query::Value) {
        self.sql.push_str(sql);
        self.values.0.0.push(value);
    }
}

/// Renders `statement` for `dialect`.
pub(crate) fn build<S: SqlxBinder>(statement: &S, dialect: Dialect) -> Built {
    let (sql, values) = match dialect {
        Dialect::Sqlite => statement.build_sqlx(SqliteQueryBuilder),
        Dialect::Postgres => statement.build_sqlx(PostgresQueryBuilder),
    };
    Built { sql, values }
}

/// Runs `$body` with `$e` bound to the concrete sqlx executor behind `$exec`.
macro_rules! on_executor {
    ($exec:expr, $e:ident => $body:expr) => {
        match $exec {
            Exec::Pool(Db::Sqlite(pool)) => {
                let $e = pool;
                $body
            }
            Exec::Pool(Db::Postgres(pool)) => {
                let $e = pool;
                $body
            }
            Exec::Tx(Tx::Sqlite(tx)) => {
                let $e = &mut **tx;
                $body
            }
            Exec::Tx(Tx::Postgres(tx)) => {
                let $e = &mut **tx;
                $body
            }
        }
    };
}

/// Reads one sort-key value of `field` from a row, typed by the field.
macro_rules! read_value {
    ($row:expr, $field:expr) => {{
        let row = $row;
        let column = $field.column;
        match $field.ty {
            FieldType::String | FieldType::Enum(_) => {
                row.try_get::<Option<String>, _>(column)?.map(Value::String)
            }
            FieldType::Int => row.try_get::<Option<i64>, _>(column)?.map(Value::Int),
            FieldType::Float => row.try_get::<Option<f64>, _>(column)?.map(Value::Float),
            FieldType::Bool => row.try_get::<Option<bool>, _>(column)?.map(Value::Bool),
            FieldType::Uuid => row
                .try_get::<Option<uuid::Uuid>, _>(column)?
                .map(Value::Uuid),
            FieldType::Date => row
                .try_get::<Option<chrono::NaiveDate>, _>(column)?
                .map(Value::Date),
            FieldType::DateTime => row
                .try_get::<Option<chrono::DateTime<chrono::Utc>>, _>(column)?
                .map(Value::DateTime),
            FieldType::Json => row
                .try_get::<Option<serde_json::Value>, _>(column)?
                .map(|j| Value::String(j.to_string())),
        }
        .unwrap_or(Value::Null)
    }};
}

/// Every row as `T`, plus the sort-key values of the row at `cursor_row`.
pub(crate) async fn fetch_all<T: Entity>(
    exec: Exec<'_>,
    built: Built,
    cursor_row: Option<(usize, &[SortKey])>,
) -> Result<(Vec<T>, Option<Vec<Value>>), sqlx::Error> {
    let Built { sql, values } = built;
    on_executor!(exec, e => {
        let rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch_all(e).await?;
        let mut cursor = None;
        if let Some((index, keys)) = cursor_row
            && let Some(row) = rows.get(index)
        {
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                let field: &FieldMeta = key.field;
                values.push(read_value!(row, field));
            }
            cursor = Some(values);
        }
        let items = rows.iter().map(T::from_row).collect::<Result<Vec<T>, _>>()?;
        Ok((items, cursor))
    })
}

/// The first row as `T`, if any.
pub(crate) async fn fetch_optional<T: Entity>(
    exec: Exec<'_>,
    built: Built,
) -> Result<Option<T>, sqlx::Error> {
    let Built { sql, values } = built;
    on_executor!(exec, e => {
        match sqlx::query_with(AssertSqlSafe(sql), values).fetch_optional(e).await? {
            Some(row) => T::from_row(&row).map(Some),
            None => Ok(None),
        }
    })
}

/// The first column of the first row as an integer (`COUNT(*)`, `SELECT 1`).
pub(crate) async fn fetch_i64(exec: Exec<'_>, built: Built) -> Result<Option<i64>, sqlx::Error> {
    let Built { sql, values } = built;
    on_executor!(exec, e => {
        match sqlx::query_with(AssertSqlSafe(sql), values).fetch_optional(e).await? {
            Some(row) => row.try_get::<i64, _>(0).map(Some),
            None => Ok(None),
        }
    })
}

/// Executes a statement, returning the number of rows affected.
pub(crate) async fn execute(exec: Exec<'_>, built: Built) -> Result<u64, sqlx::Error> {
    let Built { sql, values } = built;
    on_executor!(exec, e => {
        Ok(sqlx::query_with(AssertSqlSafe(sql), values).execute(e).await?.rows_affected())
    })
}
