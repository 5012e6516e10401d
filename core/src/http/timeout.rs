//! Request timeout answering a 503 envelope.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppError;

/// `from_fn_with_state` middleware: gives the rest of the stack `timeout` to answer.
pub(crate) async fn timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            AppError::unavailable(format!(
                "The request did not complete within {} s",
                limit.as_secs_f64()
            ))
            .into_response()
        }
    }
}
