use serde::{Deserialize, Serialize};
use strata::uuid::Uuid;

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes", tabel = "x", paginate)]
struct Note {
    #[resource(id, primary)]
    id: Uuid,
    #[resource(filtr)]
    body: String,
}

fn main() {}
