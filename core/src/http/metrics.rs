//! Prometheus request metrics: a counter and a latency histogram per route and status.
//!
//! Series are keyed by method, the *matched route template* (`/api/v1/items/{id}`,
//! never the raw path, so cardinality stays bounded) and status. Recording takes a
//! read lock and a few atomic adds; the write lock is only taken the first time a
//! series is seen.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::route::{RouteSlot, UNMATCHED};

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Series of one route, by method and status.
type RouteSeries = HashMap<(Method, u16), Arc<Series>>;

#[derive(Debug, Default)]
struct Series {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// The process's HTTP metrics registry, shared through [`AppState`](crate::AppState).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    series: Arc<RwLock<HashMap<Arc<str>, RouteSeries>>>,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let series = self.series_for(method, route, status);
        for (bucket, bound) in series.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        series.count.fetch_add(1, Ordering::Relaxed);
        series
            .sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    fn series_for(&self, method: &Method, route: &str, status: u16) -> Arc<Series> {
        // A poisoned lock only means another thread panicked mid-insert; the map is
        // still a valid map, so keep using it.
        {
            let map = self.series.read().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = map
                .get(route)
                .and_then(|by_status| by_status.get(&(method.clone(), status)))
            {
                return found.clone();
            }
        }
        let mut map = self.series.write().unwrap_or_else(|e| e.into_inner());
        map.entry(Arc::from(route))
            .or_default()
            .entry((method.clone(), status))
            .or_default()
            .clone()
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let map = self.series.read().unwrap_or_else(|e| e.into_inner());
        let mut entries: Vec<_> = map
            .iter()
            .flat_map(|(route, by_status)| {
                by_status.iter().map(move |((method, status), series)| {
                    ((&**route, method.as_str(), *status), series)
                })
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));

        let mut out = String::new();
        out.push_str(
            "# HELP http_requests_total Total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE http_requests_total counter\n");
        for (key, series) in &entries {
            let _ = writeln!(
                out,
                "http_requests_total{{{}}} {}",
                labels(key),
                series.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP http_request_duration_seconds HTTP request latency by method, route and status.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (key, series) in &entries {
            let labels = labels(key);
            for (bucket, bound) in series.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    bucket.load(Ordering::Relaxed)
                );
            }
            let count = series.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = series.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        out
    }
}

fn labels((route, method, status): &(&str, &str, u16)) -> String {
    let route = route.replace('\\', "\\\\").replace('"', "\\\"");
    format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"")
}

/// Records every request into [`Metrics`] once its response is ready.
#[derive(Debug, Clone)]
pub(crate) struct MetricsLayer {
    metrics: Metrics,
}

impl MetricsLayer {
    pub(crate) fn new(metrics: Metrics) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = RecordMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordMetrics {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service made by [`MetricsLayer`].
#[derive(Debug, Clone)]
pub(crate) struct RecordMetrics<S> {
    inner: S,
    metrics: Metrics,
}

impl<S, B, R> Service<Request<B>> for RecordMetrics<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let slot = RouteSlot::default();
        request.extensions_mut().insert(slot.clone());
        MetricsFuture {
            start: Instant::now(),
            method: request.method().clone(),
            inner: self.inner.call(request),
            slot,
            metrics: self.metrics.clone(),
        }
    }
}

pin_project! {
    /// The response future of [`RecordMetrics`].
    pub(crate) struct MetricsFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
        method: Method,
        slot: RouteSlot,
        metrics: Metrics,
    }
}

impl<F, R, E> Future for MetricsFuture<F>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if !this.slot.is_filled() {
            // Answered before routing (a CORS preflight, a 413 on
            // `Content-Length`): label the span as unmatched too.
            tracing::Span::current().record("route", UNMATCHED);
        }
        if let Ok(response) = &result {
            this.metrics.record(
                this.method,
                this.slot.route(),
                response.status().as_u16(),
                this.start.elapsed().as_secs_f64(),
            );
        }
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counter_and_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.record(&Method::GET, "/items/{id}", 200, 0.004);
        metrics.record(&Method::GET, "/items/{id}", 200, 0.3);
        let text = metrics.render();
        assert!(
            text.contains(
                r#"http_requests_total{method="GET",route="/items/{id}",status="200"} 2"#
            )
        );
        assert!(text.contains(r#"le="0.005"} 1"#));
        assert!(text.contains(r#"le="0.5"} 2"#));
        assert!(text.contains(r#"le="+Inf"} 2"#));
        assert!(text.contains(r#"http_request_duration_seconds_count{method="GET",route="/items/{id}",status="200"} 2"#));
    }
}
