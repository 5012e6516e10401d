//! Role-based access control (SPEC §6).
//!
//! A [`Permission`] is `resource:action` or `resource:action:scope`, where
//! `resource` and `action` may be `*`; actions are `read create update delete`
//! plus any custom word. A [`Policy`] maps roles to permissions, with role
//! inheritance; it is written in code or loaded from TOML and validated when it
//! is built (an unknown inherited role, a cycle or a malformed permission is an
//! error, so a broken policy stops start-up).
//!
//! ```
//! use strata::rbac::{Policy, Access};
//!
//! let policy = Policy::from_toml(r#"
//!     [roles.student]
//!     permissions = ["assignments:read:own", "subtasks:*:own"]
//!     [roles.teacher]
//!     inherits = ["student"]
//!     permissions = ["assignments:read", "assignments:create", "assignments:update"]
//!     [roles.admin]
//!     permissions = ["*"]
//! "#)?;
//! assert_eq!(policy.check("student", "assignments", "read"), Access::Scoped("own"));
//! assert_eq!(policy.check("teacher", "assignments", "read"), Access::All);
//! assert_eq!(policy.check("teacher", "subtasks", "delete"), Access::Scoped("own"));
//! assert_eq!(policy.check("student", "assignments", "delete"), Access::Denied);
//! assert_eq!(policy.check("admin", "anything", "at-all"), Access::All);
//! # Ok::<(), strata::rbac::PolicyError>(())
//! ```
//!
//! Hand-written routes take [`RequirePermission<P>`](RequirePermission) (401 without
//! a valid token, 403 without the permission); the app's policy is set with
//! [`App::policy`](crate::App::policy).
//!
//! A scoped grant (`assignments:read:own`) becomes row filters through a
//! [`Scope`]: `own` (owner column = caller) is built in, others are registered
//! with [`App::scope`](crate::App::scope) and checked against the policy at
//! start-up. Lists append the filters; single-row reads use
//! [`SqlRepository::find_where`](crate::repo::SqlRepository::find_where), so rows of
//! others are 404, never 403; creates force the owner column to the caller.
//!
//! [`Policy::check`] compares borrowed strings against grants flattened at build
//! time: it allocates nothing.

mod permission;
mod policy;
mod require;
mod scope;

pub use permission::{Permission, PermissionError};
pub use policy::{Access, Grant, Policy, PolicyBuilder, PolicyError};
pub use require::{PermissionSpec, RequirePermission};
pub use scope::{Own, Scope, ScopeRequest, Scopes, owner_filter};
