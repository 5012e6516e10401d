//! Assignments (SPEC §11): owned by a student, created by teachers through
//! `/api/v1/students/{id}/assignments`, due in the future.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Utc};
use strata::resource::{HookContext, Hooks};
use strata::{AppError, FieldError};
use uuid::Uuid;

/// One assignment of one student.
#[derive(strata::Resource, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
#[resource(
    table = "assignments",
    owner = "student_id",
    version,
    hooks = AssignmentRules,
    default_sort = "dueDate",
    cache
)]
pub struct Assignment {
    /// The assignment id (UUID v7).
    #[resource(id)]
    pub id: Uuid,
    /// 1–200 characters.
    #[resource(filter, sort, search)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Free text.
    #[resource(search)]
    pub description: Option<String>,
    /// The subject, e.g. `math`.
    #[resource(filter)]
    #[validate(length(min = 1, max = 100))]
    pub subject: String,
    /// When it is due; must be in the future on create.
    #[resource(filter, sort)]
    pub due_date: DateTime<Utc>,
    /// `pending`, `in_progress` or `completed`.
    #[resource(filter, enum = "pending|in_progress|completed")]
    pub status: String,
    /// The student it belongs to (the owner).
    #[resource(filter, belongs_to = "students")]
    pub student_id: Uuid,
    /// Set on insert.
    #[resource(sort)]
    pub created_at: DateTime<Utc>,
    /// Set on every write.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-locking version, exposed as the ETag.
    pub version: i64,
}

/// The seed's service-layer rules for assignments.
#[derive(Debug, Default)]
pub struct AssignmentRules;

impl Hooks<Assignment> for AssignmentRules {
    fn before_create<'a>(
        &'a self,
        _: HookContext<'a>,
        row: &'a mut Assignment,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            if row.due_date <= Utc::now() {
                return Err(AppError::validation([FieldError::new(
                    "dueDate",
                    "future",
                    "must be in the future",
                )]));
            }
            Ok(())
        })
    }
}
