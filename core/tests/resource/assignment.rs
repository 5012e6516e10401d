//! The classroom's assignment, written by hand exactly as `#[derive(Resource)]`
//! generates it: entity, query spec, bodies, hooks and the `Resource` impl.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use strata::query::{FieldMeta, FieldType, QuerySpec, Value};
use strata::repo::{Conventions, Entity, EntityId};
use strata::resource::{HookContext, Hooks, Parent, Resource, WriteContext};
use strata::{AppError, FieldError};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Assignment {
    id: Uuid,
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    status: String,
    student_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

pub(crate) const STATUSES: &[&str] = &["pending", "in_progress", "completed"];

pub(crate) static FIELDS: [FieldMeta; 10] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("description", "description", FieldType::String)
        .search()
        .nullable(),
    FieldMeta::new("subject", "subject", FieldType::String).filter(),
    FieldMeta::new("dueDate", "due_date", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("status", "status", FieldType::Enum(STATUSES)).filter(),
    FieldMeta::new("studentId", "student_id", FieldType::Uuid).filter(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime).sort(),
    FieldMeta::new("updatedAt", "updated_at", FieldType::DateTime),
    FieldMeta::new("version", "version", FieldType::Int),
];
pub(crate) static SPEC: QuerySpec =
    QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("dueDate", false)]);
pub(crate) static PARENTS: [Parent; 1] = [Parent {
    path: "students",
    field: &FIELDS[6],
}];

impl Entity for Assignment {
    const TABLE: &'static str = "assignments";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::TIMESTAMPS.versioned("version");
    type Id = Uuid;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Uuid(self.id)),
            ("title", Value::String(self.title.clone())),
            (
                "description",
                self.description.clone().map_or(Value::Null, Value::String),
            ),
            ("subject", Value::String(self.subject.clone())),
            ("due_date", Value::DateTime(self.due_date)),
            ("status", Value::String(self.status.clone())),
            ("student_id", Value::Uuid(self.student_id)),
        ]
    }
}

pub(crate) fn valid_status(status: &str) -> Result<(), validator::ValidationError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("enum")
            .with_message("must be pending, in_progress or completed".into()))
    }
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AssignmentCreate {
    #[validate(length(min = 1, max = 200))]
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    #[validate(custom(function = "valid_status"))]
    #[serde(default = "pending")]
    status: String,
    student_id: Option<Uuid>,
}

pub(crate) fn pending() -> String {
    "pending".into()
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AssignmentReplace {
    #[validate(length(min = 1, max = 200))]
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    #[validate(custom(function = "valid_status"))]
    status: String,
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AssignmentPatch {
    #[validate(length(min = 1, max = 200))]
    title: Option<String>,
    #[serde(default, deserialize_with = "strata::resource::double_option")]
    description: Option<Option<String>>,
    subject: Option<String>,
    due_date: Option<DateTime<Utc>>,
    #[validate(custom(function = "valid_status"))]
    status: Option<String>,
}

/// The seed's service-layer rule: a new assignment is due in the future; and
/// (to show `validate` on updates) a completed assignment keeps its due date.
#[derive(Default)]
pub(crate) struct AssignmentRules;

impl Hooks<Assignment> for AssignmentRules {
    fn validate<'a>(
        &'a self,
        _: HookContext<'a>,
        row: &'a Assignment,
        current: Option<&'a Assignment>,
    ) -> BoxFuture<'a, Result<Vec<FieldError>, AppError>> {
        Box::pin(async move {
            let moved_when_done = current.is_some_and(|current| {
                current.status == "completed" && row.due_date != current.due_date
            });
            Ok(if moved_when_done {
                vec![FieldError::new(
                    "dueDate",
                    "frozen",
                    "a completed assignment keeps its due date",
                )]
            } else {
                Vec::new()
            })
        })
    }

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

impl Resource for Assignment {
    const PATH: &'static str = "assignments";
    const PERMISSION: &'static str = "assignments";
    const OWNER: Option<&'static FieldMeta> = Some(&FIELDS[6]);
    const PARENTS: &'static [Parent] = &PARENTS;
    const RATE_LIMIT: Option<&'static str> = None;
    const CACHE: bool = true;
    type Create = AssignmentCreate;
    type Replace = AssignmentReplace;
    type Patch = AssignmentPatch;
    type Hooks = AssignmentRules;

    fn id(&self) -> &Uuid {
        &self.id
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
    fn from_create(body: AssignmentCreate, context: &WriteContext<'_>) -> Result<Self, AppError> {
        let now = Utc::now();
        let parent = match &context.parent {
            Some((_, Value::Uuid(id))) => Some(*id),
            _ => None,
        };
        Ok(Assignment {
            id: Uuid::generate().unwrap_or_else(Uuid::now_v7),
            title: body.title,
            description: body.description,
            subject: body.subject,
            due_date: body.due_date,
            status: body.status,
            student_id: parent.or(body.student_id).unwrap_or(context.user.id),
            created_at: now,
            updated_at: now,
            version: 0,
        })
    }
    fn replace(&mut self, body: AssignmentReplace) {
        self.title = body.title;
        self.description = body.description;
        self.subject = body.subject;
        self.due_date = body.due_date;
        self.status = body.status;
    }
    fn patch(&mut self, body: AssignmentPatch) {
        if let Some(v) = body.title {
            self.title = v;
        }
        if let Some(v) = body.description {
            self.description = v;
        }
        if let Some(v) = body.subject {
            self.subject = v;
        }
        if let Some(v) = body.due_date {
            self.due_date = v;
        }
        if let Some(v) = body.status {
            self.status = v;
        }
    }
}
