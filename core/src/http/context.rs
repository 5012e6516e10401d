//! The per-request context: request id and response preferences.
//!
//! [`RequestIdLayer`](super::RequestIdLayer) establishes it for the whole inner
//! service call, so anything that renders a response (an error, an envelope, the
//! panic handler) can read the request id without threading it through handlers.

use http::{HeaderMap, HeaderValue, header};

use super::RequestId;

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// What the framework knows about the request being served.
#[derive(Debug, Clone)]
pub struct RequestContext {
    request_id: RequestId,
    wants_problem: bool,
    path: String,
}

impl RequestContext {
    pub(crate) fn new(request_id: RequestId, headers: &HeaderMap, path: &str) -> Self {
        let wants_problem = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v: &HeaderValue| v.to_str().ok())
            .any(|v| v.contains(crate::error::PROBLEM_JSON_MEDIA_TYPE));
        Self {
            request_id,
            wants_problem,
            path: path.to_owned(),
        }
    }

    /// The context of the request being served on this task, if any.
    pub fn current() -> Option<Self> {
        CONTEXT.try_with(Clone::clone).ok()
    }

    /// The current request's id as text, without cloning the rest of the context.
    pub fn current_request_id() -> Option<String> {
        CONTEXT.try_with(|c| c.request_id.as_str().to_owned()).ok()
    }

    /// Runs `future` with `self` as the current context.
    pub(crate) fn scope<F: Future>(
        self,
        future: F,
    ) -> tokio::task::futures::TaskLocalFuture<Self, F> {
        CONTEXT.scope(self, future)
    }

    /// The request id, echoed in `x-request-id` and `meta.requestId`.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// Whether the client sent `Accept: application/problem+json`.
    pub fn wants_problem(&self) -> bool {
        self.wants_problem
    }

    /// The request path, used as the problem-details `instance`.
    pub fn path(&self) -> &str {
        &self.path
    }
}
