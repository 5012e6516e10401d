//! Assignments (SPEC §11): owned by a student, created by teachers through
//! `/api/v1/students/{id}/assignments`, due in the future.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Duration, Utc};
use strata::db::Tx;
use strata::resource::{Change, HookContext, Hooks};
use strata::{AppError, FieldError};
use uuid::Uuid;

use super::guardians::role_of;
use crate::reminders::DueReminder;

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
    /// 1–200 characters. Sortable and searchable, not filterable (SPEC §11).
    #[resource(sort, search)]
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
    /// `pending`, `in_progress` or `completed`; `pending` when a create
    /// leaves it out.
    #[resource(filter, enum = "pending|in_progress|completed")]
    #[serde(default = "pending")]
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

/// The status of a new assignment that does not name one.
fn pending() -> String {
    "pending".to_owned()
}

impl Hooks<Assignment> for AssignmentRules {
    /// A new assignment is due in the future; checked with the field rules,
    /// so one 422 lists this and every other failing field.
    fn validate<'a>(
        &'a self,
        context: HookContext<'a>,
        row: &'a Assignment,
        current: Option<&'a Assignment>,
    ) -> BoxFuture<'a, Result<Vec<FieldError>, AppError>> {
        Box::pin(async move {
            let mut errors = Vec::new();
            if current.is_some() {
                return Ok(errors);
            }
            if row.due_date <= Utc::now() {
                errors.push(FieldError::new(
                    "dueDate",
                    "future",
                    "must be in the future",
                ));
            }
            // `/students/{id}/assignments` names a student: any other user
            // (or none) is no such student (404 on that route). On the flat
            // route the owner is the caller, as SPEC §6 has it.
            if row.student_id != context.user.id
                && role_of(context.state, row.student_id).await?.as_deref() != Some("student")
            {
                errors.push(FieldError::new("studentId", "not_found", "no such student"));
            }
            Ok(errors)
        })
    }

    /// Queues the assignment's due reminder with the write: for 24 hours
    /// before the due date (at once if that has passed), again whenever the
    /// due date moves. A rolled-back write queues nothing.
    fn in_transaction<'a>(
        &'a self,
        ctx: HookContext<'a>,
        tx: &'a mut Tx,
        change: Change<'a, Assignment>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let row = match change {
                Change::Created(row) => row,
                Change::Updated { before, after } if before.due_date != after.due_date => after,
                _ => return Ok(()),
            };
            let Some(jobs) = ctx.state.jobs() else {
                return Ok(());
            };
            let reminder = DueReminder {
                assignment_id: row.id,
                due_date: row.due_date,
            };
            let at = (row.due_date - Duration::hours(24)).max(Utc::now());
            jobs.enqueue_tx_at(tx, reminder, at).await?;
            Ok(())
        })
    }
}
