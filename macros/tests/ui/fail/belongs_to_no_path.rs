use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "notes")]
struct Note {
    #[resource(id)]
    id: Uuid,
    #[resource(belongs_to)]
    student_id: Uuid,
    #[resource(belongs_to = "")]
    course_id: Uuid,
}

fn main() {}
