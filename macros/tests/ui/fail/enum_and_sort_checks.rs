use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes", default_sort = "-createdAt", version)]
struct Note {
    #[resource(id)]
    id: Uuid,
    #[resource(enum = "low|high")]
    level: i64,
    #[resource(enum = "a||b")]
    kind: String,
}

fn main() {}
