//! Start-up: embedded migrations run unless disabled; configuration is validated.

use sqlx::migrate::Migrator;
use strata::testing::TestDatabase;
use strata::{App, Migrations, StartupError};

async fn migrations() -> Migrations {
    let dir = std::env::temp_dir().join(format!(
        "strata-migrations-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("0001_notes.sql"),
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )
    .unwrap();
    let sqlite = Migrator::new(dir.as_path()).await.unwrap();
    let postgres = Migrator::new(dir.as_path()).await.unwrap();
    Migrations::new().sqlite(sqlite).postgres(postgres)
}

async fn has_notes_table(server: &strata::Server) -> bool {
    match server.state().db() {
        strata::Db::Sqlite(p) => sqlx::query("SELECT 1 FROM notes").execute(p).await.is_ok(),
        strata::Db::Postgres(p) => sqlx::query("SELECT 1 FROM notes").execute(p).await.is_ok(),
    }
}

#[tokio::test]
async fn migrations_run_at_start_up_on_every_backend() {
    for db in TestDatabase::all().await {
        let server = App::new(db.config())
            .migrations(migrations().await)
            .build()
            .await
            .unwrap();
        assert!(has_notes_table(&server).await, "{:?}", db.dialect());
        // Building again is idempotent: applied migrations are skipped.
        let again = App::new(db.config())
            .migrations(migrations().await)
            .build()
            .await
            .unwrap();
        assert!(has_notes_table(&again).await);
    }
}

#[tokio::test]
async fn migrations_can_be_disabled() {
    let db = TestDatabase::sqlite();
    let mut config = db.config();
    config.database.migrate = false;
    let server = App::new(config)
        .migrations(migrations().await)
        .build()
        .await
        .unwrap();
    assert!(!has_notes_table(&server).await);
}

#[tokio::test]
async fn missing_dialect_migrations_stop_start_up() {
    let db = TestDatabase::sqlite();
    let empty =
        std::env::temp_dir().join(format!("strata-empty-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&empty).unwrap();
    let only_pg = Migrations::new().postgres(Migrator::new(empty.as_path()).await.unwrap());
    let err = App::new(db.config())
        .migrations(only_pg)
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, StartupError::Migrate(_)), "{err}");
    assert!(err.to_string().contains("SQLite"), "{err}");
}

#[tokio::test]
async fn invalid_configuration_is_refused_by_build() {
    let db = TestDatabase::sqlite();
    let mut config = db.config();
    config.server.bind_addr = "nope".into();
    config.database.max_connections = 0;
    let StartupError::Config(err) = App::new(config).build().await.unwrap_err() else {
        panic!("expected a configuration error");
    };
    assert_eq!(err.problems.len(), 2, "{err}");
}

#[tokio::test]
async fn unreachable_database_is_a_startup_error_not_a_hang() {
    let mut config = strata::Config::for_env(strata::Environment::Test);
    config.database.url = "postgres://postgres@127.0.0.1:1/nothing".into();
    config.database.acquire_timeout_secs = 1;
    let err = App::new(config).build().await.unwrap_err();
    assert!(matches!(err, StartupError::Database(_)), "{err}");
}
