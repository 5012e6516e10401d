//! Applying the default middleware stack to an application router.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Request, header};
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::{Span, field};

use super::error_envelope::ErrorEnvelopeLayer;
use super::metrics::MetricsLayer;
use super::route::RouteLabelLayer;
use super::timeout::TimeoutLayer;
use super::{RequestId, RequestIdLayer};
use crate::AppError;
use crate::app::AppState;

/// Wraps `router` in the default stack and gives it its state.
///
/// The stack wraps the router as one service (the router is the fallback of an
/// otherwise empty outer router), so a request clones and runs it once, not
/// once per layer per route as `Router::layer` would. Only
/// [`RouteLabelLayer`](super::route::RouteLabelLayer) runs after routing: it
/// hands the matched route template to the tracing span and metrics outside.
/// The first layer below is the outermost.
pub(crate) fn apply(router: Router<AppState>, state: &AppState) -> Router {
    let config = state.config();
    let http = &config.http;
    let limit = config.server.body_limit_bytes;
    let compression = http.compression.then(|| {
        ServiceBuilder::new()
            .layer(MapResponseLayer::new(boxed_body))
            .layer(CompressionLayer::new())
            .into_inner()
    });
    let headers: Arc<[(HeaderName, HeaderValue)]> = if http.security_headers {
        security_headers(http).into()
    } else {
        Arc::new([])
    };
    let inner = router.layer(RouteLabelLayer).with_state(state.clone());
    let stack = ServiceBuilder::new()
        .layer(RequestIdLayer)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(on_response)
                .on_failure(()),
        )
        .layer(MetricsLayer::new(state.metrics().clone()))
        // Security and CORS headers sit outside the panic catcher, timeout and
        // body limit so that their 500, 503 and 413 carry them too (a browser
        // can read a CORS error only with the CORS headers).
        .layer(MapResponseLayer::new(
            move |mut response: http::Response<PanicBody>| {
                for (name, value) in headers.iter() {
                    if !response.headers().contains_key(name) {
                        response.headers_mut().insert(name.clone(), value.clone());
                    }
                }
                response
            },
        ))
        .option_layer(cors_layer(&http.cors_origins))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(ErrorEnvelopeLayer)
        .layer(TimeoutLayer::new(config.server.request_timeout()))
        .layer(MapResponseLayer::new(boxed_body))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(DefaultBodyLimit::max(limit))
        .option_layer(compression)
        .service(inner);
    Router::new().fallback_service(stack)
}

/// The body type the panic catcher answers with (no re-boxing above it).
type PanicBody = tower_http::body::UnsyncBoxBody<axum::body::Bytes, axum::BoxError>;

/// A response with its body as axum's [`Body`], so layers that change the
/// body type can sit in the same stack (and either side of an optional layer).
fn boxed_body<B>(response: http::Response<B>) -> Response
where
    B: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    response.map(Body::new)
}

/// The security headers the config asks for, set on responses that lack them.
fn security_headers(http: &crate::config::HttpConfig) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = vec![
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
    if let Ok(csp) = HeaderValue::from_str(&http.content_security_policy) {
        headers.push((header::CONTENT_SECURITY_POLICY, csp));
    }
    if let Some(max_age) = http.hsts_max_age_secs {
        let value = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
            .unwrap_or(HeaderValue::from_static("max-age=31536000"));
        headers.push((header::STRICT_TRANSPORT_SECURITY, value));
    }
    headers
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
            // Mirrored, not `*`: browsers never let `*` cover `Authorization`.
            .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
            .expose_headers([
                HeaderName::from_static("x-request-id"),
                header::LOCATION,
                header::ETAG,
                header::RETRY_AFTER,
                HeaderName::from_static("ratelimit-limit"),
                HeaderName::from_static("ratelimit-remaining"),
                HeaderName::from_static("ratelimit-reset"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// The request's span; `route` is recorded after routing by `RouteLabel`.
fn make_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map_or("", RequestId::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route = field::Empty,
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
