//! The audit log: who changed what, when, from which request.
//!
//! Every create, update and delete through a derived resource writes one
//! [`AuditEntry`] **in the same transaction as the write**: a write that rolls
//! back leaves no audit row, and a committed write always has one. Each entry
//! records the actor, the action, the resource and row id, the changed fields
//! as `{"field": {"old": …, "new": …}}` (API names; secrets redacted, see
//! [`diff`]), the request id and the time.
//!
//! `GET /api/v1/audit` ([`routes`]) lists entries with the list-query grammar
//! (filters `actorId`, `action`, `resource`, `resourceId`, `requestId`, `at`;
//! sort `at`), for callers granted `audit:read` (admins, through `*`).
//!
//! The table is a framework migration ([`migrations`]), run at start-up by
//! any app that mounts a resource.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::AppError;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{Migrations, Tx};
use crate::events::Action;
use crate::query::{FieldMeta, FieldType, ListQuery, QuerySpec, Value};
use crate::rbac::{Grant, ScopeRequest};
use crate::repo::{Conventions, Entity, Repository};
use crate::response::List;

/// One audited write.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// The entry's id (UUID v7: ordered by time).
    pub id: uuid::Uuid,
    /// When the write happened.
    pub at: DateTime<Utc>,
    /// Who made it (`None` for writes without a user).
    pub actor_id: Option<uuid::Uuid>,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// The resource's path, e.g. `assignments`.
    pub resource: String,
    /// The row's id, as text.
    pub resource_id: String,
    /// The changed fields: `{"field": {"old": …, "new": …}}`.
    #[sqlx(json)]
    pub changes: serde_json::Value,
    /// The request that made the write.
    pub request_id: Option<String>,
}

/// The value written in place of a secret field's old and new values.
pub const REDACTED: &str = "[redacted]";

static FIELDS: [FieldMeta; 8] = [
    FieldMeta::new("id", "id", FieldType::Uuid),
    FieldMeta::new("at", "at", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("actorId", "actor_id", FieldType::Uuid)
        .filter()
        .nullable(),
    FieldMeta::new(
        "action",
        "action",
        FieldType::Enum(&["created", "updated", "deleted"]),
    )
    .filter(),
    FieldMeta::new("resource", "resource", FieldType::String).filter(),
    FieldMeta::new("resourceId", "resource_id", FieldType::String).filter(),
    FieldMeta::new("changes", "changes", FieldType::Json),
    FieldMeta::new("requestId", "request_id", FieldType::String)
        .filter()
        .nullable(),
];
pub(crate) static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

impl Entity for AuditEntry {
    const TABLE: &'static str = "strata_audit_log";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::NONE;
    type Id = uuid::Uuid;

    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Uuid(self.id)),
            ("at", Value::DateTime(self.at)),
            ("actor_id", self.actor_id.map_or(Value::Null, Value::Uuid)),
            ("action", Value::String(self.action.clone())),
            ("resource", Value::String(self.resource.clone())),
            ("resource_id", Value::String(self.resource_id.clone())),
            ("changes", Value::String(self.changes.to_string())),
            (
                "request_id",
                self.request_id.clone().map_or(Value::Null, Value::String),
            ),
        ]
    }
}

impl AuditEntry {
    /// An entry for `action` on row `resource_id` of `resource` by `actor`,
    /// stamped now with the current request's id.
    pub fn new(
        actor: Option<uuid::Uuid>,
        action: Action,
        resource: &str,
        resource_id: String,
        changes: serde_json::Value,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            at: Utc::now(),
            actor_id: actor,
            action: action.as_str().to_owned(),
            resource: resource.to_owned(),
            resource_id,
            changes,
            request_id: crate::http::RequestContext::current_request_id(),
        }
    }
}

/// Writes `entry` inside `tx` (it commits or rolls back with the audited write).
///
/// # Errors
/// The insert failed (the caller's transaction should then be rolled back).
pub async fn record(state: &AppState, tx: &mut Tx, entry: &AuditEntry) -> Result<(), AppError> {
    state.repository::<AuditEntry>().create(tx, entry).await?;
    Ok(())
}

/// The changed fields between two renderings of a row (`None`: the row does
/// not exist on that side), as `{"field": {"old": …, "new": …}}`.
///
/// Both sides are JSON objects as the API renders the row. Fields whose value
/// is the same on both sides are left out (a create lists its non-null fields,
/// a delete the non-null fields the row had). A field named in `redact`, or whose name looks
/// like a secret (contains `password`, `secret` or `token`, or ends in `Hash`),
/// is recorded as changed with both values replaced by [`REDACTED`].
pub fn diff(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    redact: &[&str],
) -> serde_json::Value {
    let empty = serde_json::Map::new();
    let object = |side: Option<&serde_json::Value>| match side {
        Some(serde_json::Value::Object(map)) => map.clone(),
        _ => empty.clone(),
    };
    let (old, new) = (object(before), object(after));
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut changes = serde_json::Map::new();
    for key in keys {
        let was = old.get(key).cloned().unwrap_or(serde_json::Value::Null);
        let now = new.get(key).cloned().unwrap_or(serde_json::Value::Null);
        if was == now {
            continue;
        }
        let (was, now) = if is_secret(key, redact) {
            (redacted(&was), redacted(&now))
        } else {
            (was, now)
        };
        changes.insert(key.clone(), serde_json::json!({ "old": was, "new": now }));
    }
    serde_json::Value::Object(changes)
}

fn redacted(value: &serde_json::Value) -> serde_json::Value {
    if value.is_null() {
        serde_json::Value::Null
    } else {
        serde_json::Value::String(REDACTED.to_owned())
    }
}

fn is_secret(key: &str, redact: &[&str]) -> bool {
    let lower = key.to_ascii_lowercase();
    redact.contains(&key)
        || ["password", "secret", "token"]
            .iter()
            .any(|word| lower.contains(word))
        || key.ends_with("Hash")
}

/// The audit table's migrations (both dialects).
pub fn migrations() -> Migrations {
    Migrations::new()
        .sqlite(sqlx::migrate!("migrations-audit/sqlite"))
        .postgres(sqlx::migrate!("migrations-audit/postgres"))
}

/// `GET /audit`, to be mounted under `/api/v1`: the audit log with the
/// list-query grammar, for callers granted `audit:read`. A scoped grant
/// (`audit:read:own`) shows the caller's own writes (owner column `actorId`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let grant = state.policy().grant(&user.role, "audit", "read");
    if grant == Grant::Denied {
        return Err(AppError::forbidden("Missing permission audit:read"));
    }
    let scope = state
        .scopes()
        .filters(
            &grant,
            ScopeRequest {
                state: &state,
                user: &user,
                resource: "audit",
                spec: &SPEC,
                owner: Some(&FIELDS[2]),
            },
        )
        .await?
        .unwrap_or_default();
    let mut query = ListQuery::parse(raw.as_deref().unwrap_or(""), &SPEC, state.cursor_codec())?;
    query.filters.extend(scope);
    let page = state
        .repository::<AuditEntry>()
        .list(state.db(), &query)
        .await?;
    Ok(List::from(page).into_response())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn diff_lists_changed_fields_only() {
        let before = json!({"title": "A", "status": "pending", "version": 1});
        let after = json!({"title": "B", "status": "pending", "version": 2});
        assert_eq!(
            diff(Some(&before), Some(&after), &[]),
            json!({"title": {"old": "A", "new": "B"}, "version": {"old": 1, "new": 2}})
        );
    }

    #[test]
    fn create_and_delete_record_every_non_null_field() {
        let row = json!({"title": "A", "note": null});
        assert_eq!(
            diff(None, Some(&row), &[]),
            json!({"title": {"old": null, "new": "A"}})
        );
        assert_eq!(
            diff(Some(&row), None, &[]),
            json!({"title": {"old": "A", "new": null}})
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let before = json!({"passwordHash": "x", "apiToken": "t1", "pin": "1", "name": "a"});
        let after = json!({"passwordHash": "y", "apiToken": "t2", "pin": "2", "name": "a"});
        assert_eq!(
            diff(Some(&before), Some(&after), &["pin"]),
            json!({
                "apiToken": {"old": REDACTED, "new": REDACTED},
                "passwordHash": {"old": REDACTED, "new": REDACTED},
                "pin": {"old": REDACTED, "new": REDACTED},
            })
        );
    }
}
