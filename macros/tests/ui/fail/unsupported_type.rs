use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes")]
struct Note {
    #[resource(id)]
    id: Uuid,
    tags: Vec<String>,
    #[resource(type = "array")]
    scores: Vec<i64>,
}

fn main() {}
