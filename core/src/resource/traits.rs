use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Hooks;
use crate::auth::AuthUser;
use crate::query::{FieldMeta, Value};
use crate::repo::Entity;

/// A `belongs_to` relation: rows are also served under
/// `/api/v1/<path>/{parentId}/<plural>`.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    /// The parent's URL segment, e.g. `"students"`.
    pub path: &'static str,
    /// The column holding the parent id, e.g. `student_id`.
    pub field: &'static FieldMeta,
}

/// What a create knows beyond its body.
#[derive(Debug, Clone)]
pub struct WriteContext<'a> {
    /// The caller (the owner of the new row, when the resource has an owner).
    pub user: &'a AuthUser,
    /// The parent column and id when created through a nested route.
    pub parent: Option<(&'static FieldMeta, Value)>,
}

/// A REST resource: an [`Entity`] with a URL, a permission name and request bodies.
pub trait Resource: Entity + Serialize + DeserializeOwned + Clone {
    /// The plural URL segment, e.g. `"assignments"`.
    const PATH: &'static str;
    /// The resource part of its permissions, e.g. `"assignments"`.
    const PERMISSION: &'static str;
    /// The owner column (`own` scope), if any.
    const OWNER: Option<&'static FieldMeta>;
    /// `belongs_to` parents (nested routes).
    const PARENTS: &'static [Parent];
    /// An optional per-resource rate limit, e.g. `"100/min"` (per user).
    const RATE_LIMIT: Option<&'static str>;
    /// Read rows by id through the app's cache ([`App::cache`](crate::App::cache)),
    /// for callers whose grant is unscoped; writes invalidate.
    const CACHE: bool = false;
    /// Record every write in the audit log ([`crate::audit`]), in the write's
    /// transaction. Default true.
    const AUDIT: bool = true;
    /// API field names whose values the audit log redacts, beyond those that
    /// look like secrets (`password`, `secret`, `token`, `…Hash`).
    const REDACT: &'static [&'static str] = &[];
    /// API names of fields no request body may set, beyond the id, the owner
    /// and the managed columns (`#[resource(readonly)]`); the documented
    /// bodies leave them out.
    const READ_ONLY: &'static [&'static str] = &[];
    /// API names of non-nullable fields a `POST` body may omit because the
    /// `Create` body fills them in (`#[serde(default)]` on the field with
    /// `#[derive(Resource)]`): the documented create body does not require
    /// them. (Which fields a body requires at run time is its own serde
    /// business; each absent one is named in one 422.)
    const DEFAULTED: &'static [&'static str] = &[];

    /// The `POST` body: writable fields only.
    type Create: DeserializeOwned + validator::Validate + Send + 'static;
    /// The `PUT` body: every writable field.
    type Replace: DeserializeOwned + validator::Validate + Send + 'static;
    /// The `PATCH` body: every writable field optional; nullable ones distinguish
    /// absent from `null`.
    type Patch: DeserializeOwned + validator::Validate + Send + 'static;
    /// Business rules.
    type Hooks: Hooks<Self>;

    /// The row's id.
    fn id(&self) -> &Self::Id;

    /// The row's version (optimistic locking), if the resource is versioned.
    fn version(&self) -> Option<i64>;

    /// A new row from a create body: a fresh id, the owner set to the caller, the
    /// parent column set from a nested route (else from the body, where it is
    /// then required: 422 when missing); timestamps and version are set by the
    /// repository.
    fn from_create(body: Self::Create, context: &WriteContext<'_>)
    -> Result<Self, crate::AppError>;

    /// Applies a `PUT` body (every writable field).
    fn replace(&mut self, body: Self::Replace);

    /// Applies a `PATCH` body (only the fields present).
    fn patch(&mut self, body: Self::Patch);
}
