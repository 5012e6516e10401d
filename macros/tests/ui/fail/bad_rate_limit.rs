use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes", rate_limit = "100 per minute")]
struct Note {
    #[resource(id)]
    id: Uuid,
}

fn main() {}
