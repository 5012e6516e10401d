//! Request timeout answering a 503 envelope.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::Request;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::AppError;

/// Gives the inner service `limit` to produce a response; after that the
/// request is dropped and answered with a 503 envelope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeoutLayer {
    limit: Duration,
}

impl TimeoutLayer {
    pub(crate) fn new(limit: Duration) -> Self {
        Self { limit }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            limit: self.limit,
        }
    }
}

/// The service made by [`TimeoutLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Timeout<S> {
    inner: S,
    limit: Duration,
}

impl<S, B> Service<Request<B>> for Timeout<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        TimeoutFuture {
            inner: tokio::time::timeout(self.limit, self.inner.call(request)),
            limit: self.limit,
        }
    }
}

pin_project! {
    /// The response future of [`Timeout`]. Built on `tokio::time::Timeout`,
    /// which still fires when the handler exhausts the task's cooperative
    /// budget on every poll (a timer polled after the handler would not).
    pub(crate) struct TimeoutFuture<F> {
        #[pin]
        inner: tokio::time::Timeout<F>,
        limit: Duration,
    }
}

impl<F, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Ok(result) = ready!(this.inner.poll(cx)) {
            return Poll::Ready(result);
        }
        let limit = *this.limit;
        tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
        Poll::Ready(Ok(AppError::unavailable(format!(
            "The request did not complete within {} s",
            limit.as_secs_f64()
        ))
        .into_response()))
    }
}
