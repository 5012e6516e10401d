//! The OpenAPI 3.1 document and the API reference page (SPEC §3 "Standard endpoints").
//!
//! An [`OpenApiRegistry`] collects what the app serves: resources described by a
//! [`ResourceDoc`] (the `Resource` derive builds one per struct), hand-written
//! operations built with [`operation`]'s helpers, and the framework's own routes
//! ([`OpenApiRegistry::system_routes`], [`OpenApiRegistry::auth_routes`]). Every
//! document holds the contract's shared schemas ([`schemas`]): the success
//! envelopes, `Meta`, both pagination shapes, `ErrorEnvelope` with the
//! `ErrorCode` enum, `FieldError` and the RFC 9457 `Problem`.
//!
//! [`App::openapi`](crate::App::openapi) serves the document at `GET /openapi.json`
//! and a Scalar reference page at `GET /docs`. The page's script is vendored in the
//! crate (`core/assets/scalar/`) and served by the app itself: no CDN, no web fonts.
//!
//! ```
//! use strata::openapi::{OpenApiRegistry, ResourceDoc};
//! use strata::query::{FieldMeta, FieldType, QuerySpec};
//! use strata::openapi::utoipa::openapi::schema::ObjectBuilder;
//!
//! static FIELDS: [FieldMeta; 2] = [
//!     FieldMeta::new("id", "id", FieldType::Uuid).sort(),
//!     FieldMeta::new("title", "title", FieldType::String).filter().sort().search(),
//! ];
//! static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);
//!
//! let object = || ObjectBuilder::new().build().into();
//! let mut registry = OpenApiRegistry::new("Classroom", "1.0.0");
//! registry.resource(ResourceDoc {
//!     path: "assignments",
//!     tag: "assignments",
//!     schema_name: "Assignment",
//!     schema: object(),
//!     create: ("AssignmentCreate", object()),
//!     update: ("AssignmentUpdate", object()),
//!     patch: ("AssignmentPatch", object()),
//!     spec: &SPEC,
//!     parents: &[],
//!     id_type: FieldType::Uuid,
//! });
//! let doc = registry.document();
//! assert!(doc.paths.paths.contains_key("/api/v1/assignments/{id}"));
//! ```

mod changes;
pub mod operation;
mod registry;
mod resource;
pub mod schemas;
mod serve;
mod standard;

pub use registry::OpenApiRegistry;
pub use resource::ResourceDoc;
pub use serve::{ASSETS, INIT_JS, PAGE_CSP, PAGE_HTML, SCALAR_JS, routes};
pub use standard::HEALTH_STATUS;

/// Re-exported so apps and generated code build schemas with the same utoipa version.
pub use utoipa;
