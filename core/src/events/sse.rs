//! `GET /api/v1/events`: the event bus over server-sent events.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::sse::{self, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{Event, row_matches};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::query::Filter;
use crate::{AppError, Query};

/// How a resource decides what one caller may read: its permission check plus
/// its row scopes, as filters (`Err` when the caller may not read it at all).
pub type ReadAccess =
    for<'a> fn(&'a AppState, &'a AuthUser) -> BoxFuture<'a, Result<Vec<Filter>, AppError>>;

/// How long a subscriber's computed scope for one resource is reused before it
/// is computed again (so a new guardian link or role change takes effect).
const SCOPE_TTL: Duration = Duration::from_secs(30);

/// The SSE route, to be mounted under `/api/v1`: `GET /events`.
///
/// Authenticated. Streams every event of the resources the caller may read,
/// restricted to the rows its scopes allow (a student sees events of its own
/// assignments only), as `event: <resource>.<action>`, `id: <event id>`,
/// `data: <Event as JSON>`. `?resources=assignments,subtasks` narrows the
/// stream. A comment line is sent every `events.keep_alive_secs` (15 s by
/// default) so proxies keep the connection open; the stream ends cleanly when
/// the server shuts down.
pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(stream))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamParams {
    /// Comma-separated resource paths.
    resources: Option<String>,
}

async fn stream(
    State(state): State<AppState>,
    user: AuthUser,
    Query(params): Query<StreamParams>,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>, AppError> {
    let only = match params.resources {
        Some(list) => {
            let wanted: Vec<String> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(unknown) = wanted.iter().find(|r| state.read_access(r).is_none()) {
                return Err(AppError::bad_parameter(
                    "resources",
                    "unknown_resource",
                    format!("`{unknown}` is not a resource of this API"),
                ));
            }
            Some(wanted)
        }
        None => None,
    };
    let keep_alive = Duration::from_secs(state.config().events.keep_alive_secs.max(1));
    let subscriber = Subscriber {
        receiver: state.events().subscribe(),
        shutdown: state.shutdown_watch(),
        state,
        user,
        only,
        scopes: HashMap::new(),
    };
    let stream = futures_util::stream::unfold(subscriber, |mut subscriber| async move {
        let event = subscriber.next().await?;
        Some((Ok(event), subscriber))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(keep_alive)))
}

struct Subscriber {
    receiver: broadcast::Receiver<Arc<Event>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    state: AppState,
    user: AuthUser,
    only: Option<Vec<String>>,
    /// Per resource: when computed, and the filters (`None`: may not read).
    scopes: HashMap<String, (Instant, Option<Vec<Filter>>)>,
}

impl Subscriber {
    /// The next SSE message this subscriber may see; `None` ends the stream
    /// (shutdown, or the bus closed).
    async fn next(&mut self) -> Option<sse::Event> {
        loop {
            let received = tokio::select! {
                biased;
                _ = self.shutdown.wait_for(|down| *down) => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(event) => {
                    if self.may_see(&event).await {
                        return Some(render(&event));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "an SSE subscriber fell behind and missed events");
                    return Some(
                        sse::Event::default()
                            .event("lagged")
                            .data(format!("{{\"missed\":{missed}}}")),
                    );
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    async fn may_see(&mut self, event: &Event) -> bool {
        if let Some(only) = &self.only
            && !only.iter().any(|r| r == &*event.resource)
        {
            return false;
        }
        let fresh = self
            .scopes
            .get(&*event.resource)
            .is_some_and(|(at, _)| at.elapsed() < SCOPE_TTL);
        if !fresh {
            let Some(access) = self.state.read_access(&event.resource) else {
                // A resource another instance serves and this one does not.
                return false;
            };
            let filters = match access(&self.state, &self.user).await {
                Ok(filters) => Some(filters),
                Err(AppError::Forbidden(_)) => None,
                Err(error) => {
                    tracing::warn!(%error, resource = %event.resource, "cannot compute an SSE subscriber's scope; withholding the event");
                    return false;
                }
            };
            self.scopes
                .insert(event.resource.to_string(), (Instant::now(), filters));
        }
        match self.scopes.get(&*event.resource) {
            Some((_, Some(filters))) => row_matches(filters, &event.data),
            _ => false,
        }
    }
}

fn render(event: &Event) -> sse::Event {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".to_owned());
    sse::Event::default()
        .event(event.kind.clone())
        .id(event.id.to_string())
        .data(data)
}
