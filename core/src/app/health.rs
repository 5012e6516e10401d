//! `/health/live`, `/health/ready` and `/metrics`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, header};
use serde_json::json;

use super::AppState;
use crate::error::{AppError, FieldError};
use crate::response::Item;

/// How long a readiness check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) fn routes(metrics: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready));
    if metrics {
        router.route("/metrics", get(prometheus))
    } else {
        router
    }
}

/// SPEC §3's `{"success":true,"data":{"status":"ok"}}`, in the success
/// envelope every response shares (so with `meta`: request id, timestamp).
async fn live() -> Item<serde_json::Value> {
    Item(json!({"status": "ok"}))
}

async fn ready(State(state): State<AppState>) -> Result<Item<serde_json::Value>, AppError> {
    let mut failed = Vec::new();
    if state.is_shutting_down() {
        failed.push(FieldError::new(
            "server",
            "shutting_down",
            "the server is shutting down",
        ));
    }
    let mut checks = serde_json::Map::new();
    // Concurrently: readiness answers within one check's bound.
    let redis = async {
        match state.redis_probe() {
            Some(redis) => Some(check("redis", "Redis", redis.ping()).await),
            None => None,
        }
    };
    let (database, redis) =
        tokio::join!(check("database", "the database", state.db().ping()), redis);
    record(&mut checks, &mut failed, "database", database);
    if let Some(redis) = redis {
        record(&mut checks, &mut failed, "redis", redis);
    }
    if failed.is_empty() {
        Ok(Item(json!({"status": "ok", "checks": checks})))
    } else {
        Err(AppError::Unavailable {
            message: "Not ready".into(),
            details: failed,
        })
    }
}

/// One readiness check, bounded to [`CHECK_TIMEOUT`]: `None` when it passed.
async fn check<E: std::fmt::Display>(
    name: &'static str,
    what: &str,
    ping: impl Future<Output = Result<(), E>>,
) -> Option<FieldError> {
    match tokio::time::timeout(CHECK_TIMEOUT, ping).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, check = name, "readiness check failed");
            Some(FieldError::new(
                name,
                "unreachable",
                format!("{what} did not answer"),
            ))
        }
        Err(_) => Some(FieldError::new(
            name,
            "timeout",
            format!("{what} did not answer within 2 s"),
        )),
    }
}

fn record(
    checks: &mut serde_json::Map<String, serde_json::Value>,
    failed: &mut Vec<FieldError>,
    name: &str,
    outcome: Option<FieldError>,
) {
    match outcome {
        None => {
            checks.insert(name.to_owned(), json!("ok"));
        }
        Some(problem) => failed.push(problem),
    }
}

async fn prometheus(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics().render(),
    )
        .into_response()
}
