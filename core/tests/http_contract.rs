//! The HTTP contract of SPEC §3 through the full default stack: envelopes, error
//! table rows, request ids, security headers, body limit, panics, problem details.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strata::axum::Router;
use strata::axum::extract::State;
use strata::axum::routing::{get, post};
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{
    App, AppError, AppState, Config, Created, FieldError, Item, Json, List, NoContent, Pagination,
    Path, Query, Server,
};

#[derive(Debug, Deserialize, Serialize)]
struct Note {
    title: String,
    pages: u32,
}

#[derive(Debug, Deserialize)]
struct Paging {
    page: u64,
}

fn routes() -> Router<AppState> {
    Router::new()
        .route("/notes", post(create_note).get(list_notes))
        .route("/notes/cursor", get(cursor_notes))
        .route("/notes/{id}", get(get_note).delete(delete_note))
        .route("/unique", post(insert_unique))
        .route("/missing-row", get(missing_row))
        .route("/fail/{kind}", get(fail))
        .route("/panic", get(panic_handler))
        .route("/slow", get(slow))
        .route("/busy", get(busy))
}

async fn create_note(Json(note): Json<Note>) -> Result<Created<Note>, AppError> {
    if note.title.trim().is_empty() {
        return Err(AppError::validation([FieldError::new(
            "title",
            "required",
            "must not be empty",
        )]));
    }
    Ok(Created::new("/api/v1/notes/1", note))
}

async fn list_notes(Query(paging): Query<Paging>) -> List<Note> {
    let notes = vec![Note {
        title: "a".into(),
        pages: 1,
    }];
    List::new(notes, Pagination::offset(paging.page, 20, 145))
}

async fn cursor_notes() -> List<Note> {
    List::new(Vec::new(), Pagination::cursor(20, Some("opaque".into())))
}

async fn get_note(Path(id): Path<u32>) -> Item<Value> {
    Item(json!({"id": id, "title": "a"}))
}

async fn delete_note(Path(_id): Path<u32>) -> NoContent {
    NoContent
}

async fn insert_unique(
    State(state): State<AppState>,
    Json(body): Json<Value>,
) -> Result<NoContent, AppError> {
    let email = body["email"].as_str().unwrap_or_default().to_owned();
    let pool = state.db().as_sqlite().expect("sqlite in this suite");
    strata::sqlx::query("INSERT INTO people (email_address) VALUES (?)")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(NoContent)
}

async fn missing_row(State(state): State<AppState>) -> Result<Item<i64>, AppError> {
    let pool = state.db().as_sqlite().expect("sqlite in this suite");
    let (n,): (i64,) = strata::sqlx::query_as("SELECT 1 WHERE 1 = 0")
        .fetch_one(pool)
        .await?;
    Ok(Item(n))
}

async fn fail(Path(kind): Path<String>) -> Result<NoContent, AppError> {
    Err(match kind.as_str() {
        "401" => AppError::unauthenticated("Missing bearer token"),
        "403" => AppError::forbidden("Missing permission notes:delete"),
        "409" => AppError::conflict("Duplicate"),
        "412" => AppError::PreconditionFailed("ETag mismatch".into()),
        "429" => AppError::RateLimited {
            retry_after: Duration::from_secs(7),
        },
        "500" => AppError::internal("connection string postgres://u:secret@db"),
        "503" => AppError::unavailable("Redis is unreachable"),
        _ => AppError::not_found(),
    })
}

async fn panic_handler() -> NoContent {
    panic!("boom in handler");
}

async fn slow() -> NoContent {
    tokio::time::sleep(Duration::from_secs(5)).await;
    NoContent
}

/// Never yields on its own: uses up the task's cooperative budget every poll.
async fn busy() -> NoContent {
    loop {
        tokio::task::consume_budget().await;
    }
}

async fn server_with(db: &TestDatabase, tweak: impl FnOnce(&mut Config)) -> Server {
    let mut config = db.config();
    config.server.body_limit_bytes = 1024;
    config.server.request_timeout_secs = 1;
    tweak(&mut config);
    let server = App::new(config)
        .api(routes())
        .build()
        .await
        .expect("app builds");
    let pool = server.state().db().as_sqlite().expect("sqlite").clone();
    strata::sqlx::query("CREATE TABLE people (email_address TEXT NOT NULL UNIQUE)")
        .execute(&pool)
        .await
        .expect("table created");
    server
}

async fn server(db: &TestDatabase) -> Server {
    server_with(db, |_| {}).await
}

fn assert_error(response: &TestResponse, status: u16, code: &str) -> Value {
    assert_eq!(response.status, status, "body: {}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["details"].is_array(), "{body}");
    let request_id = response.header("x-request-id").expect("x-request-id");
    assert_eq!(body["meta"]["requestId"], request_id);
    body
}

#[tokio::test]
async fn single_item_envelope() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/api/v1/notes/7").send(&router).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["data"], json!({"id": 7, "title": "a"}));
    assert_eq!(
        body["meta"]["requestId"],
        response.header("x-request-id").unwrap()
    );
    let ts = body["meta"]["timestamp"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
    assert!(body.get("pagination").is_none());
}

#[tokio::test]
async fn created_has_location_and_no_content_has_no_body() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::post("/api/v1/notes")
        .json(&json!({"title": "Essay", "pages": 3}))
        .send(&router)
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(response.header("location"), Some("/api/v1/notes/1"));
    assert_eq!(
        response.json()["data"],
        json!({"title": "Essay", "pages": 3})
    );

    let response = TestRequest::new(strata::axum::http::Method::DELETE, "/api/v1/notes/1")
        .send(&router)
        .await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn offset_and_cursor_list_envelopes() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let body = TestRequest::get("/api/v1/notes?page=2")
        .send(&router)
        .await
        .json();
    assert_eq!(body["success"], true);
    assert_eq!(body["data"], json!([{"title": "a", "pages": 1}]));
    assert_eq!(
        body["pagination"],
        json!({"page": 2, "perPage": 20, "total": 145, "totalPages": 8})
    );
    let body = TestRequest::get("/api/v1/notes/cursor")
        .send(&router)
        .await
        .json();
    assert_eq!(
        body["pagination"],
        json!({"limit": 20, "nextCursor": "opaque", "hasMore": true})
    );
}

#[tokio::test]
async fn malformed_json_wrong_types_and_bad_query_are_400() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let malformed = TestRequest::post("/api/v1/notes")
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send(&router)
        .await;
    assert_error(&malformed, 400, "BAD_REQUEST");

    let wrong_type = TestRequest::post("/api/v1/notes")
        .json(&json!({"title": "x", "pages": "three"}))
        .send(&router)
        .await;
    let body = assert_error(&wrong_type, 400, "BAD_REQUEST");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("pages"),
        "{body}"
    );

    let bad_query = TestRequest::get("/api/v1/notes?page=minus-one")
        .send(&router)
        .await;
    assert_error(&bad_query, 400, "BAD_REQUEST");

    let bad_path = TestRequest::get("/api/v1/notes/not-a-number")
        .send(&router)
        .await;
    assert_error(&bad_path, 400, "BAD_REQUEST");

    let invalid_utf8 = TestRequest::post("/api/v1/notes")
        .header("content-type", "application/json")
        .body(vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'])
        .send(&router)
        .await;
    assert_error(&invalid_utf8, 400, "BAD_REQUEST");

    let deep = "[".repeat(400) + &"]".repeat(400);
    let deeply_nested = TestRequest::post("/api/v1/notes")
        .header("content-type", "application/json")
        .body(deep)
        .send(&router)
        .await;
    assert_error(&deeply_nested, 400, "BAD_REQUEST");
}

#[tokio::test]
async fn missing_content_type_is_415() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::post("/api/v1/notes")
        .body("{\"title\":\"x\",\"pages\":1}")
        .send(&router)
        .await;
    assert_error(&response, 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn body_over_the_limit_is_413_envelope() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let big = json!({"title": "x".repeat(4096), "pages": 1});
    // With Content-Length: rejected by the body-limit layer before the handler.
    let response = TestRequest::post("/api/v1/notes")
        .header("content-length", &big.to_string().len().to_string())
        .json(&big)
        .send(&router)
        .await;
    assert_error(&response, 413, "PAYLOAD_TOO_LARGE");

    // Streamed without Content-Length: rejected while the extractor reads it.
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(big.to_string())];
    let stream = strata::axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    let response = TestRequest::post("/api/v1/notes")
        .header("content-type", "application/json")
        .body(stream)
        .send(&router)
        .await;
    assert_error(&response, 413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn unknown_route_is_404_and_wrong_method_405_with_allow() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/api/v1/nothing-here").send(&router).await;
    let body = assert_error(&response, 404, "NOT_FOUND");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nothing-here")
    );

    let response = TestRequest::new(strata::axum::http::Method::PUT, "/api/v1/notes")
        .send(&router)
        .await;
    assert_error(&response, 405, "METHOD_NOT_ALLOWED");
    let allow = response.header("allow").expect("Allow kept");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn validation_lists_fields_with_422() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::post("/api/v1/notes")
        .json(&json!({"title": " ", "pages": 1}))
        .send(&router)
        .await;
    let body = assert_error(&response, 422, "VALIDATION_ERROR");
    assert_eq!(
        body["error"]["details"],
        json!([{"field": "title", "code": "required", "message": "must not be empty"}])
    );
}

#[tokio::test]
async fn each_remaining_error_row_has_its_status_and_code() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    for (status, code) in [
        (401, "AUTHENTICATION_ERROR"),
        (403, "FORBIDDEN"),
        (409, "CONFLICT"),
        (412, "PRECONDITION_FAILED"),
        (429, "RATE_LIMITED"),
        (500, "INTERNAL_ERROR"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        let response = TestRequest::get(format!("/api/v1/fail/{status}"))
            .send(&router)
            .await;
        let body = assert_error(&response, status, code);
        match status {
            401 => assert_eq!(response.header("www-authenticate"), Some("Bearer")),
            429 => assert_eq!(response.header("retry-after"), Some("7")),
            500 => {
                let text = response.text();
                assert!(
                    !text.contains("secret") && !text.contains("postgres"),
                    "{text}"
                );
                assert_eq!(body["error"]["message"], "An unexpected error occurred");
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn database_errors_map_to_404_and_409_without_leaking_sql() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/api/v1/missing-row").send(&router).await;
    assert_error(&response, 404, "NOT_FOUND");

    let insert = || {
        TestRequest::post("/api/v1/unique")
            .json(&json!({"email": "a@example.com"}))
            .send(&router)
    };
    assert_eq!(insert().await.status, 204);
    let response = insert().await;
    let body = assert_error(&response, 409, "CONFLICT");
    assert_eq!(body["error"]["details"][0]["field"], "emailAddress");
    assert!(
        !response.text().contains("UNIQUE constraint"),
        "{}",
        response.text()
    );
}

#[tokio::test]
async fn panicking_handler_answers_500_and_server_keeps_serving() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/api/v1/panic").send(&router).await;
    let body = assert_error(&response, 500, "INTERNAL_ERROR");
    assert!(!response.text().contains("boom"), "{body}");
    let after = TestRequest::get("/api/v1/notes/1").send(&router).await;
    assert_eq!(after.status, 200);
}

#[tokio::test]
async fn slow_handler_times_out_with_503() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/api/v1/slow").send(&router).await;
    assert_error(&response, 503, "SERVICE_UNAVAILABLE");
}

#[tokio::test]
async fn handler_that_never_yields_its_budget_still_times_out() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        TestRequest::get("/api/v1/busy").send(&router),
    )
    .await
    .expect("the stack's 1 s timeout fired");
    assert_error(&response, 503, "SERVICE_UNAVAILABLE");
}

#[tokio::test]
async fn request_id_is_echoed_when_sane_and_generated_otherwise() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/health/ready")
        .header("x-request-id", "client-abc.123")
        .send(&router)
        .await;
    assert_eq!(response.header("x-request-id"), Some("client-abc.123"));
    assert_eq!(response.json()["meta"]["requestId"], "client-abc.123");

    for bad in ["has spaces", &"x".repeat(129), "semi;colon"] {
        let response = TestRequest::get("/health/live")
            .header("x-request-id", bad)
            .send(&router)
            .await;
        let id = response.header("x-request-id").unwrap();
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    let generated = TestRequest::get("/health/live").send(&router).await;
    assert!(uuid::Uuid::parse_str(generated.header("x-request-id").unwrap()).is_ok());
}

#[tokio::test]
async fn security_headers_on_success_and_error() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let big = json!({"title": "x".repeat(4096), "pages": 1});
    let requests = [
        (TestRequest::get("/health/live"), 200),
        (TestRequest::get("/api/v1/nothing"), 404),
        // The framework's own errors from the outer layers: 500 from the
        // panic catcher, 503 from the timeout, 413 from the body limit.
        (TestRequest::get("/api/v1/panic"), 500),
        (TestRequest::get("/api/v1/slow"), 503),
        (
            TestRequest::post("/api/v1/notes")
                .header("content-length", &big.to_string().len().to_string())
                .json(&big),
            413,
        ),
    ];
    for (request, status) in requests {
        let response = request.send(&router).await;
        assert_eq!(response.status, status);
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert_eq!(
            response.header("referrer-policy"),
            Some("strict-origin-when-cross-origin")
        );
        assert!(
            response
                .header("content-security-policy")
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(response.header("strict-transport-security"), None);
    }
}

#[tokio::test]
async fn hsts_and_cors_follow_configuration() {
    let db = TestDatabase::sqlite();
    let router = server_with(&db, |c| {
        c.http.hsts_max_age_secs = Some(600);
        c.http.cors_origins = vec!["https://app.example".into()];
    })
    .await
    .router();
    let response = TestRequest::get("/health/live")
        .header("origin", "https://app.example")
        .send(&router)
        .await;
    assert_eq!(
        response.header("strict-transport-security"),
        Some("max-age=600; includeSubDomains")
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let other = TestRequest::get("/health/live")
        .header("origin", "https://evil.example")
        .send(&router)
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    // A preflight for a Bearer-authenticated call: `Authorization` is allowed
    // by name (browsers never let `*` cover it).
    let preflight = TestRequest::new(strata::axum::http::Method::OPTIONS, "/api/v1/notes")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send(&router)
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    assert!(allowed.contains("content-type"), "{allowed}");
    // Errors from the outer layers carry the CORS headers, so a browser can
    // read them; rate-limit headers are exposed.
    let panic = TestRequest::get("/api/v1/panic")
        .header("origin", "https://app.example")
        .send(&router)
        .await;
    assert_eq!(panic.status, 500);
    assert_eq!(
        panic.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    let exposed = response
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in [
        "x-request-id",
        "etag",
        "location",
        "retry-after",
        "ratelimit-remaining",
    ] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }
}

#[tokio::test]
async fn cors_is_off_until_configured() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::get("/health/live")
        .header("origin", "https://app.example")
        .send(&router)
        .await;
    assert_eq!(response.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn problem_details_when_asked_for() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    let response = TestRequest::post("/api/v1/notes")
        .header("accept", "application/problem+json")
        .json(&json!({"title": "", "pages": 1}))
        .send(&router)
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let body = response.json();
    assert_eq!(body["status"], 422);
    assert_eq!(body["code"], "VALIDATION_ERROR");
    assert_eq!(body["title"], "Validation failed");
    assert_eq!(body["instance"], "/api/v1/notes");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:strata:error:")
    );
    assert!(body["detail"].is_string());
    assert_eq!(body["errors"][0]["field"], "title");

    // The normaliser honours it too.
    let response = TestRequest::get("/nope")
        .header("accept", "application/problem+json")
        .send(&router)
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.json()["code"], "NOT_FOUND");
}

#[tokio::test]
async fn compression_applies_to_large_bodies() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    // /metrics grows past the compression threshold after a few requests.
    for _ in 0..3 {
        TestRequest::get("/health/live").send(&router).await;
    }
    let response = TestRequest::get("/metrics")
        .header("accept-encoding", "gzip")
        .send(&router)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let db = TestDatabase::sqlite();
    let router = server(&db).await.router();
    TestRequest::get("/api/v1/notes/1").send(&router).await;
    TestRequest::get("/api/v1/notes/2").send(&router).await;
    TestRequest::get("/api/v1/nothing").send(&router).await;
    // The stack runs before routing; the route label still reaches the metrics
    // when the handler panics (caught outside it).
    TestRequest::get("/api/v1/panic").send(&router).await;
    // A 405 keeps its route; a 413 answered on Content-Length before routing
    // counts as unmatched.
    TestRequest::post("/api/v1/notes/3").send(&router).await;
    let too_large = TestRequest::post("/api/v1/notes")
        .header("content-type", "application/json")
        .header("content-length", "4096")
        .body(vec![b' '; 4096])
        .send(&router)
        .await;
    assert_eq!(too_large.status, 413);
    let text = TestRequest::get("/metrics").send(&router).await.text();
    assert!(
        text.contains(
            r#"http_requests_total{method="POST",route="/api/v1/notes/{id}",status="405"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="POST",route="<unmatched>",status="413"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/panic",status="500"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/notes/{id}",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="<unmatched>",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn health_live_and_ready() {
    let db = TestDatabase::sqlite();
    let server = server(&db).await;
    let router = server.router();
    let live = TestRequest::get("/health/live").send(&router).await;
    assert_eq!(live.status, 200);
    assert_eq!(live.header("content-type"), Some("application/json"));
    assert!(live.header("x-request-id").is_some());
    // SPEC §3's body, in the envelope every success shares.
    assert_eq!(live.json()["success"], true);
    assert_eq!(live.json()["data"], json!({"status": "ok"}));
    assert_eq!(
        live.json()["meta"]["requestId"],
        live.header("x-request-id").unwrap()
    );
    let ready = TestRequest::get("/health/ready").send(&router).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["data"]["checks"]["database"], "ok");

    // The database goes away: readiness fails, naming the check; liveness holds.
    server.state().db().close().await;
    let ready = TestRequest::get("/health/ready").send(&router).await;
    let body = assert_error(&ready, 503, "SERVICE_UNAVAILABLE");
    assert_eq!(body["error"]["details"][0]["field"], "database");
    assert_eq!(
        TestRequest::get("/health/live").send(&router).await.status,
        200
    );
    // And a query on the closed pool is a 503, not a 500.
    let response = TestRequest::get("/api/v1/missing-row").send(&router).await;
    assert_error(&response, 503, "SERVICE_UNAVAILABLE");
}
