use std::fmt::{Debug, Display};

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::query::{QuerySpec, Value};

/// The seed conventions a table follows; each names its column, or is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conventions {
    /// Set to now on insert.
    pub created_at: Option<&'static str>,
    /// Set to now on insert and every write.
    pub updated_at: Option<&'static str>,
    /// Soft delete: reads hide rows where it is set; delete sets it; restore clears it.
    pub deleted_at: Option<&'static str>,
    /// Optimistic locking: 1 on insert, +1 on every write; a write naming a stale
    /// version fails with 412 instead of overwriting.
    pub version: Option<&'static str>,
}

impl Conventions {
    /// No conventions.
    pub const NONE: Self = Self {
        created_at: None,
        updated_at: None,
        deleted_at: None,
        version: None,
    };

    /// `created_at` and `updated_at`.
    pub const TIMESTAMPS: Self = Self {
        created_at: Some("created_at"),
        updated_at: Some("updated_at"),
        deleted_at: None,
        version: None,
    };

    /// The same conventions with soft delete on `column`.
    pub const fn soft_delete(mut self, column: &'static str) -> Self {
        self.deleted_at = Some(column);
        self
    }

    /// The same conventions with optimistic locking on `column`.
    pub const fn versioned(mut self, column: &'static str) -> Self {
        self.version = Some(column);
        self
    }

    /// Whether `column` is maintained by the repository rather than written by callers.
    pub fn manages(&self, column: &str) -> bool {
        [
            self.created_at,
            self.updated_at,
            self.deleted_at,
            self.version,
        ]
        .contains(&Some(column))
    }
}

/// The type of an entity's id.
pub trait EntityId: Clone + Debug + Display + Send + Sync + 'static {
    /// The id as a bindable value.
    fn to_value(&self) -> Value;

    /// Parses an id from a URL path segment.
    fn parse_id(text: &str) -> Option<Self>;

    /// A fresh id for a new row (UUID v7, so ids sort by creation), when the
    /// application rather than the database assigns ids.
    fn generate() -> Option<Self> {
        None
    }
}

impl EntityId for uuid::Uuid {
    fn to_value(&self) -> Value {
        Value::Uuid(*self)
    }

    fn parse_id(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text).ok()
    }

    fn generate() -> Option<Self> {
        Some(uuid::Uuid::now_v7())
    }
}

impl EntityId for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }

    fn parse_id(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl EntityId for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }

    fn parse_id(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| text.to_owned())
    }
}

/// A table row type a [`SqlRepository`](super::SqlRepository) can store.
///
/// Implemented by `#[derive(Resource)]`; by hand it is a few lines:
///
/// ```
/// use strata::query::{FieldMeta, FieldType, QuerySpec, Value};
/// use strata::repo::{Conventions, Entity};
///
/// #[derive(strata::sqlx::FromRow)]
/// struct Tag { id: i64, name: String }
///
/// static FIELDS: [FieldMeta; 2] = [
///     FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
///     FieldMeta::new("name", "name", FieldType::String).filter().sort().search(),
/// ];
/// static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);
///
/// impl Entity for Tag {
///     const TABLE: &'static str = "tags";
///     const SPEC: &'static QuerySpec = &SPEC;
///     type Id = i64;
///     fn values(&self) -> Vec<(&'static str, Value)> {
///         vec![("id", Value::Int(self.id)), ("name", Value::String(self.name.clone()))]
///     }
/// }
/// ```
pub trait Entity:
    Send
    + Sync
    + Unpin
    + Sized
    + 'static
    + for<'r> sqlx::FromRow<'r, SqliteRow>
    + for<'r> sqlx::FromRow<'r, PgRow>
{
    /// The table name.
    const TABLE: &'static str;
    /// Every persisted column, with its API name, type and query permissions.
    const SPEC: &'static QuerySpec;
    /// The conventions the table follows.
    const CONVENTIONS: Conventions = Conventions::NONE;
    /// The id type (`Uuid`, `i64`, `String`).
    type Id: EntityId;

    /// The column values to write on insert and full update. Columns managed by
    /// [`Conventions`] are ignored here; the repository sets them.
    fn values(&self) -> Vec<(&'static str, Value)>;
}
