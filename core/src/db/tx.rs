use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::{Postgres, Sqlite, Transaction};

use super::{Db, Dialect};

/// An open transaction on either dialect. Dropped without [`Tx::commit`], it
/// rolls back.
#[derive(Debug)]
pub enum Tx {
    /// A SQLite transaction.
    Sqlite(Transaction<'static, Sqlite>),
    /// A PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// The dialect of this transaction.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite(_) => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls the transaction back.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(tx) => tx.rollback().await,
            Self::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// Where a repository call runs: on the pool, or inside a transaction.
///
/// Built with `From`: `(&db).into()` or `(&mut tx).into()`; repository methods
/// take `impl Into<Exec>`, so callers pass `&db` or `&mut tx` directly.
#[derive(Debug)]
pub enum Exec<'a> {
    /// Each statement takes a connection from the pool.
    Pool(&'a Db),
    /// Statements run on the transaction's connection.
    Tx(&'a mut Tx),
}

impl Exec<'_> {
    /// The dialect statements must be built for.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Pool(db) => db.dialect(),
            Self::Tx(tx) => tx.dialect(),
        }
    }
}

impl<'a> From<&'a Db> for Exec<'a> {
    fn from(db: &'a Db) -> Self {
        Self::Pool(db)
    }
}

impl<'a> From<&'a mut Tx> for Exec<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        Self::Tx(tx)
    }
}

impl<'a> From<&'a mut Exec<'_>> for Exec<'a> {
    fn from(exec: &'a mut Exec<'_>) -> Self {
        match exec {
            Exec::Pool(db) => Exec::Pool(db),
            Exec::Tx(tx) => Exec::Tx(tx),
        }
    }
}

impl Db {
    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Runs `work` in a transaction (a unit of work): commits when it returns
    /// `Ok`, rolls back when it returns `Err` or panics (the panic then resumes).
    ///
    /// The closure must own what it captures (move clones of repositories and
    /// `Arc`s in); for borrowing code, use [`Db::begin`] and [`Tx::commit`]
    /// directly — an uncommitted `Tx` rolls back when dropped.
    ///
    /// ```no_run
    /// # async fn f(db: strata::Db) -> Result<(), strata::AppError> {
    /// let n = db
    ///     .transaction(|tx| Box::pin(async move {
    ///         // repo.create(&mut *tx, &a).await?; repo.create(&mut *tx, &b).await?;
    ///         let _ = tx;
    ///         Ok::<_, strata::AppError>(2)
    ///     }))
    ///     .await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub async fn transaction<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<R, E>>,
        E: From<sqlx::Error>,
    {
        let mut tx = self.begin().await?;
        let outcome = AssertUnwindSafe(work(&mut tx)).catch_unwind().await;
        match outcome {
            Ok(Ok(value)) => {
                tx.commit().await?;
                Ok(value)
            }
            Ok(Err(err)) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed");
                }
                Err(err)
            }
            Err(panic) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "rollback after panic failed");
                }
                std::panic::resume_unwind(panic)
            }
        }
    }
}
