//! The request span of the default stack: the stack runs before routing, yet
//! each request's span ends up with its matched route template, status and
//! request id (recorded by the route label after routing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strata::App;
use strata::axum::Router;
use strata::axum::routing::get;
use strata::testing::{TestDatabase, TestRequest};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The fields of every `request` span, by span id, as they were recorded.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<HashMap<u64, HashMap<String, String>>>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").replace('"', ""),
        );
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "request" {
            let mut spans = self.0.lock().expect("lock");
            attrs.record(&mut Fields(spans.entry(id.into_u64()).or_default()));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(fields) = self.0.lock().expect("lock").get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
}

#[tokio::test]
async fn request_spans_carry_the_matched_route_template() {
    let spans = Spans::default();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(spans.clone())
            .with(tracing_subscriber::filter::LevelFilter::INFO),
    );
    let db = TestDatabase::sqlite();
    let server = App::new(db.config())
        .api(Router::new().route("/things/{id}", get(|| async { "thing" })))
        .build()
        .await
        .expect("app builds");
    let router = server.router();
    TestRequest::get("/api/v1/things/7")
        .header("x-request-id", "span-test-1")
        .send(&router)
        .await;
    TestRequest::get("/no/such/route")
        .header("x-request-id", "span-test-2")
        .send(&router)
        .await;

    let spans = spans.0.lock().expect("lock");
    let by_request: HashMap<&str, &HashMap<String, String>> = spans
        .values()
        .filter_map(|f| Some((f.get("request_id")?.as_str(), f)))
        .collect();
    let matched = by_request
        .get("span-test-1")
        .expect("span of the first request");
    assert_eq!(matched["route"], "/api/v1/things/{id}", "{matched:?}");
    assert_eq!(matched["status"], "200", "{matched:?}");
    assert_eq!(matched["method"], "GET", "{matched:?}");
    assert!(matched.contains_key("latency_ms"), "{matched:?}");
    let unmatched = by_request
        .get("span-test-2")
        .expect("span of the second request");
    assert_eq!(unmatched["route"], "<unmatched>", "{unmatched:?}");
    assert_eq!(unmatched["status"], "404", "{unmatched:?}");
}
