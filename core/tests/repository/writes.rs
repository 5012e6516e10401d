//! CRUD, soft delete, optimistic locking, constraint violations, transactions.

use chrono::NaiveDate;
use strata::query::Value;
use strata::repo::Repository;
use strata::{AppError, Dialect, ErrorCode};
use uuid::Uuid;

use super::support::*;

#[tokio::test]
async fn crud_round_trip_maintains_timestamps_and_version() {
    for f in fixtures().await {
        let mut t = task("Essay", 3);
        t.due_on = NaiveDate::from_ymd_opt(2030, 5, 1);
        t.note = Some("chapter one".into());
        let created = f.repo.create(&f.pool, &t).await.unwrap();
        assert_eq!(
            (created.id, created.title.as_str(), created.version),
            (t.id, "Essay", 1)
        );
        assert_eq!(created.due_on, t.due_on);
        assert_eq!(created.created_at, created.updated_at);

        let found = f.repo.find_by_id(&f.pool, &t.id).await.unwrap().unwrap();
        assert_eq!(found, created);
        assert!(f.repo.exists(&f.pool, &t.id).await.unwrap());

        let mut changed = found.clone();
        changed.title = "Essay v2".into();
        changed.version = 99; // managed by the repository: ignored
        let updated = f.repo.update(&f.pool, &t.id, &changed, None).await.unwrap();
        assert_eq!((updated.title.as_str(), updated.version), ("Essay v2", 2));
        assert_eq!(updated.created_at, created.created_at);
        assert!(updated.updated_at >= created.updated_at);

        let patched = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("note", Value::Null), ("priority", Value::Int(9))],
                Some(2),
            )
            .await
            .unwrap();
        assert_eq!(
            (patched.note, patched.priority, patched.version),
            (None, 9, 3)
        );
        assert_eq!(
            patched.title, "Essay v2",
            "untouched columns keep their value"
        );

        f.repo.delete(&f.pool, &t.id, None).await.unwrap();
        assert!(f.repo.find_by_id(&f.pool, &t.id).await.unwrap().is_none());
        let missing = Uuid::now_v7();
        let err = f
            .repo
            .update(&f.pool, &missing, &changed, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn soft_delete_hides_rows_and_restore_brings_them_back() {
    for f in fixtures().await {
        let keep = f.repo.create(&f.pool, &task("Keep", 1)).await.unwrap();
        let gone = f.repo.create(&f.pool, &task("Gone", 2)).await.unwrap();
        f.repo.delete(&f.pool, &gone.id, Some(1)).await.unwrap();

        assert!(
            f.repo
                .find_by_id(&f.pool, &gone.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(!f.repo.exists(&f.pool, &gone.id).await.unwrap());
        assert_eq!(f.titles("").await, ["Keep"]);
        assert_eq!(f.repo.count(&f.pool, &[]).await.unwrap(), 1);
        let again = f.repo.delete(&f.pool, &gone.id, None).await.unwrap_err();
        assert_eq!(again.code(), ErrorCode::NotFound);
        let patch = f
            .repo
            .patch(&f.pool, &gone.id, &[("priority", Value::Int(5))], None)
            .await;
        assert_eq!(patch.unwrap_err().code(), ErrorCode::NotFound);

        let restored = f.repo.restore(&f.pool, &gone.id).await.unwrap();
        assert_eq!((restored.deleted_at, restored.version), (None, 3));
        assert_eq!(f.titles("sort=priority").await, ["Keep", "Gone"]);
        let not_deleted = f.repo.restore(&f.pool, &keep.id).await.unwrap_err();
        assert_eq!(not_deleted.code(), ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn stale_versions_are_412_not_silent_overwrites() {
    for f in fixtures().await {
        let t = f.repo.create(&f.pool, &task("Versioned", 1)).await.unwrap();
        let first = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("title", Value::String("A".into()))],
                Some(1),
            )
            .await
            .unwrap();
        assert_eq!(first.version, 2);
        let stale = f
            .repo
            .patch(
                &f.pool,
                &t.id,
                &[("title", Value::String("B".into()))],
                Some(1),
            )
            .await;
        assert_eq!(stale.unwrap_err().code(), ErrorCode::PreconditionFailed);
        let stale_delete = f.repo.delete(&f.pool, &t.id, Some(1)).await;
        assert_eq!(
            stale_delete.unwrap_err().code(),
            ErrorCode::PreconditionFailed
        );
        let now = f.repo.find_by_id(&f.pool, &t.id).await.unwrap().unwrap();
        assert_eq!(
            (now.title.as_str(), now.version),
            ("A", 2),
            "the stale writes changed nothing"
        );
    }
}

#[tokio::test]
async fn unique_and_foreign_key_violations_are_conflicts_naming_the_field() {
    for f in fixtures().await {
        let t = f.repo.create(&f.pool, &task("Unique", 1)).await.unwrap();
        let mut duplicate = task("Other", 2);
        duplicate.slug = t.slug.clone();
        let err = f.repo.create(&f.pool, &duplicate).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err:?}");
        assert_eq!(err.details()[0].field, "slug");
        assert!(
            !err.public_message().contains("constraint"),
            "{}",
            err.public_message()
        );

        let mut orphan = task("Orphan", 3);
        orphan.project_id = Some(Uuid::now_v7());
        let err = f.repo.create(&f.pool, &orphan).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err:?}");
        if f.pool.dialect() == Dialect::Postgres {
            // SQLite's message does not name the column.
            assert_eq!(err.details()[0].field, "projectId");
        }
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            1,
            "nothing half-written"
        );
    }
}

#[tokio::test]
async fn unit_of_work_commits_or_rolls_back_on_error_and_panic() {
    for f in fixtures().await {
        let repo = f.repo.clone();
        let committed: Result<(), AppError> = f
            .pool
            .transaction(|tx| {
                Box::pin(async move {
                    repo.create(&mut *tx, &task("One", 1)).await?;
                    repo.create(&mut *tx, &task("Two", 2)).await?;
                    assert_eq!(
                        repo.count(&mut *tx, &[]).await?,
                        2,
                        "visible inside the transaction"
                    );
                    Ok(())
                })
            })
            .await;
        committed.unwrap();
        assert_eq!(f.repo.count(&f.pool, &[]).await.unwrap(), 2);

        let repo = f.repo.clone();
        let failed: Result<(), AppError> = f
            .pool
            .transaction(|tx| {
                Box::pin(async move {
                    repo.create(&mut *tx, &task("Three", 3)).await?;
                    Err(AppError::conflict("business rule says no"))
                })
            })
            .await;
        assert_eq!(failed.unwrap_err().code(), ErrorCode::Conflict);
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            2,
            "rolled back on error"
        );

        let pool = f.pool.clone();
        let repo = f.repo.clone();
        let panicked = tokio::spawn(async move {
            let _: Result<(), AppError> = pool
                .transaction(|tx| {
                    Box::pin(async move {
                        repo.create(&mut *tx, &task("Four", 4)).await?;
                        panic!("handler bug mid-transaction");
                    })
                })
                .await;
        })
        .await;
        assert!(panicked.unwrap_err().is_panic());
        assert_eq!(
            f.repo.count(&f.pool, &[]).await.unwrap(),
            2,
            "rolled back on panic"
        );
        assert_eq!(f.titles("sort=priority").await, ["One", "Two"]);
    }
}

/// Repository futures must be `Send + 'static`-spawnable, as axum handlers need:
/// every method is called from a spawned task here, on the pool and in a transaction.
#[tokio::test]
async fn every_method_runs_in_a_spawned_task() {
    let f = fixtures().await.into_iter().next().unwrap();
    let pool = f.pool.clone();
    let repo = f.repo.clone();
    let query = f.parse("sort=priority");
    tokio::spawn(async move {
        let t = repo.create(&pool, &task("Spawned", 1)).await.unwrap();
        repo.find_by_id(&pool, &t.id).await.unwrap().unwrap();
        repo.find_where(&pool, &t.id, &[]).await.unwrap().unwrap();
        repo.list(&pool, &query).await.unwrap();
        repo.update(&pool, &t.id, &t, Some(1)).await.unwrap();
        repo.patch(&pool, &t.id, &[("priority", Value::Int(2))], Some(2))
            .await
            .unwrap();
        repo.count(&pool, &[]).await.unwrap();
        repo.exists(&pool, &t.id).await.unwrap();
        repo.delete(&pool, &t.id, Some(3)).await.unwrap();
        repo.restore(&pool, &t.id).await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        repo.update(&mut tx, &t.id, &t, None).await.unwrap();
        repo.delete(&mut tx, &t.id, Some(1)).await.unwrap_err();
        repo.list(&mut tx, &query).await.unwrap();
        tx.commit().await.unwrap();
    })
    .await
    .unwrap();
}
