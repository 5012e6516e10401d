//! Applying the default middleware stack to an application router.

use std::any::Any;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Request, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::{Span, field};

use super::{RequestId, RequestIdLayer, error_envelope, metrics, timeout};
use crate::AppError;
use crate::app::AppState;

/// Wraps every route of `router` (and its fallback) in the default stack.
///
/// Layers are added innermost first: the last `.layer` call is the outermost.
/// Adding them with `Router::layer`, after routing, lets the tracing and metrics
/// layers read the matched route template.
pub(crate) fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let config = state.config();
    let http = &config.http;
    let mut router = router;

    if http.compression {
        router = router.layer(CompressionLayer::new());
    }
    if http.security_headers {
        router = with_security_headers(router, http);
    }
    if let Some(cors) = cors_layer(&http.cors_origins) {
        router = router.layer(cors);
    }
    let limit = config.server.body_limit_bytes;
    router
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn_with_state(
            config.server.request_timeout(),
            timeout::timeout,
        ))
        .layer(map_response(error_envelope::envelope_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state.metrics().clone(), metrics::record))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(on_response)
                .on_failure(()),
        )
        .layer(RequestIdLayer)
}

fn with_security_headers(
    router: Router<AppState>,
    http: &crate::config::HttpConfig,
) -> Router<AppState> {
    let fixed: [(HeaderName, HeaderValue); 3] = [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
    ];
    let mut router = router;
    for (name, value) in fixed {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    if let Ok(csp) = HeaderValue::from_str(&http.content_security_policy) {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ));
    }
    if let Some(max_age) = http.hsts_max_age_secs {
        let value = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
            .unwrap_or(HeaderValue::from_static("max-age=31536000"));
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            value,
        ));
    }
    router
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods(tower_http::cors::Any)
            .allow_headers(tower_http::cors::Any)
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                header::LOCATION,
                header::ETAG,
                header::RETRY_AFTER,
            ])
            .max_age(Duration::from_secs(600)),
    )
}

fn make_span<B>(request: &Request<B>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map_or("", RequestId::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request_id,
        status = field::Empty,
        latency_ms = field::Empty,
    )
}

fn on_response<B>(response: &http::Response<B>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    if response.status().is_server_error() {
        tracing::error!(parent: span, "request failed");
    } else {
        tracing::info!(parent: span, "request finished");
    }
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    AppError::internal(format!("handler panicked: {message}")).into_response()
}
