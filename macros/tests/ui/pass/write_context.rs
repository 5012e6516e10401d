//! What `from_create`, `replace` and `patch` do: owner from the caller, parents
//! from the nested route (else the body), read-only fields untouched.

use serde::{Deserialize, Serialize};
use strata::query::Value;
use strata::resource::{Resource, WriteContext};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "submissions", owner = "student_id", version)]
struct Submission {
    #[resource(id)]
    id: Uuid,
    #[resource(belongs_to = "students")]
    student_id: Uuid,
    #[resource(belongs_to = "assignments")]
    assignment_id: Uuid,
    text: String,
    grade: Option<i32>,
    #[resource(readonly)]
    reviewed: bool,
    version: i32,
}

fn main() {
    let caller = Uuid::now_v7();
    let user = strata::auth::AuthUser {
        id: caller,
        email: "s@x.y".into(),
        role: "student".into(),
    };
    let from_body = Uuid::now_v7();
    let body = || -> SubmissionCreate {
        serde_json::from_value(serde_json::json!({
            "assignmentId": from_body, "text": "hello", "grade": null
        }))
        .unwrap()
    };

    // Flat route: the owner is the caller, the parent comes from the body.
    let flat = Submission::from_create(
        body(),
        &WriteContext {
            user: &user,
            parent: None,
        },
    )
    .expect("a valid body");
    assert_eq!((flat.student_id, flat.assignment_id), (caller, from_body));
    assert_eq!((flat.version, flat.reviewed, flat.grade), (0, false, None));
    assert_eq!(flat.version(), Some(0));
    assert_ne!(flat.id, Uuid::nil());

    // Nested routes: the path's parent id wins, for the owner column too.
    let [student, assignment] = Submission::PARENTS else {
        panic!("two parents")
    };
    let (other_student, other_assignment) = (Uuid::now_v7(), Uuid::now_v7());
    let nested = Submission::from_create(
        body(),
        &WriteContext {
            user: &user,
            parent: Some((assignment.field, Value::Uuid(other_assignment))),
        },
    )
    .expect("a valid body");
    assert_eq!(
        (nested.student_id, nested.assignment_id),
        (caller, other_assignment)
    );
    let by_teacher = Submission::from_create(
        body(),
        &WriteContext {
            user: &user,
            parent: Some((student.field, Value::Uuid(other_student))),
        },
    )
    .expect("a valid body");
    assert_eq!(
        (by_teacher.student_id, by_teacher.assignment_id),
        (other_student, from_body)
    );

    // PUT sets every writable field; PATCH only the present ones, `null` clears.
    let mut row = flat.clone();
    row.replace(serde_json::from_value(serde_json::json!({"text": "v2", "grade": 3})).unwrap());
    assert_eq!((row.text.as_str(), row.grade), ("v2", Some(3)));
    row.patch(serde_json::from_value(serde_json::json!({"text": "v3"})).unwrap());
    assert_eq!((row.text.as_str(), row.grade), ("v3", Some(3)));
    row.patch(serde_json::from_value(serde_json::json!({"grade": null})).unwrap());
    assert_eq!((row.text.as_str(), row.grade), ("v3", None));
    // Parents and read-only fields are not in PUT/PATCH bodies.
    for key in ["assignmentId", "studentId", "reviewed", "version", "id"] {
        let body = serde_json::json!({ key: null });
        assert!(
            serde_json::from_value::<SubmissionPatch>(body).is_err(),
            "{key}"
        );
    }
}
