//! RBAC over HTTP: `RequirePermission` on hand-written routes (401, 403, scoped
//! and inherited grants) and `PATCH /api/v1/users/{id}` role changes, on SQLite
//! and Postgres.

use serde_json::{Value, json};
use strata::axum::Router;
use strata::axum::routing::get;
use strata::rbac::{Grant, Policy, RequirePermission};
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, AppState, Item};

const POLICY: &str = r#"
    [roles.student]
    permissions = ["assignments:read:own", "subtasks:*:own"]
    [roles.guardian]
    permissions = ["assignments:read:child"]
    [roles.teacher]
    inherits = ["student"]
    permissions = ["assignments:read", "assignments:create", "assignments:update"]
    [roles.monitor]
    permissions = ["users:update:own"]
    [roles.admin]
    permissions = ["*"]
"#;

strata::permission!(AssignmentsRead = "assignments", "read");
strata::permission!(SubtasksDelete = "subtasks", "delete");

async fn read_assignments(access: RequirePermission<AssignmentsRead>) -> Item<Value> {
    Item(json!({"role": access.user.role, "scope": access.grant.scope()}))
}

async fn delete_subtask(access: RequirePermission<SubtasksDelete>) -> Item<Value> {
    let all = access.grant == Grant::All;
    Item(json!({"scope": access.grant.scope(), "all": all}))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/assignments", get(read_assignments))
        .route("/subtasks", get(delete_subtask))
}

async fn token(router: &Router, email: &str, password: &str) -> (String, String) {
    let body = TestRequest::post("/api/v1/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send(router)
        .await
        .json();
    let token = body["data"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    (
        token,
        body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn register(router: &Router, email: &str) -> (String, String) {
    let body = TestRequest::post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": "correct horse battery", "name": "Pupil"}))
        .send(router)
        .await
        .json();
    let token = body["data"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    (
        token,
        body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn permissions_scopes_and_role_changes() {
    for db in TestDatabase::all().await {
        let mut config = db.config();
        config.auth.admin_email = Some("admin@school.test".into());
        config.auth.admin_password = Some("admin password 123".into());
        let server = App::new(config)
            .with_auth()
            .policy(Policy::from_toml(POLICY).unwrap())
            // Every scope the policy names must exist; this test only reads grants.
            .scope("child", strata::rbac::Own)
            .api(api())
            .build()
            .await
            .unwrap();
        let router = server.router();
        let bearer = |t: &str| format!("Bearer {t}");

        // 401 without a token, before any permission is looked at.
        let response = TestRequest::get("/api/v1/assignments").send(&router).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));

        let (student, student_id) = register(&router, "pupil@school.test").await;
        let body = TestRequest::get("/api/v1/assignments")
            .header("authorization", &bearer(&student))
            .send(&router)
            .await
            .json();
        assert_eq!(body["data"], json!({"role": "student", "scope": "own"}));
        let body = TestRequest::get("/api/v1/subtasks")
            .header("authorization", &bearer(&student))
            .send(&router)
            .await
            .json();
        assert_eq!(
            body["data"],
            json!({"scope": "own", "all": false}),
            "subtasks:* wildcard"
        );

        // A student may not change roles: 403 naming the permission.
        let response = TestRequest::new(
            strata::axum::http::Method::PATCH,
            format!("/api/v1/users/{student_id}"),
        )
        .header("authorization", &bearer(&student))
        .json(&json!({"role": "teacher"}))
        .send(&router)
        .await;
        assert_eq!(response.status, 403, "{}", response.text());
        assert_eq!(response.json()["error"]["code"], "FORBIDDEN");
        assert!(
            response.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("users:update")
        );

        let (admin, _) = token(&router, "admin@school.test", "admin password 123").await;
        let patch = |id: String, body: Value| {
            TestRequest::new(
                strata::axum::http::Method::PATCH,
                format!("/api/v1/users/{id}"),
            )
            .header("authorization", &bearer(&admin))
            .json(&body)
            .send(&router)
        };
        let response = patch(student_id.clone(), json!({"role": "principal"})).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.json()["error"]["details"][0]["field"], "role");
        let response = patch(uuid::Uuid::now_v7().to_string(), json!({"role": "teacher"})).await;
        assert_eq!(response.status, 404);
        let response = patch(student_id.clone(), json!({"role": "teacher"})).await;
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(response.json()["data"]["role"], "teacher");

        // The new role takes effect with the next token: teacher reads all
        // assignments (unscoped wins over the inherited `own`) and keeps the
        // inherited scoped subtask permission.
        let (teacher, _) = token(&router, "pupil@school.test", "correct horse battery").await;
        let body = TestRequest::get("/api/v1/assignments")
            .header("authorization", &bearer(&teacher))
            .send(&router)
            .await
            .json();
        assert_eq!(body["data"], json!({"role": "teacher", "scope": null}));
        let body = TestRequest::get("/api/v1/subtasks")
            .header("authorization", &bearer(&teacher))
            .send(&router)
            .await
            .json();
        assert_eq!(body["data"]["scope"], "own");

        let response = patch(student_id, json!({"role": "guardian"})).await;
        assert_eq!(response.status, 200);
        let (guardian, _) = token(&router, "pupil@school.test", "correct horse battery").await;
        let response = TestRequest::get("/api/v1/subtasks")
            .header("authorization", &bearer(&guardian))
            .send(&router)
            .await;
        assert_eq!(response.status, 403, "guardians have no subtask permission");
        let body = TestRequest::get("/api/v1/assignments")
            .header("authorization", &bearer(&guardian))
            .send(&router)
            .await
            .json();
        assert_eq!(body["data"]["scope"], "child");

        // A scoped `users:update` does not reach roles: changing one (even
        // one's own) needs the permission on every user.
        let (_, monitor_id) = register(&router, "monitor@school.test").await;
        let response = patch(monitor_id.clone(), json!({"role": "monitor"})).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let (monitor, _) = token(&router, "monitor@school.test", "correct horse battery").await;
        let response = TestRequest::new(
            strata::axum::http::Method::PATCH,
            format!("/api/v1/users/{monitor_id}"),
        )
        .header("authorization", &bearer(&monitor))
        .json(&json!({"role": "admin"}))
        .send(&router)
        .await;
        assert_eq!(response.status, 403, "{}", response.text());
        assert_eq!(response.json()["error"]["code"], "FORBIDDEN");
        let me = TestRequest::get("/api/v1/auth/me")
            .header("authorization", &bearer(&monitor))
            .send(&router)
            .await
            .json();
        assert_eq!(me["data"]["role"], "monitor");
    }
}
