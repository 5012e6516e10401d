//! A resource written by hand exactly as `#[derive(Resource)]` generates it (the
//! classroom's assignments), served by `strata::resource::routes` on SQLite and
//! Postgres: every route and status, validation and hook 422s, ETag flows,
//! nested routes, list grammar, and each role's view of the data.

mod assignment;
mod support;

use serde_json::{Value as Json, json};
use strata::App;
use strata::axum::http::Method;
use strata::rbac::Policy;
use strata::testing::{TestDatabase, TestRequest};

use assignment::Assignment;
use support::{Child, POLICY, call, due, setup, titles};

#[tokio::test]
async fn routes_statuses_and_role_views() {
    for db in TestDatabase::all().await {
        let (server, router, u) = setup(&db).await;
        let cache = server.state().cache().unwrap().cache().clone();
        let cached = |id: String| {
            let cache = cache.clone();
            async move {
                cache
                    .get(&format!("assignments:{id}"))
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        let (alice, alice_id) = &u.alice;
        let (bob, bob_id) = &u.bob;

        // Create through the nested route: the parent sets the owner column.
        let created = call(&router, Method::POST, &format!("/api/v1/students/{alice_id}/assignments"), &u.teacher)
            .json(&json!({"title": "Essay", "description": "On rivers", "subject": "english", "dueDate": due(3)}))
            .send(&router)
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let essay: Json = created.json()["data"].clone();
        let essay_id = essay["id"].as_str().unwrap().to_owned();
        assert_eq!(
            created.header("location"),
            Some(format!("/api/v1/assignments/{essay_id}").as_str())
        );
        assert_eq!(created.header("etag"), Some("\"v1\""));
        assert_eq!(
            (
                essay["studentId"].as_str(),
                essay["status"].as_str(),
                essay["version"].as_i64()
            ),
            (
                Some(alice_id.to_string().as_str()),
                Some("pending"),
                Some(1)
            )
        );
        for (title, student, days) in [
            ("Lab report", bob_id, 5),
            ("Algebra", alice_id, 1),
            ("Poem", alice_id, 9),
        ] {
            let r = call(&router, Method::POST, &format!("/api/v1/students/{student}/assignments"), &u.teacher)
                .json(&json!({"title": title, "subject": if title == "Algebra" { "math" } else { "english" }, "dueDate": due(days)}))
                .send(&router)
                .await;
            assert_eq!(r.status, 201, "{}", r.text());
        }

        // 422: the hook's due-date rule, and validation listing every field.
        let past = call(&router, Method::POST, "/api/v1/assignments", &u.teacher)
            .json(&json!({"title": "Late", "subject": "x", "dueDate": due(-1)}))
            .send(&router)
            .await;
        assert_eq!(past.status, 422);
        assert_eq!(
            past.json()["error"]["details"],
            json!([{"field": "dueDate", "code": "future", "message": "must be in the future"}])
        );
        let invalid = call(&router, Method::POST, "/api/v1/assignments", &u.teacher)
            .json(&json!({"title": "", "subject": "x", "dueDate": due(1), "status": "lost"}))
            .send(&router)
            .await;
        assert_eq!(invalid.status, 422);
        let fields: Vec<_> = invalid.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].clone())
            .collect();
        assert_eq!(fields, ["status", "title"]);
        // Read-only fields are not in the body: 400, not a silent write.
        let sneaky = call(&router, Method::POST, "/api/v1/assignments", &u.teacher)
            .json(&json!({"title": "x", "subject": "x", "dueDate": due(1), "version": 7}))
            .send(&router)
            .await;
        assert_eq!(sneaky.status, 400);
        // Students cannot create.
        let r = call(&router, Method::POST, "/api/v1/assignments", alice)
            .json(&json!({"title": "x", "subject": "x", "dueDate": due(1)}))
            .send(&router)
            .await;
        assert_eq!(r.status, 403);

        // Each role's view.
        let list = |token: &str, query: &str| {
            call(
                &router,
                Method::GET,
                &format!("/api/v1/assignments{query}"),
                token,
            )
            .send(&router)
        };
        assert_eq!(
            titles(&list(alice, "").await),
            ["Algebra", "Essay", "Poem"],
            "student: own, by dueDate"
        );
        assert_eq!(titles(&list(bob, "").await), ["Lab report"]);
        assert_eq!(
            titles(&list(&u.guardian, "").await),
            ["Algebra", "Essay", "Poem"],
            "guardian: linked student"
        );
        assert_eq!(titles(&list(&u.teacher, "").await).len(), 4, "teacher: all");
        assert_eq!(titles(&list(&u.admin, "").await).len(), 4, "admin: all");
        let nested = call(
            &router,
            Method::GET,
            &format!("/api/v1/students/{bob_id}/assignments"),
            alice,
        )
        .send(&router)
        .await;
        assert_eq!(
            titles(&nested),
            Vec::<String>::new(),
            "nested route keeps the scope"
        );
        let nested = call(
            &router,
            Method::GET,
            &format!("/api/v1/students/{alice_id}/assignments"),
            &u.teacher,
        )
        .send(&router)
        .await;
        assert_eq!(titles(&nested).len(), 3);

        // The grammar: filters, sort, search, sparse fields, offset and cursor pages.
        assert_eq!(
            titles(&list(&u.teacher, "?subject=english&sort=-dueDate").await),
            ["Poem", "Lab report", "Essay"]
        );
        assert_eq!(titles(&list(&u.teacher, "?search=RIVERS").await), ["Essay"]);
        let sparse = list(&u.teacher, "?fields=title&perPage=1&page=2")
            .await
            .json();
        assert_eq!(
            sparse["data"][0]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["id", "title"]
        );
        assert_eq!(
            sparse["pagination"],
            json!({"page": 2, "perPage": 1, "total": 4, "totalPages": 4})
        );
        let page1 = list(&u.teacher, "?cursor=&limit=3").await.json();
        let next = page1["pagination"]["nextCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let page2 = list(&u.teacher, &format!("?limit=3&cursor={next}")).await;
        assert_eq!(titles(&page2), ["Poem"]);
        assert_eq!(list(&u.teacher, "?grade=A").await.status, 400);

        // Single rows: 404 outside the scope, ETag and If-None-Match.
        let member = format!("/api/v1/assignments/{essay_id}");
        assert_eq!(
            call(&router, Method::GET, &member, bob)
                .send(&router)
                .await
                .status,
            404
        );
        assert_eq!(
            call(
                &router,
                Method::GET,
                "/api/v1/assignments/not-a-uuid",
                alice
            )
            .send(&router)
            .await
            .status,
            400
        );
        let got = call(&router, Method::GET, &member, alice)
            .send(&router)
            .await;
        assert_eq!(got.status, 200);
        assert_eq!(got.header("etag"), Some("\"v1\""));
        let not_modified = call(&router, Method::GET, &member, alice)
            .header("if-none-match", "\"v1\"")
            .send(&router)
            .await;
        assert_eq!(not_modified.status, 304);
        assert!(not_modified.body.is_empty());
        // If-None-Match compares weakly (RFC 9110 §13.1.2).
        for (header, status) in [
            ("W/\"v1\"", 304),
            ("\"v0\", W/\"v1\"", 304),
            ("W/\"v2\"", 200),
        ] {
            let r = call(&router, Method::GET, &member, alice)
                .header("if-none-match", header)
                .send(&router)
                .await;
            assert_eq!(r.status, status, "If-None-Match: {header}");
        }
        // Scoped readers (the student) bypass the cache; unscoped ones fill it.
        assert!(
            !cached(essay_id.clone()).await,
            "a scoped read does not cache"
        );
        let teacher_read = call(&router, Method::GET, &member, &u.teacher)
            .send(&router)
            .await;
        assert_eq!(teacher_read.status, 200);
        assert!(cached(essay_id.clone()).await, "an unscoped read caches");

        // Writes: students may not update; If-Match; PUT; PATCH absent vs null.
        let r = call(&router, Method::PATCH, &member, alice)
            .json(&json!({"status": "completed"}))
            .send(&router)
            .await;
        assert_eq!(r.status, 403);
        let stale = call(&router, Method::PATCH, &member, &u.teacher)
            .header("if-match", "\"v0\"")
            .json(&json!({"status": "in_progress"}))
            .send(&router)
            .await;
        assert_eq!(stale.status, 412);
        let patched = call(&router, Method::PATCH, &member, &u.teacher)
            .header("if-match", "\"v1\"")
            .json(&json!({"status": "in_progress"}))
            .send(&router)
            .await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        assert_eq!(patched.header("etag"), Some("\"v2\""));
        assert_eq!(
            patched.json()["data"]["description"],
            "On rivers",
            "absent: untouched"
        );
        assert!(
            !cached(essay_id.clone()).await,
            "the write invalidated the row"
        );
        let fresh = call(&router, Method::GET, &member, &u.teacher)
            .send(&router)
            .await;
        assert_eq!(fresh.json()["data"]["status"], "in_progress");
        let cleared = call(&router, Method::PATCH, &member, &u.teacher)
            .json(&json!({"description": null}))
            .send(&router)
            .await;
        assert_eq!(
            cleared.json()["data"]["description"],
            Json::Null,
            "null: cleared"
        );
        let replaced = call(&router, Method::PUT, &member, &u.teacher)
            .header("if-match", "\"v3\"")
            .json(&json!({"title": "Essay (final)", "subject": "english", "dueDate": due(4), "status": "completed"}))
            .send(&router)
            .await;
        assert_eq!(replaced.status, 200, "{}", replaced.text());
        assert_eq!(
            (
                replaced.json()["data"]["title"].as_str(),
                replaced.json()["data"]["version"].as_i64()
            ),
            (Some("Essay (final)"), Some(4))
        );
        // On an update the hook's rule joins the field rules in one 422, and
        // nothing is written.
        let frozen = call(&router, Method::PATCH, &member, &u.teacher)
            .json(&json!({"title": "", "dueDate": due(9)}))
            .send(&router)
            .await;
        assert_eq!(frozen.status, 422, "{}", frozen.text());
        let fields: Vec<_> = frozen.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["field"].clone(), d["code"].clone()))
            .collect();
        assert_eq!(
            fields,
            [
                (json!("title"), json!("length")),
                (json!("dueDate"), json!("frozen"))
            ]
        );
        let unchanged = call(&router, Method::GET, &member, &u.teacher)
            .send(&router)
            .await;
        assert_eq!(unchanged.json()["data"]["version"], 4);
        let bad = call(&router, Method::PUT, &member, &u.teacher)
            .json(&json!({"title": "x"}))
            .send(&router)
            .await;
        // PUT needs every writable field: one 422 naming each absent one.
        assert_eq!(bad.status, 422, "{}", bad.text());
        assert_eq!(
            bad.json()["error"]["details"],
            json!([
                {"field": "subject", "code": "required", "message": "is required"},
                {"field": "dueDate", "code": "required", "message": "is required"},
                {"field": "status", "code": "required", "message": "is required"},
            ])
        );
        // A value of the wrong type is still malformed input: 400.
        let wrong = call(&router, Method::PUT, &member, &u.teacher)
            .json(&json!({"title": 5, "subject": "english", "dueDate": due(4), "status": "completed"}))
            .send(&router)
            .await;
        assert_eq!(wrong.status, 400, "{}", wrong.text());
        assert!(
            wrong.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("title"),
            "{}",
            wrong.text()
        );

        // Delete: only admin here; then 404.
        assert_eq!(
            call(&router, Method::DELETE, &member, &u.teacher)
                .send(&router)
                .await
                .status,
            403
        );
        let stale = call(&router, Method::DELETE, &member, &u.admin)
            .header("if-match", "\"v1\"")
            .send(&router)
            .await;
        assert_eq!(stale.status, 412);
        let deleted = call(&router, Method::DELETE, &member, &u.admin)
            .send(&router)
            .await;
        assert_eq!(deleted.status, 204);
        assert!(deleted.body.is_empty());
        assert_eq!(
            call(&router, Method::GET, &member, &u.admin)
                .send(&router)
                .await
                .status,
            404
        );
        let forged = TestRequest::get(member.clone())
            .header("authorization", "Bearer nope")
            .send(&router)
            .await;
        assert_eq!(forged.status, 401);
    }
}

#[tokio::test]
async fn app_resource_documents_every_route_in_openapi() {
    let db = TestDatabase::sqlite();
    let server = App::new(db.config())
        .with_auth()
        .policy(Policy::from_toml(POLICY).unwrap())
        .scope("child", Child)
        .openapi(strata::openapi::OpenApiRegistry::new("Classroom", "1.0.0"))
        .resource::<Assignment>()
        .build()
        .await
        .unwrap();
    let doc = TestRequest::get("/openapi.json")
        .send(&server.router())
        .await;
    assert_eq!(doc.status, 200);
    let json = doc.json();
    oas3::from_json(doc.text()).expect("a valid OpenAPI 3.1 document");
    let paths = json["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/assignments", &["get", "post"][..]),
        (
            "/api/v1/assignments/{id}",
            &["get", "put", "patch", "delete"][..],
        ),
        (
            "/api/v1/students/{studentId}/assignments",
            &["get", "post"][..],
        ),
    ] {
        for method in methods {
            assert!(paths[path][method].is_object(), "{method} {path} missing");
        }
    }
    let create = &json["components"]["schemas"]["AssignmentCreate"]["properties"];
    assert!(create["title"].is_object() && create["dueDate"].is_object());
    for read_only in ["id", "studentId", "createdAt", "updatedAt", "version"] {
        assert!(
            create[read_only].is_null(),
            "{read_only} must not be writable"
        );
    }
    assert!(json["components"]["schemas"]["AssignmentPatch"]["required"].is_null());
    // The documented routes are really served.
    assert_eq!(
        TestRequest::get("/api/v1/assignments")
            .send(&server.router())
            .await
            .status,
        401
    );
}
