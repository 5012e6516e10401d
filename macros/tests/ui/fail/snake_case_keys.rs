use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, Utc};
use strata::uuid::Uuid;

// Without camelCase renaming the rows would be served as `due_date` while the
// filters, bodies and docs say `dueDate`.
#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[resource(table = "notes")]
struct Note {
    #[resource(id)]
    id: Uuid,
    due_date: DateTime<Utc>,
}

fn main() {}
