use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "notes", owner = "author_id")]
struct Note {
    #[resource(id)]
    id: Uuid,
    owner_id: Uuid,
}

fn main() {}
