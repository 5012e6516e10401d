//! A resource written by hand exactly as `#[derive(Resource)]` generates it (the
//! classroom's assignments), served by `strata::resource::routes` on SQLite and
//! Postgres: every route and status, validation and hook 422s, ETag flows,
//! nested routes, list grammar, and each role's view of the data.

use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use strata::axum::Router;
use strata::axum::http::Method;
use strata::query::{FieldMeta, FieldType, Filter, FilterOp, QuerySpec, Value};
use strata::rbac::{Policy, Scope, ScopeRequest};
use strata::repo::{Conventions, Entity, EntityId};
use strata::resource::{HookContext, Hooks, Parent, Resource, WriteContext};
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{App, AppError, FieldError};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct Assignment {
    id: Uuid,
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    status: String,
    student_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

const STATUSES: &[&str] = &["pending", "in_progress", "completed"];

static FIELDS: [FieldMeta; 10] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("description", "description", FieldType::String)
        .search()
        .nullable(),
    FieldMeta::new("subject", "subject", FieldType::String).filter(),
    FieldMeta::new("dueDate", "due_date", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("status", "status", FieldType::Enum(STATUSES)).filter(),
    FieldMeta::new("studentId", "student_id", FieldType::Uuid).filter(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime).sort(),
    FieldMeta::new("updatedAt", "updated_at", FieldType::DateTime),
    FieldMeta::new("version", "version", FieldType::Int),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("dueDate", false)]);
static PARENTS: [Parent; 1] = [Parent {
    path: "students",
    field: &FIELDS[6],
}];

impl Entity for Assignment {
    const TABLE: &'static str = "assignments";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::TIMESTAMPS.versioned("version");
    type Id = Uuid;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Uuid(self.id)),
            ("title", Value::String(self.title.clone())),
            (
                "description",
                self.description.clone().map_or(Value::Null, Value::String),
            ),
            ("subject", Value::String(self.subject.clone())),
            ("due_date", Value::DateTime(self.due_date)),
            ("status", Value::String(self.status.clone())),
            ("student_id", Value::Uuid(self.student_id)),
        ]
    }
}

fn valid_status(status: &str) -> Result<(), validator::ValidationError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("enum")
            .with_message("must be pending, in_progress or completed".into()))
    }
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignmentCreate {
    #[validate(length(min = 1, max = 200))]
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    #[validate(custom(function = "valid_status"))]
    #[serde(default = "pending")]
    status: String,
    student_id: Option<Uuid>,
}

fn pending() -> String {
    "pending".into()
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignmentReplace {
    #[validate(length(min = 1, max = 200))]
    title: String,
    description: Option<String>,
    subject: String,
    due_date: DateTime<Utc>,
    #[validate(custom(function = "valid_status"))]
    status: String,
}

#[derive(Deserialize, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AssignmentPatch {
    #[validate(length(min = 1, max = 200))]
    title: Option<String>,
    #[serde(default, deserialize_with = "strata::resource::double_option")]
    description: Option<Option<String>>,
    subject: Option<String>,
    due_date: Option<DateTime<Utc>>,
    #[validate(custom(function = "valid_status"))]
    status: Option<String>,
}

/// The seed's service-layer rule: a new assignment is due in the future.
#[derive(Default)]
struct AssignmentRules;

impl Hooks<Assignment> for AssignmentRules {
    fn before_create<'a>(
        &'a self,
        _: HookContext<'a>,
        row: &'a mut Assignment,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            if row.due_date <= Utc::now() {
                return Err(AppError::validation([FieldError::new(
                    "dueDate",
                    "future",
                    "must be in the future",
                )]));
            }
            Ok(())
        })
    }
}

impl Resource for Assignment {
    const PATH: &'static str = "assignments";
    const PERMISSION: &'static str = "assignments";
    const OWNER: Option<&'static FieldMeta> = Some(&FIELDS[6]);
    const PARENTS: &'static [Parent] = &PARENTS;
    const RATE_LIMIT: Option<&'static str> = None;
    const CACHE: bool = true;
    type Create = AssignmentCreate;
    type Replace = AssignmentReplace;
    type Patch = AssignmentPatch;
    type Hooks = AssignmentRules;

    fn id(&self) -> &Uuid {
        &self.id
    }
    fn version(&self) -> Option<i64> {
        Some(self.version)
    }
    fn from_create(body: AssignmentCreate, context: &WriteContext<'_>) -> Result<Self, AppError> {
        let now = Utc::now();
        let parent = match &context.parent {
            Some((_, Value::Uuid(id))) => Some(*id),
            _ => None,
        };
        Ok(Assignment {
            id: Uuid::generate().unwrap_or_else(Uuid::now_v7),
            title: body.title,
            description: body.description,
            subject: body.subject,
            due_date: body.due_date,
            status: body.status,
            student_id: parent.or(body.student_id).unwrap_or(context.user.id),
            created_at: now,
            updated_at: now,
            version: 0,
        })
    }
    fn replace(&mut self, body: AssignmentReplace) {
        self.title = body.title;
        self.description = body.description;
        self.subject = body.subject;
        self.due_date = body.due_date;
        self.status = body.status;
    }
    fn patch(&mut self, body: AssignmentPatch) {
        if let Some(v) = body.title {
            self.title = v;
        }
        if let Some(v) = body.description {
            self.description = v;
        }
        if let Some(v) = body.subject {
            self.subject = v;
        }
        if let Some(v) = body.due_date {
            self.due_date = v;
        }
        if let Some(v) = body.status {
            self.status = v;
        }
    }
}

const POLICY: &str = r#"
    [roles.student]
    permissions = ["assignments:read:own"]
    [roles.guardian]
    permissions = ["assignments:read:child"]
    [roles.teacher]
    permissions = ["assignments:read", "assignments:create", "assignments:update"]
    [roles.admin]
    permissions = ["*"]
"#;

struct Child;

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

const SQLITE: [&str; 2] = [
    "CREATE TABLE assignments (id BLOB PRIMARY KEY, title TEXT NOT NULL, description TEXT, subject TEXT NOT NULL,
        due_date TEXT NOT NULL, status TEXT NOT NULL, student_id BLOB NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, version INTEGER NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id BLOB NOT NULL, student_id BLOB NOT NULL)",
];
const POSTGRES: [&str; 2] = [
    "CREATE TABLE assignments (id UUID PRIMARY KEY, title TEXT NOT NULL, description TEXT, subject TEXT NOT NULL,
        due_date TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, student_id UUID NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL, version BIGINT NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id UUID NOT NULL, student_id UUID NOT NULL)",
];

struct Users {
    admin: String,
    teacher: String,
    alice: (String, Uuid),
    bob: (String, Uuid),
    guardian: String,
}

async fn session(
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

fn call(router: &Router, method: Method, uri: &str, token: &str) -> TestRequest {
    let _ = router;
    TestRequest::new(method, uri.to_owned()).header("authorization", &format!("Bearer {token}"))
}

async fn setup(db: &TestDatabase) -> (strata::Server, Router, Users) {
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

fn due(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

fn titles(response: &TestResponse) -> Vec<String> {
    response.json()["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", response.text()))
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

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
