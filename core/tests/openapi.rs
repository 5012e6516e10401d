//! `GET /openapi.json` and `GET /docs` (SPEC §3 "Standard endpoints"): the document
//! is valid OpenAPI 3.1, every `$ref` resolves, resources produce every operation
//! with its parameters and error responses, and the reference page loads only
//! assets the app serves itself.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;
use strata::axum::Router;
use strata::openapi::utoipa::openapi::schema::ObjectBuilder;
use strata::openapi::utoipa::openapi::{KnownFormat, SchemaFormat, Type};
use strata::openapi::{OpenApiRegistry, ResourceDoc};
use strata::query::{FieldMeta, FieldType, FilterOp, QuerySpec};
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, ErrorCode};

static SUBTASK_FIELDS: [FieldMeta; 5] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("done", "done", FieldType::Bool).filter(),
    FieldMeta::new("dueDate", "due_date", FieldType::Date)
        .filter()
        .sort()
        .nullable(),
    FieldMeta::new("notes", "notes", FieldType::String),
];
static SUBTASK_SPEC: QuerySpec = QuerySpec::new(&SUBTASK_FIELDS, &SUBTASK_FIELDS[0]);

fn subtask_doc() -> ResourceDoc {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let item = ObjectBuilder::new()
        .property(
            "id",
            string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        )
        .property("title", string())
        .property("done", ObjectBuilder::new().schema_type(Type::Boolean))
        .required("id")
        .required("title")
        .build();
    let body = || {
        ObjectBuilder::new()
            .property("title", string())
            .property("done", ObjectBuilder::new().schema_type(Type::Boolean))
            .build()
            .into()
    };
    ResourceDoc {
        path: "subtasks",
        tag: "subtasks",
        schema_name: "Subtask",
        schema: item.into(),
        create: ("SubtaskCreate", body()),
        update: ("SubtaskUpdate", body()),
        patch: ("SubtaskPatch", body()),
        spec: &SUBTASK_SPEC,
        parents: &[("assignments", "assignmentId")],
        id_type: FieldType::Uuid,
    }
}

fn registry() -> OpenApiRegistry {
    let mut registry = OpenApiRegistry::new("Classroom", "1.2.3");
    registry.resource(subtask_doc());
    registry
}

async fn router(auth: bool) -> Router {
    let db = TestDatabase::sqlite();
    let mut app = App::new(db.config()).openapi(registry());
    if auth {
        app = app.with_auth();
    }
    app.build().await.expect("app builds").router()
}

async fn served_document(auth: bool) -> (String, Value) {
    let router = router(auth).await;
    let response = TestRequest::get("/openapi.json").send(&router).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    (response.text(), response.json())
}

/// Every `$ref` in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    out.push(v.as_str().expect("$ref is a string").to_owned());
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "no {method} {path}");
    op
}

fn param_names(op: &Value) -> BTreeSet<String> {
    op["parameters"]
        .as_array()
        .map(|params| {
            params
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn document_is_valid_openapi_3_1_and_every_ref_resolves() {
    let (text, doc) = served_document(true).await;
    let spec = oas3::from_json(&text).expect("the document deserialises as OpenAPI 3.1");
    assert_eq!(spec.openapi, "3.1.0");
    spec.validate_version()
        .expect("a supported OpenAPI version");
    assert_eq!(spec.info.title, "Classroom");
    assert_eq!(spec.info.version, "1.2.3");
    assert_eq!(spec.operations().count(), operations(&doc).len());
    assert!(spec.operations().count() >= 19);
    for (path, method, op) in spec.operations() {
        op.parameters(&spec)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        op.request_body(&spec)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(!op.responses(&spec).is_empty(), "{method} {path}");
    }
    assert_eq!(doc["openapi"], "3.1.0");

    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for reference in &all {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(schemas.contains_key(name), "{reference} does not resolve");
    }
    for name in [
        "Meta",
        "OffsetPagination",
        "CursorPagination",
        "ErrorEnvelope",
        "ErrorCode",
        "FieldError",
        "Problem",
        "Subtask",
        "SubtaskItemEnvelope",
        "SubtaskPage",
        "SubtaskCursorPage",
        "SubtaskCreate",
        "SubtaskUpdate",
        "SubtaskPatch",
    ] {
        assert!(schemas.contains_key(name), "missing component {name}");
    }
    let codes: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ErrorCode::ALL.map(|c| c.as_str()).to_vec(),
        "the code enum lists every ErrorCode"
    );
    let bearer = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(bearer["bearerFormat"], "JWT");
}

#[tokio::test]
async fn resource_doc_produces_every_path_and_method_with_unique_ids() {
    let (_, doc) = served_document(false).await;
    let expected = [
        ("/api/v1/subtasks", "get", "listSubtasks"),
        ("/api/v1/subtasks", "post", "createSubtask"),
        ("/api/v1/subtasks/{id}", "get", "getSubtask"),
        ("/api/v1/subtasks/{id}", "put", "replaceSubtask"),
        ("/api/v1/subtasks/{id}", "patch", "updateSubtask"),
        ("/api/v1/subtasks/{id}", "delete", "deleteSubtask"),
        (
            "/api/v1/assignments/{assignmentId}/subtasks",
            "get",
            "listAssignmentSubtasks",
        ),
        (
            "/api/v1/assignments/{assignmentId}/subtasks",
            "post",
            "createAssignmentSubtask",
        ),
    ];
    for (path, method, id) in expected {
        let op = operation(&doc, path, method);
        assert_eq!(op["operationId"], id, "{method} {path}");
        assert_eq!(op["tags"][0], "subtasks");
        assert_eq!(op["security"][0]["bearerAuth"], serde_json::json!([]));
    }
    let mut seen = HashSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(seen.insert(id.to_owned()), "duplicate operationId {id}");
    }

    // Status codes and headers of each operation.
    let statuses = |op: &Value| -> BTreeSet<String> {
        op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let get = operation(&doc, "/api/v1/subtasks/{id}", "get");
    assert!(param_names(get).contains("If-None-Match"));
    assert!(get["responses"]["200"]["headers"]["ETag"].is_object());
    assert!(statuses(get).contains("304"));
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SubtaskItemEnvelope"
    );
    let create = operation(&doc, "/api/v1/subtasks", "post");
    assert!(create["responses"]["201"]["headers"]["Location"].is_object());
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SubtaskCreate"
    );
    for method in ["put", "patch", "delete"] {
        let op = operation(&doc, "/api/v1/subtasks/{id}", method);
        assert!(param_names(op).contains("If-Match"), "{method}");
        assert!(statuses(op).contains("412"), "{method}");
    }
    assert_eq!(
        operation(&doc, "/api/v1/subtasks/{id}", "patch")["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/SubtaskPatch"
    );
    let delete = operation(&doc, "/api/v1/subtasks/{id}", "delete");
    assert!(statuses(delete).contains("204"));
    let list = operation(&doc, "/api/v1/subtasks", "get");
    let one_of = &list["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"];
    assert_eq!(one_of[0]["$ref"], "#/components/schemas/SubtaskPage");
    assert_eq!(one_of[1]["$ref"], "#/components/schemas/SubtaskCursorPage");
    let nested = operation(&doc, "/api/v1/assignments/{assignmentId}/subtasks", "get");
    assert!(param_names(nested).contains("assignmentId"));

    // Every 4xx/5xx references ErrorEnvelope (and Problem), and the codes fit
    // the operation.
    for (path, method, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorEnvelope",
                    "{method} {path} {status}"
                );
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
            }
        }
    }
    for status in [
        "400", "401", "403", "409", "413", "415", "422", "429", "500", "503",
    ] {
        assert!(statuses(create).contains(status), "create lacks {status}");
    }
    for status in ["400", "401", "403", "404", "429", "500", "503"] {
        assert!(statuses(get).contains(status), "get lacks {status}");
    }
    assert!(!statuses(list).contains("404"), "a flat list has no 404");
    assert!(
        statuses(nested).contains("404"),
        "a nested list 404s on its parent"
    );
}

#[tokio::test]
async fn list_parameters_cover_the_grammar_and_each_filterable_field() {
    let (_, doc) = served_document(false).await;
    let list = operation(&doc, "/api/v1/subtasks", "get");
    let names = param_names(list);
    for name in [
        "page", "perPage", "limit", "cursor", "sort", "search", "fields",
    ] {
        assert!(names.contains(name), "missing {name}: {names:?}");
    }
    for field in SUBTASK_FIELDS.iter() {
        if !field.filterable {
            assert!(
                !names.contains(field.name),
                "{} is not filterable",
                field.name
            );
            continue;
        }
        assert!(names.contains(field.name), "missing {}", field.name);
        for op in FilterOp::ALL {
            let param = format!("{}[{}]", field.name, op.as_str());
            assert_eq!(
                names.contains(&param),
                op.applies_to(field.ty),
                "{param} documented iff the operator applies"
            );
        }
    }
    let param = |name: &str| {
        list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(param("perPage")["schema"]["maximum"], 100);
    assert_eq!(param("perPage")["schema"]["default"], 20);
    assert_eq!(param("dueDate[gte]")["schema"]["format"], "date");
    assert_eq!(param("done[isNull]")["schema"]["type"], "boolean");
    assert_eq!(param("title[in]")["schema"]["type"], "array");
    assert_eq!(param("title[in]")["explode"], false);
    let title = param("title")["description"].as_str().unwrap().to_owned();
    assert!(
        title.contains("contains") && title.contains("startsWith"),
        "{title}"
    );
    let sort = param("sort")["schema"]["items"]["enum"].clone();
    assert_eq!(
        sort,
        serde_json::json!(["id", "-id", "title", "-title", "dueDate", "-dueDate"])
    );
    assert!(
        !param("search")["description"]
            .as_str()
            .unwrap()
            .contains("notes")
    );
}

#[tokio::test]
async fn auth_health_and_docs_routes_are_documented_with_auth() {
    let (_, doc) = served_document(true).await;
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/docs", "get"),
    ] {
        operation(&doc, path, method);
    }
    let login = operation(&doc, "/api/v1/auth/login", "post");
    assert_eq!(
        login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoginRequest"
    );
    assert_eq!(
        login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SessionItemEnvelope"
    );
    assert!(login["responses"]["401"].is_object());
    assert!(login.get("security").is_none(), "login needs no token");
    let me = operation(&doc, "/api/v1/auth/me", "get");
    assert_eq!(me["security"][0]["bearerAuth"], serde_json::json!([]));
    assert_eq!(
        me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/UserItemEnvelope"
    );
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Session"]["properties"]["accessToken"].is_object());
    assert!(schemas["RegisterRequest"]["properties"]["password"].is_object());
    assert!(schemas["RefreshRequest"]["properties"]["refreshToken"].is_object());
    assert!(schemas["RoleChange"]["properties"]["role"].is_object());
    let ready = operation(&doc, "/health/ready", "get");
    assert!(ready["responses"]["503"].is_object());

    // Without with_auth the auth routes are not documented (they do not exist).
    let (_, doc) = served_document(false).await;
    assert!(doc["paths"]["/api/v1/auth/login"].is_null());
    assert!(doc["paths"]["/health/live"]["get"].is_object());
}

/// Attribute values of `attr="…"` in `html`.
fn attribute_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn docs_page_and_every_asset_it_loads_are_served_by_the_app() {
    let router = router(false).await;
    let page = TestRequest::get("/docs").send(&router).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text();
    assert!(html.contains("<html"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("http"), "{csp}");

    let assets: Vec<String> = attribute_values(&html, "src")
        .into_iter()
        .chain(attribute_values(&html, "href"))
        .collect();
    assert!(assets.len() >= 2, "{assets:?}");
    for asset in &assets {
        assert!(
            asset.starts_with('/'),
            "asset {asset} is not on this origin"
        );
        let response = TestRequest::get(asset.as_str()).send(&router).await;
        assert_eq!(response.status, 200, "{asset}");
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("text/javascript"),
            "{asset}"
        );
        let js = response.text();
        assert!(!js.contains("fonts.scalar.com"), "{asset}");
        for pattern in ["url(http", "url(\"http", "url('http", "@import \"http"] {
            assert!(
                !js.contains(pattern),
                "{asset} loads an external asset: {pattern}"
            );
        }
    }
    let init = TestRequest::get("/docs/init.js").send(&router).await.text();
    assert!(!init.contains("http://") && !init.contains("https://"));
    assert!(
        init.contains("'/openapi.json'"),
        "the page renders this app's document"
    );
    assert!(init.contains("withDefaultFonts: false"));
    let bundle = TestRequest::get("/docs/scalar.js").send(&router).await;
    assert!(bundle.text().contains("createApiReference"));
}

#[tokio::test]
async fn apps_without_openapi_have_neither_route() {
    let db = TestDatabase::sqlite();
    let router = App::new(db.config())
        .build()
        .await
        .expect("app builds")
        .router();
    for path in ["/openapi.json", "/docs", "/docs/scalar.js"] {
        let response = TestRequest::get(path).send(&router).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.json()["error"]["code"], "NOT_FOUND");
    }
}
