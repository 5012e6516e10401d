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
    match tokio::time::timeout(CHECK_TIMEOUT, state.db().ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database check failed");
            failed.push(FieldError::new(
                "database",
                "unreachable",
                "the database did not answer",
            ));
        }
        Err(_) => failed.push(FieldError::new(
            "database",
            "timeout",
            "the database did not answer within 2 s",
        )),
    }
    if failed.is_empty() {
        Ok(Item(json!({"status": "ok", "checks": {"database": "ok"}})))
    } else {
        Err(AppError::Unavailable {
            message: "Not ready".into(),
            details: failed,
        })
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
