//! The policy, the `child` scope, the schema and the users the tests log in as.

use chrono::{Duration, Utc};
use futures_util::future::BoxFuture;
use serde_json::json;
use strata::axum::Router;
use strata::axum::http::Method;
use strata::query::{Filter, FilterOp, Value};
use strata::rbac::{Policy, Scope, ScopeRequest};
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{App, AppError};
use uuid::Uuid;

use super::assignment::{Assignment, FIELDS};

pub(crate) const POLICY: &str = r#"
    [roles.student]
    permissions = ["assignments:read:own"]
    [roles.guardian]
    permissions = ["assignments:read:child"]
    [roles.teacher]
    permissions = ["assignments:read", "assignments:create", "assignments:update"]
    [roles.admin]
    permissions = ["*"]
"#;

pub(crate) struct Child;

impl Scope for Child {
    fn filters<'a>(
        &'a self,
        request: ScopeRequest<'a>,
    ) -> BoxFuture<'a, Result<Vec<Filter>, AppError>> {
        Box::pin(async move {
            let sql = "SELECT student_id FROM guardian_links WHERE guardian_id = $1";
            let ids: Vec<(Uuid,)> = match request.state.db() {
                strata::Db::Sqlite(p) => {
                    sqlx::query_as(sql)
                        .bind(request.user.id)
                        .fetch_all(p)
                        .await?
                }
                strata::Db::Postgres(p) => {
                    sqlx::query_as(sql)
                        .bind(request.user.id)
                        .fetch_all(p)
                        .await?
                }
            };
            let mut values: Vec<Value> = ids.into_iter().map(|(id,)| Value::Uuid(id)).collect();
            if values.is_empty() {
                values.push(Value::Uuid(Uuid::nil()));
            }
            Ok(vec![Filter {
                field: request.owner.unwrap_or(&FIELDS[6]),
                op: FilterOp::In,
                values,
            }])
        })
    }
}

pub(crate) const SQLITE: [&str; 2] = [
    "CREATE TABLE assignments (id BLOB PRIMARY KEY, title TEXT NOT NULL, description TEXT, subject TEXT NOT NULL,
        due_date TEXT NOT NULL, status TEXT NOT NULL, student_id BLOB NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, version INTEGER NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id BLOB NOT NULL, student_id BLOB NOT NULL)",
];
pub(crate) const POSTGRES: [&str; 2] = [
    "CREATE TABLE assignments (id UUID PRIMARY KEY, title TEXT NOT NULL, description TEXT, subject TEXT NOT NULL,
        due_date TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, student_id UUID NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL, version BIGINT NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id UUID NOT NULL, student_id UUID NOT NULL)",
];

pub(crate) struct Users {
    pub(crate) admin: String,
    pub(crate) teacher: String,
    pub(crate) alice: (String, Uuid),
    pub(crate) bob: (String, Uuid),
    pub(crate) guardian: String,
}

pub(crate) async fn session(
    router: &Router,
    email: &str,
    role: Option<&str>,
    admin: Option<&str>,
) -> (String, Uuid) {
    let body = TestRequest::post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": "long enough password", "name": email}))
        .send(router)
        .await
        .json();
    let id: Uuid = body["data"]["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut token = body["data"]["accessToken"].as_str().unwrap().to_owned();
    if let (Some(role), Some(admin)) = (role, admin) {
        let r = TestRequest::new(Method::PATCH, format!("/api/v1/users/{id}"))
            .header("authorization", &format!("Bearer {admin}"))
            .json(&json!({"role": role}))
            .send(router)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        token = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": email, "password": "long enough password"}))
            .send(router)
            .await
            .json()["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    (token, id)
}

pub(crate) fn call(router: &Router, method: Method, uri: &str, token: &str) -> TestRequest {
    let _ = router;
    TestRequest::new(method, uri.to_owned()).header("authorization", &format!("Bearer {token}"))
}

pub(crate) async fn setup(db: &TestDatabase) -> (strata::Server, Router, Users) {
    let mut config = db.config();
    config.auth.admin_email = Some("head@school.test".into());
    config.auth.admin_password = Some("head password 123".into());
    let server = App::new(config)
        .with_auth()
        .policy(Policy::from_toml(POLICY).unwrap())
        .scope("child", Child)
        .cache(strata::CacheAside::new(
            std::sync::Arc::new(strata::cache::MokaCache::new(1 << 20)),
            std::time::Duration::from_secs(60),
        ))
        .api(strata::resource::routes::<Assignment>())
        .build()
        .await
        .unwrap();
    let ddl = match server.state().db().dialect() {
        strata::Dialect::Sqlite => SQLITE,
        strata::Dialect::Postgres => POSTGRES,
    };
    for statement in ddl {
        strata::testing::execute(server.state().db(), statement)
            .await
            .unwrap();
    }
    let router = server.router();
    let admin = TestRequest::post("/api/v1/auth/login")
        .json(&json!({"email": "head@school.test", "password": "head password 123"}))
        .send(&router)
        .await
        .json()["data"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (teacher, _) = session(
        &router,
        "teacher@school.test",
        Some("teacher"),
        Some(&admin),
    )
    .await;
    let alice = session(&router, "alice@school.test", None, None).await;
    let bob = session(&router, "bob@school.test", None, None).await;
    let (guardian, guardian_id) =
        session(&router, "mum@school.test", Some("guardian"), Some(&admin)).await;
    let link = "INSERT INTO guardian_links (guardian_id, student_id) VALUES ($1, $2)";
    match server.state().db() {
        strata::Db::Sqlite(p) => sqlx::query(link)
            .bind(guardian_id)
            .bind(alice.1)
            .execute(p)
            .await
            .map(drop),
        strata::Db::Postgres(p) => sqlx::query(link)
            .bind(guardian_id)
            .bind(alice.1)
            .execute(p)
            .await
            .map(drop),
    }
    .unwrap();
    (
        server,
        router,
        Users {
            admin,
            teacher,
            alice,
            bob,
            guardian,
        },
    )
}

pub(crate) fn due(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

pub(crate) fn titles(response: &TestResponse) -> Vec<String> {
    response.json()["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", response.text()))
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}
