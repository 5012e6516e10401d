//! The classroom's background work (SPEC §11): a reminder for each
//! assignment 24 hours before it is due, and a daily digest.
//!
//! "Sending" is a log line (target `classroom::reminders`); a real app would
//! call its mail service here.

use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Duration, Utc};
use strata::jobs::{Job, JobContext, JobError};
use strata::query::ListQuery;
use strata::repo::{Entity, Repository};
use uuid::Uuid;

use crate::domains::assignments::Assignment;

/// Reminds a student of one assignment due within 24 hours.
///
/// Queued by the assignment hook in the same transaction as the write: at
/// once when the assignment is due within a day, else for 24 hours before
/// its due date. The job re-reads the row, so a completed, deleted or
/// rescheduled assignment is not reminded (a reschedule queued its own).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueReminder {
    /// The assignment.
    pub assignment_id: Uuid,
    /// Its due date when the reminder was queued.
    pub due_date: DateTime<Utc>,
}

impl Job for DueReminder {
    const NAME: &'static str = "classroom.due_reminder";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let state = ctx.state();
        let repo = state.repository::<Assignment>();
        let Some(assignment) = repo.find_by_id(state.db(), &self.assignment_id).await? else {
            return Ok(());
        };
        let now = Utc::now();
        let current = assignment.due_date == self.due_date;
        let soon = assignment.due_date > now && assignment.due_date <= now + Duration::hours(24);
        if current && soon && assignment.status != "completed" {
            tracing::info!(
                target: "classroom::reminders",
                assignment = %assignment.id,
                student = %assignment.student_id,
                title = %assignment.title,
                due = %assignment.due_date.to_rfc3339(),
                "reminder sent"
            );
        }
        Ok(())
    }
}

/// Once a day: per student, how many open assignments fall due in the next
/// 24 hours. Scheduled by `[app] digest_cron` (default `0 0 7 * * *`, 07:00
/// UTC); with several instances each day's digest is sent once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DailyDigest;

/// Rows read per page while building the digest.
const DIGEST_PAGE: u32 = 100;

impl Job for DailyDigest {
    const NAME: &'static str = "classroom.daily_digest";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let state = ctx.state();
        let repo = state.repository::<Assignment>();
        let now = Utc::now();
        let until = now + Duration::hours(24);
        let mut per_student = std::collections::BTreeMap::<Uuid, Vec<String>>::new();
        for page in 1.. {
            let raw = form_urlencoded::Serializer::new(String::new())
                .append_pair("dueDate[gt]", &now.to_rfc3339())
                .append_pair("dueDate[lte]", &until.to_rfc3339())
                .append_pair("status[ne]", "completed")
                .append_pair("sort", "dueDate")
                .append_pair("perPage", &DIGEST_PAGE.to_string())
                .append_pair("page", &page.to_string())
                .finish();
            let query = ListQuery::parse(&raw, Assignment::SPEC, state.cursor_codec())?;
            let rows = repo.list(state.db(), &query).await?.items;
            let last = rows.len() < DIGEST_PAGE as usize;
            for row in rows {
                per_student
                    .entry(row.student_id)
                    .or_default()
                    .push(row.title);
            }
            if last {
                break;
            }
        }
        for (student, titles) in &per_student {
            tracing::info!(
                target: "classroom::reminders",
                %student,
                due_today = titles.len(),
                titles = %titles.join(", "),
                "daily digest sent"
            );
        }
        tracing::info!(target: "classroom::reminders", students = per_student.len(), "daily digest done");
        Ok(())
    }
}
