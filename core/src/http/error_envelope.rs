//! Turning responses that did not come from Strata into error envelopes.
//!
//! axum answers unmatched methods (405), extractor rejections (400/413/415/422)
//! and tower-http answers over-long bodies (413) with plain text or an empty body.
//! [`envelope_errors`] replaces any such 4xx/5xx response with the error envelope,
//! keeping its other headers (`Allow`, `Retry-After`, security headers). Responses
//! that are already JSON pass through untouched, so the cost on the success path
//! is one header lookup.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, header};
use http_body_util::BodyExt;

use crate::error::{ErrorCode, render_error};

/// Longest plain-text rejection whose text is kept as the message.
const MAX_MESSAGE_BYTES: usize = 1024;

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/problem+json")
        })
}

/// The `map_response` function behind the stack's error normaliser.
pub(crate) async fn envelope_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let code = ErrorCode::from_status(status);

    // Keep the text of 4xx rejections (axum's wording is safe and useful); never of
    // 5xx, which may carry internals. Compressed bodies are not worth decoding.
    let text = if status.is_client_error() && !parts.headers.contains_key(header::CONTENT_ENCODING)
    {
        read_text(body).await
    } else {
        None
    };
    let message = match (code, text) {
        (_, Some(text)) => text,
        (ErrorCode::NotFound, None) => "No route matches this path".to_owned(),
        (ErrorCode::MethodNotAllowed, None) => "This route does not accept this method".to_owned(),
        (ErrorCode::PayloadTooLarge, None) => "The request body is too large".to_owned(),
        (ErrorCode::ServiceUnavailable, None) => "The service is unavailable".to_owned(),
        (ErrorCode::InternalError, None) => "An unexpected error occurred".to_owned(),
        (code, None) => code.title().to_owned(),
    };

    let mut rendered = render_error(status, code, &message, &[]);
    for (name, value) in &parts.headers {
        let replaced = [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
            header::TRANSFER_ENCODING,
        ];
        if !replaced.contains(name) && !rendered.headers().contains_key(name) {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}

async fn read_text(body: Body) -> Option<String> {
    let limited = http_body_util::Limited::new(body, MAX_MESSAGE_BYTES);
    let bytes = limited.collect().await.ok()?.to_bytes();
    let text = std::str::from_utf8(&bytes).ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}
