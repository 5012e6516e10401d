use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes")]
struct Note {
    id: Uuid,
    body: String,
}

fn main() {}
