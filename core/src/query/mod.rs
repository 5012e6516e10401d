//! The list-query grammar (SPEC §4): pagination, filters, sort, search and
//! sparse fields, parsed against a resource's [`QuerySpec`] into a typed
//! [`ListQuery`].
//!
//! ```
//! use strata::query::{CursorCodec, FieldMeta, FieldType, FilterOp, ListQuery, QuerySpec};
//!
//! static FIELDS: [FieldMeta; 3] = [
//!     FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
//!     FieldMeta::new("title", "title", FieldType::String).filter().sort().search(),
//!     FieldMeta::new("dueDate", "due_date", FieldType::Date).filter().sort(),
//! ];
//! static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);
//!
//! let codec = CursorCodec::new(b"a long random secret from the configuration");
//! let q = ListQuery::parse("sort=-dueDate&dueDate[gte]=2026-01-01&perPage=500", &SPEC, &codec)?;
//! assert_eq!(q.page.limit(), 100); // clamped
//! assert_eq!(q.filters[0].op, FilterOp::Gte);
//! assert_eq!(q.sort.last().map(|k| (k.field.name, k.descending)), Some(("id", true)));
//! assert_eq!(ListQuery::parse(&q.to_query_string(&codec), &SPEC, &codec)?, q);
//! # Ok::<(), strata::AppError>(())
//! ```
//!
//! # Grammar
//!
//! The query string is `application/x-www-form-urlencoded` (`+` is a space).
//! Names are case-sensitive. At most [`MAX_PARAMS`] parameters and
//! [`MAX_QUERY_LEN`] bytes; a decoded value longer than [`MAX_VALUE_LEN`] bytes,
//! or text that is not valid UTF-8 or holds NUL, is rejected.
//!
//! | parameter | meaning |
//! |---|---|
//! | `page` | 1-based page number, default 1 (offset mode) |
//! | `perPage`, alias `limit` | page size, default `spec.default_per_page`; above `spec.max_per_page` (however large) is clamped; `0`, negative or non-numeric is an error; giving both names is an error |
//! | `cursor` | keyset mode; empty for the first page, else a cursor from a previous page; cannot be combined with `page` |
//! | `sort` | `-dueDate,title`: comma-separated sortable fields (the id is always allowed), `-` = descending; empty or absent = `spec.default_sort` |
//! | `search` | trimmed text, at most [`MAX_SEARCH_LEN`] characters; empty = none; an error on a resource with no searchable field |
//! | `fields` | `id,title`: sparse fieldset of known fields; the id is always included (first, when not named) |
//! | `name=v` | filter: `name` equals `v` |
//! | `name[op]=v` | filter with an operator, see below |
//!
//! Every other parameter is an error (strict, like DRF's filter backends with
//! unknown-parameter checking): a typo never silently widens a result. The
//! reserved names above shadow fields of the same name; such a field is filtered
//! for equality with `name[eq]=…`. Each reserved parameter may appear once.
//!
//! ## Filters
//!
//! Only fields marked `filterable`. Repeated filters (on the same field or not)
//! are ANDed, in order. Operators:
//!
//! | op | operand | types |
//! |---|---|---|
//! | `eq`, `ne` | one value | all |
//! | `gt`, `gte`, `lt`, `lte` | one value | all but `Bool` and `Json` |
//! | `in`, `nin` | comma-separated list, 1 to [`MAX_LIST_VALUES`] items (items cannot contain commas) | all |
//! | `contains`, `startsWith` | non-empty text, case-insensitive, not checked against enum variants | `String`, `Enum` |
//! | `isNull` | `true` or `false` | all |
//!
//! Values are parsed to the field's [`FieldType`]: integers as `i64`, finite
//! floats, `true`/`false`, any UUID form, dates `YYYY-MM-DD`, timestamps RFC 3339
//! or a bare date (midnight UTC), enum values among their variants; `String` and
//! `Json` values are taken as is (JSON compared as text).
//!
//! ## Sort and cursors
//!
//! The id is appended as the last key, in the direction of the key before it,
//! unless the sort names it; keys after an explicit id are dropped, so
//! [`ListQuery::sort`] always ends with the id. A [`Cursor`] holds one value per
//! sort key (id last) and the rendered sort it was made under, signed with
//! HMAC-SHA256 by [`CursorCodec`]; a cursor that is garbage, tampered with, or
//! made under another sort is an error.
//!
//! ## Errors
//!
//! Every failure is [`AppError::BadRequest`](crate::AppError::BadRequest)
//! (400 `BAD_REQUEST`) with one detail whose `field` is the parameter name
//! exactly as sent after decoding (`status[foo]`, `dueDate`, `perPage`,
//! `limit`, `cursor`, `sort`, `fields`, `search`) and whose `code` is one of
//! `unknown_parameter`, `unknown_operator`, `not_filterable`,
//! `operator_not_allowed`, `invalid_value`, `too_many_values`, `out_of_range`,
//! `conflict`, `duplicate`, `not_sortable`, `too_many_keys`, `invalid_cursor`,
//! `not_searchable`, `too_long`, `unknown_field`, `invalid_encoding`. The two
//! whole-query limits (parameter count, query length) have no detail.

mod cursor;
mod filter;
mod list_query;
mod page;
mod sort;
mod spec;
mod value;

pub use cursor::{Cursor, CursorCodec, MAX_CURSOR_LEN};
pub use filter::{Filter, FilterOp, MAX_LIST_VALUES};
pub(crate) use list_query::sparse_fields;
pub use list_query::{
    ListQuery, MAX_PARAMS, MAX_QUERY_LEN, MAX_SEARCH_LEN, MAX_VALUE_LEN, RESERVED,
};
pub use page::PageRequest;
pub use sort::{MAX_SORT_KEYS, SortKey, render_sort};
pub use spec::{FieldMeta, FieldType, QuerySpec};
pub use value::{Value, ValueError};
