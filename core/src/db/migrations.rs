use sqlx::migrate::{MigrateError, Migrator};

use super::Db;

/// An application's embedded migrations, one set per dialect.
///
/// SQL differs between SQLite and PostgreSQL, so an app ships a folder for each and
/// embeds both with `sqlx::migrate!`:
///
/// ```ignore
/// let migrations = strata::Migrations::new()
///     .sqlite(sqlx::migrate!("migrations/sqlite"))
///     .postgres(sqlx::migrate!("migrations/postgres"));
/// ```
///
/// Every migrator given here is set to ignore applied versions it does not
/// know (`set_ignore_missing(true)`): Strata's own migrations (versions from
/// 9 000 000 000 000 000 000 up, see [`crate::auth::migrations`]) and the app's
/// share the one `_sqlx_migrations` table. Apps must use lower versions.
#[derive(Debug, Default)]
pub struct Migrations {
    sqlite: Option<Migrator>,
    postgres: Option<Migrator>,
}

impl Migrations {
    /// No migrations.
    pub fn new() -> Self {
        Self::default()
    }

    /// The migrations run on SQLite.
    pub fn sqlite(mut self, mut migrator: Migrator) -> Self {
        migrator.set_ignore_missing(true);
        self.sqlite = Some(migrator);
        self
    }

    /// The migrations run on PostgreSQL.
    pub fn postgres(mut self, mut migrator: Migrator) -> Self {
        migrator.set_ignore_missing(true);
        self.postgres = Some(migrator);
        self
    }

    /// Applies the pending migrations for `db`'s dialect.
    ///
    /// An app that ships no migrations for a dialect it is started on gets an error
    /// rather than an empty schema.
    pub async fn run(&self, db: &Db) -> Result<(), MigrateError> {
        match db {
            Db::Sqlite(pool) => match &self.sqlite {
                Some(m) => m.run(pool).await,
                None => Err(no_migrations("SQLite")),
            },
            Db::Postgres(pool) => match &self.postgres {
                Some(m) => m.run(pool).await,
                None => Err(no_migrations("PostgreSQL")),
            },
        }
    }

    /// Whether any migrations were given.
    pub fn is_empty(&self) -> bool {
        self.sqlite.is_none() && self.postgres.is_none()
    }
}

fn no_migrations(dialect: &str) -> MigrateError {
    MigrateError::Source(format!("this app has no migrations for {dialect}").into())
}
