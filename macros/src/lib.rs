//! Procedural macros for Strata: `#[derive(Resource)]`.
//!
//! Re-exported by the `strata` crate; depend on `strata`, not on this crate
//! directly.

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod resource;

/// A complete REST resource from one struct (SPEC §9).
///
/// ```ignore
/// use serde::{Deserialize, Serialize};
/// use strata::chrono::{DateTime, Utc};
/// use strata::uuid::Uuid;
///
/// #[derive(strata::Resource, Serialize, Deserialize, Clone)]
/// #[serde(rename_all = "camelCase")]
/// #[resource(table = "assignments", owner = "student_id", version, default_sort = "-createdAt")]
/// pub struct Assignment {
///     #[resource(id)]
///     pub id: Uuid,
///     #[resource(filter, sort, search)]
///     #[validate(length(min = 1, max = 200))]
///     pub title: String,
///     #[resource(filter, enum = "pending|in_progress|completed")]
///     pub status: String,
///     pub notes: Option<String>,
///     pub student_id: Uuid,
///     pub version: i64,
///     #[resource(sort)]
///     pub created_at: DateTime<Utc>,
///     pub updated_at: DateTime<Utc>,
/// }
///
/// // Mounted with `App::new(config).with_auth().api(strata::resource::routes::<Assignment>())`.
/// ```
///
/// The struct must have named fields and no generics, and derive
/// `Serialize, Deserialize, Clone` itself with `#[serde(rename_all = "camelCase")]`
/// (the API names below assume it). The app needs no other dependency for the
/// generated code: it uses `::strata::{serde, validator, sqlx, chrono}`.
///
/// # Container attributes: `#[resource(...)]` on the struct
///
/// | attribute | meaning |
/// |---|---|
/// | `table = "assignments"` | the SQL table (required) |
/// | `path = "assignments"` | the URL segment under `/api/v1`; default: `table` |
/// | `permission = "assignments"` | the permission's resource part (`<permission>:read`, …); default: `path` |
/// | `owner = "student_id"` | the owner column (field name or column): set to the caller on create, never writable, used by the `own` scope |
/// | `soft_delete` | deletes set `deleted_at` (a `deleted_at` field is optional and read-only) and reads hide such rows |
/// | `version` | optimistic locking on the integer field `version` (read-only, exposed as the ETag) |
/// | `timestamps` | maintain `created_at`/`updated_at` even without such fields; on by default when fields named so (or marked) exist |
/// | `hooks = AssignmentHooks` | a type implementing `strata::resource::Hooks<Self>`; default `strata::resource::NoHooks` |
/// | `rate_limit = "100/min"` | a per-user quota on the resource's routes; checked at compile time (`N/[M]unit`, units `s`, `min`, `h`, `day`) |
/// | `cache` | `GET /{id}` by unscoped callers reads through the app's cache (`App::cache`); writes invalidate |
/// | `default_sort = "-createdAt,title"` | the list order without `sort=`; API names, `-` for descending; checked at compile time |
///
/// # Field attributes: `#[resource(...)]` on a field
///
/// | attribute | meaning |
/// |---|---|
/// | `id` | the primary key (exactly one); always filterable and sortable. `Uuid` ids are generated (v7), integer ids are assigned by the database, `String` ids start empty (set them in `before_create`) |
/// | `filter`, `sort` | allowed in list filters / `sort=` |
/// | `search` | searched by `search=`; `String` fields only |
/// | `readonly` | never in a request body; `Default::default()` on create (hooks may set it) |
/// | `belongs_to = "students"` | a parent: nested routes `/api/v1/students/{id}/<path>`; optional in the create body: a nested route supplies it from the path (which wins), the flat route requires it (422 `required`); never in PUT/PATCH. On the owner field it is filled from the nested route, else the caller |
/// | `created_at`, `updated_at` | timestamp markers for fields named otherwise |
/// | `column = "due"` | the SQL column; default: the field name |
/// | `enum = "draft\|published"` | on a `String` field: filter values must be one of the variants |
/// | `type = "json"` | the column type for a type the derive does not know (`string`, `int`, `float`, `bool`, `uuid`, `date`, `datetime`, `json`); the type must implement `strata::repo::ColumnValue` and sqlx's `Decode`/`Type` for both databases |
///
/// Known column types: `String`, `i16`/`i32`/`i64`, `f32`/`f64`, `bool`, `Uuid`,
/// `NaiveDate`, `DateTime<Utc>`, `serde_json::Value`, and `Option` of each
/// (a nullable column).
///
/// `#[validate(...)]` attributes on fields (the `validator` crate's rules) are
/// copied onto the request-body fields, so a broken rule is a 422 naming the
/// field.
///
/// # Generated items
///
/// - `<Name>Create`, `<Name>Replace`, `<Name>Patch`: the `POST`, `PUT` and `PATCH`
///   bodies (`Deserialize` with camelCase keys and `deny_unknown_fields`,
///   `Validate`). Read-only fields (id, owner, timestamps, version, `deleted_at`,
///   `readonly`) are in none of them; `belongs_to` fields only in `Create`. In
///   `Patch` every field is an `Option`, and an `Option<T>` field becomes
///   `Option<Option<T>>`: absent leaves it, `null` clears it.
/// - `sqlx::FromRow` for SQLite and PostgreSQL rows (each column by name).
/// - `strata::repo::Entity` (table, query spec with the field flags, conventions,
///   column values) and `strata::resource::Resource` (path, permission, owner,
///   parents, rate limit, bodies, hooks), so `strata::resource::routes::<Name>()`
///   serves it.
///
/// Every bad attribute is reported at once, pointing at the offending token.
#[proc_macro_derive(Resource, attributes(resource, validate))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    resource::expand(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
