//! Guardian links: `POST /api/v1/students/{id}/guardians {guardianId}` lets a
//! guardian read that student's assignments (the `child` scope).

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Utc};
use strata::resource::{HookContext, Hooks};
use strata::{AppError, FieldError, sqlx};
use uuid::Uuid;

/// A guardian allowed to read a student's assignments.
#[derive(strata::Resource, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
#[resource(table = "guardian_links", path = "guardians", hooks = GuardianRules)]
pub struct GuardianLink {
    /// The link id.
    #[resource(id)]
    pub id: Uuid,
    /// The student.
    #[resource(filter, belongs_to = "students")]
    pub student_id: Uuid,
    /// The guardian (a user with role `guardian`).
    #[resource(filter)]
    pub guardian_id: Uuid,
    /// Set on insert.
    pub created_at: DateTime<Utc>,
    /// Set on every write.
    pub updated_at: DateTime<Utc>,
}

/// Only guardians can be linked, only to students.
#[derive(Debug, Default)]
pub struct GuardianRules;

/// The role of user `id`, if the user exists.
pub(crate) async fn role_of(
    state: &strata::AppState,
    id: Uuid,
) -> Result<Option<String>, AppError> {
    const SQL: &str = "SELECT role FROM users WHERE id = $1";
    let row: Option<(String,)> = match state.db() {
        strata::Db::Sqlite(pool) => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?,
        strata::Db::Postgres(pool) => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?,
    };
    Ok(row.map(|(role,)| role))
}

impl Hooks<GuardianLink> for GuardianRules {
    fn before_create<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a mut GuardianLink,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let mut problems = Vec::new();
            if role_of(context.state, row.guardian_id).await?.as_deref() != Some("guardian") {
                problems.push(FieldError::new(
                    "guardianId",
                    "not_a_guardian",
                    "must be a user with role guardian",
                ));
            }
            // The student is the path's `{id}`: no such student is a 404.
            if role_of(context.state, row.student_id).await?.as_deref() != Some("student") {
                problems.push(FieldError::new("studentId", "not_found", "no such student"));
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(AppError::validation(problems))
            }
        })
    }
}
