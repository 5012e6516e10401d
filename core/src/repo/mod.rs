//! Repositories: typed CRUD and list queries over SQLite and PostgreSQL.
//!
//! An [`Entity`] describes a table: its fields (a [`QuerySpec`](crate::query::QuerySpec)
//! listing every persisted column), its id type, the seed conventions it follows
//! ([`Conventions`]: timestamps, soft delete, optimistic locking) and how to turn
//! a value into column values. [`SqlRepository`] implements [`Repository`] for any
//! entity on either dialect, building SQL with sea-query: identifiers only ever
//! come from the static field list, values are always bound parameters.
//!
//! Every method takes an executor (`&db` or `&mut tx`, see [`Exec`](crate::db::Exec)),
//! so several calls can share one transaction:
//!
//! ```no_run
//! # use strata::repo::{Entity, Repository, SqlRepository};
//! # async fn f<T: Entity>(db: &strata::Db, repo: &SqlRepository<T>, a: T, b: T) -> Result<(), strata::AppError> {
//! let repo = repo.clone(); // the closure owns what it uses (clones are cheap)
//! db.transaction(|tx| Box::pin(async move {
//!     repo.create(&mut *tx, &a).await?;
//!     repo.create(&mut *tx, &b).await?; // a failure here rolls `a` back too
//!     Ok::<_, strata::AppError>(())
//! }))
//! .await
//! # }
//! ```
//!
//! Lists return a [`Page`]: offset pages carry a total count; keyset (cursor)
//! pages carry an opaque signed cursor and cost the same at any depth.
//!
//! [`CachedRepository`] wraps any repository with cache-aside reads (moka or
//! Redis, single-flight on misses) and invalidation on every write.

mod cached;
mod column;
mod entity;
mod page;
mod repository;
mod run;
mod sql;
mod sql_repository;

pub use cached::CachedRepository;
pub use column::ColumnValue;
pub use entity::{Conventions, Entity, EntityId};
pub use page::Page;
pub use repository::Repository;
pub use sql_repository::SqlRepository;
