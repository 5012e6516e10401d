use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes")]
struct Note {
    #[resource(id)]
    id: Uuid,
    #[resource(filter, search)]
    words: i64,
    #[resource(search)]
    body: Option<String>,
}

fn main() {}
