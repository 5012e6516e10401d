//! Property tests for the envelope (SPEC §14), through a real app and its
//! whole middleware stack: any payload comes back intact in a well-formed
//! success envelope, and any error renders as a well-formed error envelope (or
//! RFC 9457 problem details when asked for) with the status and code SPEC §3
//! gives it, its message and every detail, and no internals.

use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use strata::axum::Router;
use strata::axum::routing::post;
use strata::response::Pagination;
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, AppError, AppState, FieldError, Item, Json, List};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInput {
    items: Vec<Value>,
    page: u64,
    per_page: u64,
    total: u64,
}

#[derive(Deserialize)]
struct Failure {
    kind: usize,
    message: String,
    details: Vec<(String, String, String)>,
}

/// The error each `kind` stands for, with its SPEC §3 status and code.
const ERRORS: [(u16, &str); 13] = [
    (400, "BAD_REQUEST"),
    (401, "AUTHENTICATION_ERROR"),
    (403, "FORBIDDEN"),
    (404, "NOT_FOUND"),
    (405, "METHOD_NOT_ALLOWED"),
    (409, "CONFLICT"),
    (412, "PRECONDITION_FAILED"),
    (413, "PAYLOAD_TOO_LARGE"),
    (415, "UNSUPPORTED_MEDIA_TYPE"),
    (422, "VALIDATION_ERROR"),
    (429, "RATE_LIMITED"),
    (503, "SERVICE_UNAVAILABLE"),
    (500, "INTERNAL_ERROR"),
];

fn error_of(failure: Failure) -> AppError {
    let details: Vec<FieldError> = failure
        .details
        .into_iter()
        .map(|(field, code, message)| FieldError::new(field, code, message))
        .collect();
    let message = failure.message;
    match failure.kind {
        0 => AppError::BadRequest {
            message: message.into(),
            details,
        },
        1 => AppError::Authentication(message.into()),
        2 => AppError::Forbidden(message.into()),
        3 => AppError::NotFound(message.into()),
        4 => AppError::MethodNotAllowed,
        5 => AppError::Conflict {
            message: message.into(),
            details,
        },
        6 => AppError::PreconditionFailed(message.into()),
        7 => AppError::PayloadTooLarge(message.into()),
        8 => AppError::UnsupportedMediaType(message.into()),
        9 => AppError::Validation(details),
        10 => AppError::RateLimited {
            retry_after: Duration::from_millis(message.len() as u64 * 10),
        },
        11 => AppError::Unavailable {
            message: message.into(),
            details,
        },
        _ => AppError::internal(message),
    }
}

fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/echo",
            post(|Json(value): Json<Value>| async move { Item(value) }),
        )
        .route(
            "/page",
            post(|Json(input): Json<PageInput>| async move {
                List::new(
                    input.items,
                    Pagination::offset(input.page, input.per_page, input.total),
                )
            }),
        )
        .route(
            "/fail",
            post(
                |Json(failure): Json<Failure>| async move { Err::<Item<()>, _>(error_of(failure)) },
            ),
        )
}

/// One runtime and one app for every case (the database is never used).
fn fixture() -> &'static (tokio::runtime::Runtime, Router) {
    static FIXTURE: OnceLock<(tokio::runtime::Runtime, Router)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let router = runtime.block_on(async {
            let db = Box::leak(Box::new(TestDatabase::sqlite()));
            App::new(db.config())
                .api(api())
                .build()
                .await
                .unwrap()
                .router()
        });
        (runtime, router)
    })
}

fn send(path: &str, body: &Value, problem: bool) -> (u16, Vec<(String, String)>, Value) {
    let (runtime, router) = fixture();
    let mut request = TestRequest::post(path).json(body);
    if problem {
        request = request.header("accept", "application/problem+json");
    }
    let response = runtime.block_on(request.send(router));
    let headers = [
        "content-type",
        "www-authenticate",
        "retry-after",
        "x-request-id",
    ]
    .iter()
    .filter_map(|name| {
        response
            .header(name)
            .map(|v| ((*name).to_owned(), v.to_owned()))
    })
    .collect();
    let json: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.text()));
    (response.status.as_u16(), headers, json)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Any JSON value: nested arrays and objects of strings (any Unicode,
/// control characters included), integers, finite floats, booleans, null.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn assert_meta(meta: &Value, request_id: Option<&str>) {
    let id = meta["requestId"].as_str().expect("meta.requestId");
    assert!(!id.is_empty());
    assert_eq!(
        Some(id),
        request_id,
        "meta.requestId is the x-request-id header"
    );
    let at = meta["timestamp"].as_str().expect("meta.timestamp");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_payload_comes_back_intact(value in json_value()) {
        let (status, headers, body) = send("/api/v1/echo", &value, false);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(header(&headers, "content-type"), Some("application/json"));
        prop_assert_eq!(&body["success"], &json!(true));
        prop_assert_eq!(&body["data"], &value);
        prop_assert!(body.get("pagination").is_none());
        assert_meta(&body["meta"], header(&headers, "x-request-id"));
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        prop_assert_eq!(keys.len(), 3, "{:?}", keys);
    }

    #[test]
    fn any_page_has_consistent_pagination(
        items in prop::collection::vec(json_value(), 0..8),
        page in 1u64..1_000_000,
        per_page in 1u64..=100,
        total in 0u64..u64::MAX / 2,
    ) {
        let input = json!({"items": items, "page": page, "perPage": per_page, "total": total});
        let (status, headers, body) = send("/api/v1/page", &input, false);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(&body["success"], &json!(true));
        prop_assert_eq!(&body["data"], &json!(items));
        let pagination = &body["pagination"];
        prop_assert_eq!(&pagination["page"], &json!(page));
        prop_assert_eq!(&pagination["perPage"], &json!(per_page));
        prop_assert_eq!(&pagination["total"], &json!(total));
        prop_assert_eq!(&pagination["totalPages"], &json!(total.div_ceil(per_page)));
        assert_meta(&body["meta"], header(&headers, "x-request-id"));
    }

    #[test]
    fn any_error_renders_its_status_code_message_and_details(
        kind in 0usize..ERRORS.len(),
        message in any::<String>(),
        details in prop::collection::vec((any::<String>(), any::<String>(), any::<String>()), 0..4),
        problem in any::<bool>(),
    ) {
        let input = json!({"kind": kind, "message": message, "details": details});
        let (status, headers, body) = send("/api/v1/fail", &input, problem);
        let (want_status, want_code) = ERRORS[kind];
        prop_assert_eq!(status, want_status, "{}", body);
        let with_details = matches!(kind, 0 | 5 | 9 | 11);
        let want_details: Value = if with_details {
            details.iter().map(|(f, c, m)| json!({"field": f, "code": c, "message": m})).collect()
        } else {
            json!([])
        };
        let want_message = match kind {
            4 => "Method not allowed".to_owned(),
            9 => "Validation failed".to_owned(),
            10 => "Too many requests".to_owned(),
            12 => "An unexpected error occurred".to_owned(),
            _ => message.clone(),
        };
        if problem {
            prop_assert_eq!(header(&headers, "content-type"), Some("application/problem+json"));
            prop_assert_eq!(&body["status"], &json!(want_status));
            prop_assert_eq!(&body["code"], &json!(want_code));
            prop_assert_eq!(&body["detail"], &json!(want_message));
            prop_assert_eq!(&body["errors"], &want_details);
            prop_assert!(body["type"].as_str().unwrap().starts_with("urn:strata:error:"));
            prop_assert!(body["title"].is_string());
            prop_assert_eq!(&body["instance"], &json!("/api/v1/fail"));
        } else {
            prop_assert_eq!(header(&headers, "content-type"), Some("application/json"));
            prop_assert_eq!(&body["success"], &json!(false));
            prop_assert_eq!(&body["error"]["code"], &json!(want_code));
            prop_assert_eq!(&body["error"]["message"], &json!(want_message));
            prop_assert_eq!(&body["error"]["details"], &want_details);
            assert_meta(&body["meta"], header(&headers, "x-request-id"));
        }
        prop_assert_eq!(header(&headers, "www-authenticate").is_some(), kind == 1);
        prop_assert_eq!(header(&headers, "retry-after").is_some(), kind == 10);
        if kind == 12 && message.len() > 3 {
            // The internal error's own text never reaches the client.
            let text = body.to_string();
            prop_assert!(!text.contains(&serde_json::to_string(&message).unwrap()), "{}", text);
        }
    }
}
