//! Complete REST resources from one type (SPEC §9).
//!
//! A [`Resource`] (implemented by `#[derive(Resource)]`, or by hand) is an
//! [`Entity`](crate::repo::Entity) plus its URL, permission name, owner column,
//! `belongs_to` parents and request bodies. [`routes`] turns it into an axum
//! router:
//!
//! | route | permission | answers |
//! |---|---|---|
//! | `GET /api/v1/<plural>` | `<perm>:read` | list envelope; the SPEC §4 grammar; scoped rows only |
//! | `POST /api/v1/<plural>` | `<perm>:create` | 201 + `Location` + `ETag`; 422 with every failing field |
//! | `GET /api/v1/<plural>/{id}` | `<perm>:read` | 200 + `ETag`; 304 on a matching `If-None-Match`; 404 outside the scope |
//! | `PUT /api/v1/<plural>/{id}` | `<perm>:update` | 200 + `ETag`; 412 on a stale `If-Match` or a concurrent write |
//! | `PATCH /api/v1/<plural>/{id}` | `<perm>:update` | as PUT; absent fields untouched, `null` clears |
//! | `DELETE /api/v1/<plural>/{id}` | `<perm>:delete` | 204 |
//! | `GET/POST /api/v1/<parents>/{parentId}/<plural>` | as above | rows of that parent; create sets the parent column (404 when the parent does not exist, or a hook refuses it as `not_found`) |
//!
//! Business rules live in [`Hooks`] (before/after create, update, delete, plus
//! an extra row scope), so generated code is never forked.
//!
//! Permission checks use the app's policy: an unscoped grant sees every row; a
//! scoped one (`own`, or a custom scope) becomes SQL filters, so rows outside it
//! are 404. Creates run in a transaction and re-read the new row through the
//! caller's scope: a row the caller could not see afterwards is rolled back (403).
//!
//! Every write runs in one transaction with [`Hooks::in_transaction`] and its
//! [audit entry](crate::audit); after the commit it publishes a
//! `<plural>.created|updated|deleted` [event](crate::events) on the app's bus.

mod body;
mod etag;
mod handlers;
mod hooks;
pub(crate) mod openapi;
mod patch;
mod traits;

pub use etag::etag_of;
pub use handlers::read_access;
pub use handlers::routes;
pub use hooks::{Change, HookContext, Hooks, NoHooks};
pub use openapi::resource_doc;
pub use patch::{double_option, non_null};
pub use traits::{Parent, Resource, WriteContext};
