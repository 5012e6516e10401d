//! Defaults: path and permission from the table, `NoHooks`, timestamps found by
//! name or by marker, no owner, parents, version or rate limit.

use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Utc};
use strata::repo::{Conventions, Entity};
use strata::resource::{Resource, WriteContext};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "notes")]
struct Note {
    #[resource(id)]
    id: Uuid,
    body: String,
    #[resource(created_at)]
    inserted: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "tags", timestamps)]
struct Tag {
    #[resource(id)]
    name: String,
}

fn main() {
    assert_eq!((Note::PATH, Note::PERMISSION), ("notes", "notes"));
    assert!(Note::OWNER.is_none() && Note::PARENTS.is_empty() && Note::RATE_LIMIT.is_none());
    assert_eq!(
        Note::CONVENTIONS,
        Conventions {
            created_at: Some("inserted"),
            ..Conventions::TIMESTAMPS
        }
    );
    // `timestamps` without the fields still names the columns.
    assert_eq!(Tag::CONVENTIONS, Conventions::TIMESTAMPS);
    let _: <Note as Resource>::Hooks = strata::resource::NoHooks;

    let user = strata::auth::AuthUser {
        id: Uuid::nil(),
        email: "a@b.c".into(),
        role: "admin".into(),
    };
    let body: NoteCreate = serde_json::from_value(serde_json::json!({"body": "hi"})).unwrap();
    let note = Note::from_create(
        body,
        &WriteContext {
            user: &user,
            parent: None,
        },
    )
    .expect("a valid body");
    assert_eq!(note.id.get_version_num(), 7);
    assert_eq!(note.body, "hi");
    assert!(note.version().is_none());
    // A read-only field in a body is an unknown field.
    assert!(
        serde_json::from_value::<NoteCreate>(serde_json::json!({"body": "x", "inserted": null}))
            .is_err()
    );
}
