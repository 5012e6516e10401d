use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes", owner = "author_id")]
struct Note {
    #[resource(id)]
    id: Uuid,
    owner_id: Uuid,
}

fn main() {}
