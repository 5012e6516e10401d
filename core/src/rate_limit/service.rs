//! [`RateLimit`]: the service [`RateLimitLayer`](super::RateLimitLayer) wraps routes in.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::{HeaderMap, HeaderName, HeaderValue, Request};
use tower::Service;

use super::decision::ceil_secs;
use super::layer::Shared;
use super::{Decision, FailurePolicy, ResponseFuture};
use crate::AppError;

/// `RateLimit-Limit`: the quota's request count.
pub const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
/// `RateLimit-Remaining`: requests left right now.
pub const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
/// `RateLimit-Reset`: seconds until the whole quota is back.
pub const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// Checks each request against its key's quota before calling the inner service.
/// Built by [`RateLimitLayer`](super::RateLimitLayer).
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> RateLimit<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>) -> Self {
        Self { inner, shared }
    }
}

impl<S, B> Service<Request<B>> for RateLimit<S>
where
    S: Service<Request<B>> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is not ready; keep it and call the one that was polled ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        ResponseFuture::new(
            async move {
                if !shared.enabled {
                    return inner.call(request).await.map(IntoResponse::into_response);
                }
                let key = shared.key_by.key(&request, &shared.proxies);
                match shared.limiter.check(&key).await {
                    Ok(decision) if decision.is_allowed() => {
                        let mut response = inner.call(request).await?.into_response();
                        set_headers(response.headers_mut(), &decision);
                        Ok(response)
                    }
                    Ok(decision) => {
                        tracing::debug!(%key, "rate limited");
                        let mut response = AppError::RateLimited {
                            retry_after: decision.retry_after(),
                        }
                        .into_response();
                        set_headers(response.headers_mut(), &decision);
                        Ok(response)
                    }
                    Err(err) => match shared.failure {
                        FailurePolicy::Closed => {
                            tracing::warn!(error = %err, "rate limiter failed; refusing the request (fail closed)");
                            Ok(AppError::from(err).into_response())
                        }
                        FailurePolicy::Open => {
                            tracing::warn!(error = %err, "rate limiter failed; allowing the request (fail open)");
                            inner.call(request).await.map(IntoResponse::into_response)
                        }
                    },
                }
            }
            .boxed(),
        )
    }
}

/// Writes the `RateLimit-*` headers of `decision`, unless an inner limit on the
/// same route (a stricter route-group limit, say) already wrote headers with no
/// more remaining: clients see the limit closest to exhaustion.
fn set_headers(headers: &mut HeaderMap, decision: &Decision) {
    let inner_remaining = headers
        .get(&RATELIMIT_REMAINING)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if inner_remaining.is_some_and(|inner| inner <= u64::from(decision.remaining())) {
        return;
    }
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(decision.limit()));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(decision.remaining()));
    headers.insert(
        RATELIMIT_RESET,
        HeaderValue::from(ceil_secs(decision.reset())),
    );
}

impl<S> std::fmt::Debug for RateLimit<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit").finish_non_exhaustive()
    }
}
