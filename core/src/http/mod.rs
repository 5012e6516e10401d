//! HTTP plumbing: the default middleware stack, request context and extractors.
//!
//! The stack, outermost first (SPEC §3), each a tower `Layer` configured from
//! [`HttpConfig`](crate::config::HttpConfig) and [`ServerConfig`](crate::config::ServerConfig):
//!
//! 1. [`RequestIdLayer`]: accept or mint `x-request-id`, set the request context.
//! 2. Tracing span per request (method, route, status, latency, request id).
//! 3. Metrics (count and latency histogram by route and status).
//! 4. Panic catcher: a panicking handler answers a 500 envelope; the server goes on.
//! 5. Error normaliser: axum's and tower-http's plain-text errors become envelopes.
//! 6. Timeout (default 30 s → 503 envelope).
//! 7. Body limit (default 1 MiB → 413 envelope).
//! 8. CORS (off until origins are configured).
//! 9. Security headers.
//! 10. Compression.
//!
//! The stack wraps the whole router once; after routing, a route label layer
//! hands the matched route template back to the tracing span and the metrics.
//! Rate limiting and authentication sit inside it, per route group.

mod context;
mod error_envelope;
mod extract;
mod metrics;
mod request_id;
mod route;
pub(crate) mod stack;
mod timeout;

pub use context::RequestContext;
pub use extract::{Json, Path, Query};
pub use metrics::Metrics;
pub use request_id::{RequestId, RequestIdLayer, ResponseFuture, SetRequestId, X_REQUEST_ID};
