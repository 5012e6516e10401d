use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(soft_delete, soft_delete)]
struct Note {
    #[resource(id)]
    id: Uuid,
}

fn main() {}
