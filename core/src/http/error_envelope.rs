//! Turning responses that did not come from Strata into error envelopes.
//!
//! axum answers unmatched methods (405), extractor rejections (400/413/415/422)
//! and tower-http answers over-long bodies (413) with plain text or an empty body.
//! [`envelope_errors`] replaces any such 4xx/5xx response with the error envelope,
//! keeping its other headers (`Allow`, `Retry-After`, security headers). Responses
//! that are already JSON pass through untouched, so the cost on the success path
//! is one status check.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::response::Response;
use futures_util::future::BoxFuture;
use http::{HeaderMap, Request, header};
use http_body_util::BodyExt;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

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

/// The stack's error normaliser: runs [`envelope_errors`] on every response.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ErrorEnvelopeLayer;

impl<S> Layer<S> for ErrorEnvelopeLayer {
    type Service = ErrorEnvelope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrorEnvelope { inner }
    }
}

/// The service made by [`ErrorEnvelopeLayer`].
#[derive(Debug, Clone)]
pub(crate) struct ErrorEnvelope<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for ErrorEnvelope<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = EnvelopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        EnvelopeFuture::Inner {
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    /// The response future of [`ErrorEnvelope`]: the inner response, then (only
    /// for a non-JSON error) the rewrite, which may read the body.
    #[project = EnvelopeProj]
    pub(crate) enum EnvelopeFuture<F> {
        Inner { #[pin] inner: F },
        Rewrite { rewrite: BoxFuture<'static, Response> },
    }
}

impl<F, E> Future for EnvelopeFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                EnvelopeProj::Inner { inner } => {
                    let response = ready!(inner.poll(cx))?;
                    if !needs_envelope(&response) {
                        return Poll::Ready(Ok(response));
                    }
                    let rewrite = Box::pin(envelope_errors(response));
                    self.set(EnvelopeFuture::Rewrite { rewrite });
                }
                EnvelopeProj::Rewrite { rewrite } => {
                    return Poll::Ready(Ok(ready!(rewrite.as_mut().poll(cx))));
                }
            }
        }
    }
}

/// A 4xx/5xx that is not already a JSON (or problem+json) body.
fn needs_envelope(response: &Response) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error()) && !is_json(response.headers())
}

/// Replaces a non-JSON error response with the error envelope.
async fn envelope_errors(response: Response) -> Response {
    let status = response.status();
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
