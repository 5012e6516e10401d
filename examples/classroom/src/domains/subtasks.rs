//! Subtasks, nested under assignments. A subtask belongs to the assignment's
//! student: the hook copies the owner from the parent assignment, so the `own`
//! and `child` scopes apply to subtasks as to assignments.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Utc};
use strata::resource::{HookContext, Hooks};
use strata::{AppError, FieldError};
use uuid::Uuid;

use super::assignments::Assignment;

/// One step of an assignment.
#[derive(strata::Resource, Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
#[resource(table = "subtasks", owner = "student_id", hooks = SubtaskRules, default_sort = "createdAt")]
pub struct Subtask {
    /// The subtask id.
    #[resource(id)]
    pub id: Uuid,
    /// The assignment it belongs to.
    #[resource(filter, belongs_to = "assignments")]
    pub assignment_id: Uuid,
    /// The assignment's student (copied from the assignment on create).
    #[resource(filter)]
    pub student_id: Uuid,
    /// 1–200 characters.
    #[resource(filter, sort, search)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Whether it is done (false when a create leaves it out).
    #[resource(filter)]
    #[serde(default)]
    pub done: bool,
    /// Set on insert.
    #[resource(sort)]
    pub created_at: DateTime<Utc>,
    /// Set on every write.
    pub updated_at: DateTime<Utc>,
}

/// Subtasks take their owner from their assignment.
#[derive(Debug, Default)]
pub struct SubtaskRules;

impl Hooks<Subtask> for SubtaskRules {
    fn before_create<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a mut Subtask,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            // Looked up as the caller may read it: another student's
            // assignment answers exactly like one that does not exist.
            let assignment = context
                .find_readable::<Assignment>(&row.assignment_id)
                .await?
                .ok_or_else(|| {
                    AppError::validation([FieldError::new(
                        "assignmentId",
                        "not_found",
                        "no such assignment",
                    )])
                })?;
            row.student_id = assignment.student_id;
            Ok(())
        })
    }
}
