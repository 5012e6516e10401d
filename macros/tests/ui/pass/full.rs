//! Every attribute at once.

use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, NaiveDate, Utc};
use strata::query::FieldType;
use strata::repo::{Conventions, Entity};
use strata::resource::{Hooks, Resource};
use strata::uuid::Uuid;

#[derive(Default)]
pub struct AssignmentHooks;

impl Hooks<Assignment> for AssignmentHooks {}

/// An assignment.
#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(
    table = "assignments",
    path = "homework",
    permission = "assignments",
    owner = "student_id",
    soft_delete,
    version,
    timestamps,
    hooks = AssignmentHooks,
    rate_limit = "100/min",
    cache,
    default_sort = "-createdAt,title"
)]
pub struct Assignment {
    #[resource(id)]
    pub id: Uuid,
    #[resource(filter, sort, search)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[resource(filter, enum = "pending|in_progress|completed")]
    pub status: String,
    #[resource(enum = "low|high")]
    pub priority: Option<String>,
    #[resource(filter, sort, column = "due")]
    pub due_date: Option<NaiveDate>,
    #[resource(belongs_to = "students")]
    pub student_id: Uuid,
    #[resource(belongs_to = "courses", filter)]
    pub course_id: Uuid,
    #[resource(readonly)]
    pub grade: Option<f64>,
    pub version: i64,
    #[resource(sort)]
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

fn main() {
    assert_eq!(Assignment::TABLE, "assignments");
    assert_eq!(Assignment::PATH, "homework");
    assert_eq!(Assignment::PERMISSION, "assignments");
    assert_eq!(Assignment::RATE_LIMIT, Some("100/min"));
    assert_eq!(Assignment::OWNER.map(|f| f.column), Some("student_id"));
    let parents: Vec<_> = Assignment::PARENTS
        .iter()
        .map(|p| (p.path, p.field.name))
        .collect();
    assert_eq!(
        parents,
        [("students", "studentId"), ("courses", "courseId")]
    );
    assert_eq!(
        Assignment::CONVENTIONS,
        Conventions::TIMESTAMPS
            .soft_delete("deleted_at")
            .versioned("version")
    );
    let spec = Assignment::SPEC;
    assert_eq!(spec.id.name, "id");
    assert_eq!(spec.default_sort, &[("createdAt", true), ("title", false)]);
    let due = spec.field("dueDate").unwrap();
    assert_eq!(
        (due.column, due.ty, due.nullable),
        ("due", FieldType::Date, true)
    );
    assert_eq!(
        spec.field("status").unwrap().ty,
        FieldType::Enum(&["pending", "in_progress", "completed"])
    );
    assert!(spec.field("title").unwrap().searchable);

    // The bodies: only writable fields; the owner (also a parent) is not one.
    let create: AssignmentCreate = serde_json::from_value(serde_json::json!({
        "title": "Essay", "status": "pending", "dueDate": null, "courseId": Uuid::nil()
    }))
    .unwrap();
    let _: AssignmentReplace = serde_json::from_value(
        serde_json::json!({"title": "t", "status": "pending", "dueDate": null}),
    )
    .unwrap();
    let patch: AssignmentPatch =
        serde_json::from_value(serde_json::json!({"dueDate": null})).unwrap();
    assert_eq!(patch.due_date, Some(None));
    assert!(patch.title.is_none());
    assert!(serde_json::from_value::<AssignmentPatch>(serde_json::json!({"grade": 1.0})).is_err());
    let _ = create.title.len();

    // `#[validate]` rules and `enum` variants are checked on every body.
    use strata::validator::Validate;
    let bad: AssignmentCreate = serde_json::from_value(serde_json::json!({
        "title": "", "status": "late", "priority": "medium", "dueDate": null, "courseId": Uuid::nil()
    }))
    .unwrap();
    let errors = bad.validate().unwrap_err();
    let mut fields: Vec<_> = errors.field_errors().into_keys().collect();
    fields.sort_unstable();
    assert_eq!(fields, ["priority", "status", "title"]);
    let patch: AssignmentPatch =
        serde_json::from_value(serde_json::json!({"priority": "medium"})).unwrap();
    assert!(patch.validate().is_err());
    let patch: AssignmentPatch =
        serde_json::from_value(serde_json::json!({"priority": null})).unwrap();
    assert!(patch.validate().is_ok());
}
