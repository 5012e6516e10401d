//! The matched route template, carried from inside the router to the layers
//! around it.
//!
//! The default stack wraps the whole router once (so a request pays for one
//! stack, not one per route), which means its tracing and metrics layers run
//! before routing and cannot read [`MatchedPath`] themselves. The metrics layer
//! puts an empty [`RouteSlot`] into the request; [`RouteLabelLayer`], applied to
//! every route, fills it and records the template on the request's span.
//! Requests answered before routing (a CORS preflight, a 413 on
//! `Content-Length`) and unmatched ones are labelled `<unmatched>`.

use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::extract::MatchedPath;
use http::Request;
use tower::{Layer, Service};
use tracing::Span;

/// Route label for requests that matched no route.
pub(crate) const UNMATCHED: &str = "<unmatched>";

/// Where [`RouteLabel`] leaves the matched route template for the outer layers.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteSlot(Arc<OnceLock<MatchedPath>>);

impl RouteSlot {
    /// The route template, or `<unmatched>` when no route matched.
    pub(crate) fn route(&self) -> &str {
        self.0.get().map_or(UNMATCHED, MatchedPath::as_str)
    }

    /// Whether a matched route filled the slot.
    pub(crate) fn is_filled(&self) -> bool {
        self.0.get().is_some()
    }
}

/// Applied per route (after routing): fills the request's [`RouteSlot`] and
/// the `route` field of the current span.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RouteLabelLayer;

impl<S> Layer<S> for RouteLabelLayer {
    type Service = RouteLabel<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RouteLabel { inner }
    }
}

/// The service made by [`RouteLabelLayer`].
#[derive(Debug, Clone)]
pub(crate) struct RouteLabel<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for RouteLabel<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let extensions = request.extensions();
        if let Some(route) = extensions.get::<MatchedPath>() {
            Span::current().record("route", route.as_str());
            if let Some(slot) = extensions.get::<RouteSlot>() {
                let _ = slot.0.set(route.clone());
            }
        } else {
            Span::current().record("route", UNMATCHED);
        }
        self.inner.call(request)
    }
}
