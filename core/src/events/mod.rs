//! Change events: what derived resources publish after each committed write,
//! and the bus that carries them to subscribers.
//!
//! Every create, update and delete through a derived resource publishes one
//! [`Event`] named `<resource>.created|updated|deleted` once its transaction
//! has committed (a rolled-back write publishes nothing). The [`EventBus`]
//! delivers events in process by default; with `events.redis = true` (and
//! `redis.url`) events go through Redis pub/sub, so every instance sharing the
//! Redis namespace sees every event. `GET /api/v1/events` streams them to
//! clients over SSE, filtered by what each subscriber may read
//! (see [`routes`]).
//!
//! Delivery is at most once: a subscriber that is disconnected, or too slow to
//! keep up with the bus's buffer, misses events (a lagging SSE client gets an
//! `event: lagged` message saying how many). Use the audit log or a list query
//! to catch up.

mod bus;
mod matching;
mod redis_relay;
mod sse;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use bus::EventBus;
pub use matching::row_matches;
pub use sse::{ReadAccess, routes};

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The row was inserted.
    Created,
    /// The row was replaced or patched.
    Updated,
    /// The row was deleted (or soft-deleted).
    Deleted,
}

impl Action {
    /// `created`, `updated` or `deleted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    /// The permission action a write of this kind needs (`create`, `update`, `delete`).
    pub const fn permission_action(self) -> &'static str {
        match self {
            Self::Created => "create",
            Self::Updated => "update",
            Self::Deleted => "delete",
        }
    }
}

/// One committed change to a resource row.
///
/// Serialised (camelCase) as the SSE `data:` payload and as the Redis pub/sub
/// message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// A unique id (UUID v7), also the SSE `id:`.
    pub id: uuid::Uuid,
    /// `<resource>.<action>`, e.g. `assignments.created`; the SSE `event:`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The resource's path (its plural name), e.g. `assignments`.
    pub resource: Cow<'static, str>,
    /// The permission resource checked for readers, e.g. `assignments`.
    pub permission: Cow<'static, str>,
    /// What happened.
    pub action: Action,
    /// The row's id, as text.
    pub resource_id: String,
    /// The row after the change (before it, for a delete), as the API renders it.
    pub data: serde_json::Value,
    /// Who made the change.
    pub actor_id: Option<uuid::Uuid>,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// When the change committed.
    pub at: DateTime<Utc>,
}

impl Event {
    /// An event for `action` on row `resource_id` of `resource`, stamped now
    /// with the current request's id.
    pub fn new(
        resource: &'static str,
        permission: &'static str,
        action: Action,
        resource_id: String,
        data: serde_json::Value,
        actor_id: Option<uuid::Uuid>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            kind: format!("{resource}.{}", action.as_str()),
            resource: Cow::Borrowed(resource),
            permission: Cow::Borrowed(permission),
            action,
            resource_id,
            data,
            actor_id,
            request_id: crate::http::RequestContext::current_request_id(),
            at: Utc::now(),
        }
    }
}
