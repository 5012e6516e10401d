//! `#[derive(Resource)]` over HTTP on SQLite and Postgres: CRUD through
//! `strata::resource::routes`, a 422 from a copied `#[validate]` rule, PATCH
//! absent vs `null`, read-only fields, owner, soft delete, versions and the
//! nested `belongs_to` routes, hooks, and the `own` scope from `owner`.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strata::axum::Router;
use strata::axum::http::Method;
use strata::rbac::Policy;
use strata::resource::{HookContext, Hooks};
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{App, AppError, FieldError, Resource};
use uuid::Uuid;

#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(
    table = "tasks",
    owner = "owner_id",
    version,
    soft_delete,
    default_sort = "-priority,title",
    rate_limit = "1000/min",
    hooks = TaskRules
)]
struct Task {
    #[resource(id)]
    id: Uuid,
    #[resource(filter, sort, search)]
    #[validate(length(min = 1, max = 50))]
    title: String,
    #[resource(filter, enum = "todo|done")]
    status: String,
    #[validate(length(max = 20))]
    note: Option<String>,
    #[resource(filter, sort)]
    priority: i64,
    owner_id: Uuid,
    #[resource(belongs_to = "projects", filter)]
    project_id: Uuid,
    #[resource(readonly)]
    score: i64,
    version: i64,
    #[resource(sort)]
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Business rules: the read-only `score` is set here; "done" tasks need a note
/// cleared (an arbitrary rule to show a refusing hook).
#[derive(Default)]
struct TaskRules;

impl Hooks<Task> for TaskRules {
    fn before_create<'a>(
        &'a self,
        _: HookContext<'a>,
        task: &'a mut Task,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            task.score = task.priority * 10;
            Ok(())
        })
    }

    fn before_update<'a>(
        &'a self,
        _: HookContext<'a>,
        _current: &'a Task,
        next: &'a mut Task,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            if next.status == "done" && next.note.is_some() {
                return Err(AppError::validation([FieldError::new(
                    "note",
                    "done_with_note",
                    "clear the note before finishing",
                )]));
            }
            Ok(())
        })
    }
}

const DDL_SQLITE: &str = "CREATE TABLE tasks (id BLOB PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL, note TEXT, priority INTEGER NOT NULL, owner_id BLOB NOT NULL, project_id BLOB NOT NULL, score INTEGER NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT)";
const DDL_POSTGRES: &str = "CREATE TABLE tasks (id UUID PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL, note TEXT, priority BIGINT NOT NULL, owner_id UUID NOT NULL, project_id UUID NOT NULL, score BIGINT NOT NULL, version BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, deleted_at TIMESTAMPTZ)";

async fn app(db: &TestDatabase) -> (Router, String, Uuid) {
    let mut config = db.config();
    config.auth.admin_email = Some("root@school.test".into());
    config.auth.admin_password = Some("root password 123".into());
    let policy = Policy::from_toml(
        "[roles.admin]\npermissions = [\"*\"]\n\
         [roles.student]\npermissions = [\"tasks:read:own\", \"tasks:create:own\"]\n",
    )
    .unwrap();
    let server = App::new(config)
        .with_auth()
        .policy(policy)
        .api(strata::resource::routes::<Task>())
        .build()
        .await
        .unwrap();
    let ddl = match server.state().db().dialect() {
        strata::Dialect::Sqlite => DDL_SQLITE,
        strata::Dialect::Postgres => DDL_POSTGRES,
    };
    strata::testing::execute(server.state().db(), ddl)
        .await
        .unwrap();
    let router = server.router();
    let body = TestRequest::post("/api/v1/auth/login")
        .json(&json!({"email": "root@school.test", "password": "root password 123"}))
        .send(&router)
        .await
        .json();
    let token = body["data"]["accessToken"].as_str().unwrap().to_owned();
    let id = body["data"]["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (router, token, id)
}

struct Client {
    router: Router,
    auth: String,
}

impl Client {
    async fn send(&self, method: Method, uri: &str, body: Option<Value>) -> TestResponse {
        let mut request = TestRequest::new(method, uri).header("authorization", &self.auth);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send(&self.router).await
    }
}

#[tokio::test]
async fn derived_resource_crud_validation_and_patch() {
    for db in TestDatabase::all().await {
        let (router, token, admin_id) = app(&db).await;
        let client = Client {
            router,
            auth: format!("Bearer {token}"),
        };
        let project = Uuid::now_v7();

        // Create: 201 + Location; id, owner, timestamps, version set by the server.
        let created = client
            .send(
                Method::POST,
                "/api/v1/tasks",
                Some(
                    json!({"title": "Write essay", "status": "todo", "note": "draft",
                            "priority": 2, "projectId": project}),
                ),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let task = created.json()["data"].clone();
        let id = task["id"].as_str().unwrap().to_owned();
        assert_eq!(
            created.header("location"),
            Some(format!("/api/v1/tasks/{id}").as_str())
        );
        assert_eq!(task["ownerId"], admin_id.to_string());
        assert_eq!(task["projectId"], project.to_string());
        assert_eq!(task["version"], 1);
        assert_eq!(task["score"], 20, "set by the before_create hook");
        assert_eq!(task["note"], "draft");
        assert!(task["createdAt"].is_string());

        // A copied `#[validate]` rule is a 422 naming the camelCase field.
        let invalid = client
            .send(
                Method::POST,
                "/api/v1/tasks",
                Some(
                    json!({"title": "", "status": "todo", "note": "far too long for the rule",
                            "priority": 1, "projectId": project}),
                ),
            )
            .await;
        assert_eq!(invalid.status, 422, "{}", invalid.text());
        let body = invalid.json();
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
        let mut fields: Vec<&str> = body["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["note", "title"]);

        // An `enum` field's variants are checked in bodies too.
        let late = client
            .send(
                Method::POST,
                "/api/v1/tasks",
                Some(json!({"title": "x", "status": "late", "priority": 1, "projectId": project})),
            )
            .await;
        assert_eq!(late.status, 422, "{}", late.text());
        assert_eq!(late.json()["error"]["details"][0]["field"], "status");
        assert_eq!(late.json()["error"]["details"][0]["code"], "one_of");

        // Read-only fields are not accepted in a body at all.
        for field in ["id", "ownerId", "score", "version", "createdAt"] {
            let mut body =
                json!({"title": "x", "status": "todo", "priority": 1, "projectId": project});
            body[field] = json!(task[field]);
            let response = client.send(Method::POST, "/api/v1/tasks", Some(body)).await;
            assert_eq!(response.status, 400, "{field}: {}", response.text());
        }

        // PATCH: an absent field is untouched; `null` clears a nullable one.
        let member = format!("/api/v1/tasks/{id}");
        let patched = client
            .send(Method::PATCH, &member, Some(json!({"priority": 5})))
            .await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        let data = patched.json()["data"].clone();
        assert_eq!(
            (data["priority"].clone(), data["note"].clone()),
            (json!(5), json!("draft"))
        );
        assert_eq!(data["version"], 2);
        let cleared = client
            .send(Method::PATCH, &member, Some(json!({"note": null})))
            .await
            .json()["data"]
            .clone();
        assert_eq!(
            (cleared["priority"].clone(), cleared["note"].clone()),
            (json!(5), Value::Null)
        );
        // `belongs_to` columns are create-only; patch rules are validated too.
        let moved = client
            .send(
                Method::PATCH,
                &member,
                Some(json!({"projectId": Uuid::now_v7()})),
            )
            .await;
        assert_eq!(moved.status, 400, "{}", moved.text());
        let bad = client
            .send(Method::PATCH, &member, Some(json!({"title": ""})))
            .await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        let bad = client
            .send(Method::PATCH, &member, Some(json!({"status": "late"})))
            .await;
        assert_eq!(bad.status, 422, "{}", bad.text());

        // A refusing before_update hook: 422, nothing written.
        let refused = client
            .send(
                Method::PATCH,
                &member,
                Some(json!({"status": "done", "note": "x"})),
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        assert_eq!(
            refused.json()["error"]["details"][0]["code"],
            "done_with_note"
        );

        // PUT replaces every writable field; a stale If-Match is 412.
        let put = client
            .send(
                Method::PUT,
                &member,
                Some(json!({"title": "Essay", "status": "done", "note": null, "priority": 1})),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.text());
        assert_eq!(put.json()["data"]["status"], "done");
        assert_eq!(put.json()["data"]["version"], 4);
        let stale = TestRequest::new(Method::PATCH, &member)
            .header("authorization", &client.auth)
            .header("if-match", "\"1\"")
            .json(&json!({"priority": 9}))
            .send(&client.router)
            .await;
        assert_eq!(stale.status, 412, "{}", stale.text());

        // Nested routes: the path's parent wins over the body.
        let nested = format!("/api/v1/projects/{project}/tasks");
        let other = client
            .send(
                Method::POST,
                &nested,
                Some(
                    json!({"title": "Read book", "status": "todo", "priority": 3,
                            "projectId": Uuid::now_v7()}),
                ),
            )
            .await;
        assert_eq!(other.status, 201, "{}", other.text());
        assert_eq!(other.json()["data"]["projectId"], project.to_string());
        client
            .send(
                Method::POST,
                "/api/v1/tasks",
                Some(
                    json!({"title": "Elsewhere", "status": "todo", "priority": 0,
                            "projectId": Uuid::now_v7()}),
                ),
            )
            .await;

        // Lists: default sort (-priority, title), filters, enum check, search.
        let titles = |body: Value| -> Vec<String> {
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_owned())
                .collect()
        };
        let list = client.send(Method::GET, "/api/v1/tasks", None).await;
        assert_eq!(list.status, 200);
        assert_eq!(titles(list.json()), ["Read book", "Essay", "Elsewhere"]);
        assert_eq!(
            titles(client.send(Method::GET, &nested, None).await.json()),
            ["Read book", "Essay"]
        );
        let done = client
            .send(Method::GET, "/api/v1/tasks?status=done", None)
            .await;
        assert_eq!(titles(done.json()), ["Essay"]);
        let not_a_variant = client
            .send(Method::GET, "/api/v1/tasks?status=late", None)
            .await;
        assert_eq!(not_a_variant.status, 400);
        let search = client
            .send(Method::GET, "/api/v1/tasks?search=BOOK", None)
            .await;
        assert_eq!(titles(search.json()), ["Read book"]);
        let unknown = client.send(Method::GET, "/api/v1/tasks?note=x", None).await;
        assert_eq!(unknown.status, 400, "note is not filterable");

        // Delete: 204, then gone (soft delete hides the row).
        let deleted = client.send(Method::DELETE, &member, None).await;
        assert_eq!(deleted.status, 204, "{}", deleted.text());
        assert_eq!(client.send(Method::GET, &member, None).await.status, 404);
        let left = client.send(Method::GET, "/api/v1/tasks", None).await.json();
        assert_eq!(left["pagination"]["total"], 2);
    }
}

#[tokio::test]
async fn the_owner_attribute_drives_the_own_scope() {
    for db in TestDatabase::all().await {
        let (router, token, admin_id) = app(&db).await;
        let admin = Client {
            router: router.clone(),
            auth: format!("Bearer {token}"),
        };
        let registered = TestRequest::post("/api/v1/auth/register")
            .json(&json!({"email": "kid@school.test", "password": "long enough password", "name": "Kid"}))
            .send(&router)
            .await
            .json();
        let student_id = registered["data"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let student = Client {
            router,
            auth: format!(
                "Bearer {}",
                registered["data"]["accessToken"].as_str().unwrap()
            ),
        };
        let body = |title: &str| json!({"title": title, "status": "todo", "priority": 1, "projectId": Uuid::nil()});
        let theirs = admin
            .send(Method::POST, "/api/v1/tasks", Some(body("Admin's")))
            .await
            .json();
        assert_eq!(theirs["data"]["ownerId"], admin_id.to_string());
        let mine = student
            .send(Method::POST, "/api/v1/tasks", Some(body("Mine")))
            .await;
        assert_eq!(mine.status, 201, "{}", mine.text());
        assert_eq!(mine.json()["data"]["ownerId"], student_id);

        let list = student
            .send(Method::GET, "/api/v1/tasks", None)
            .await
            .json();
        assert_eq!(list["pagination"]["total"], 1);
        assert_eq!(list["data"][0]["title"], "Mine");
        let foreign = format!("/api/v1/tasks/{}", theirs["data"]["id"].as_str().unwrap());
        assert_eq!(student.send(Method::GET, &foreign, None).await.status, 404);
        // No `tasks:update` grant at all: 403.
        let update = student
            .send(Method::PATCH, &foreign, Some(json!({"priority": 3})))
            .await;
        assert_eq!(update.status, 403);
    }
}

/// A resource with its own, strict quota.
#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "memos", rate_limit = "2/min")]
struct Memo {
    #[resource(id)]
    id: Uuid,
    text: String,
}

#[tokio::test]
async fn a_per_resource_rate_limit_applies_to_its_routes_only() {
    let db = TestDatabase::sqlite();
    let (router, token, _) = {
        let mut config = db.config();
        config.auth.admin_email = Some("root@school.test".into());
        config.auth.admin_password = Some("root password 123".into());
        let server = App::new(config)
            .with_auth()
            .policy(Policy::from_toml("[roles.admin]\npermissions = [\"*\"]").unwrap())
            .resource::<Memo>()
            .resource::<Task>()
            .build()
            .await
            .unwrap();
        strata::testing::execute(
            server.state().db(),
            "CREATE TABLE memos (id BLOB PRIMARY KEY, text TEXT NOT NULL)",
        )
        .await
        .unwrap();
        strata::testing::execute(server.state().db(), DDL_SQLITE)
            .await
            .unwrap();
        let router = server.router();
        let body = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": "root@school.test", "password": "root password 123"}))
            .send(&router)
            .await
            .json();
        (
            router,
            body["data"]["accessToken"].as_str().unwrap().to_owned(),
            (),
        )
    };
    let client = Client {
        router,
        auth: format!("Bearer {token}"),
    };
    for _ in 0..2 {
        let ok = client.send(Method::GET, "/api/v1/memos", None).await;
        assert_eq!(ok.status, 200, "{}", ok.text());
        assert_eq!(ok.header("ratelimit-limit"), Some("2"));
    }
    let limited = client.send(Method::GET, "/api/v1/memos", None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["error"]["code"], "RATE_LIMITED");
    assert!(limited.header("retry-after").is_some());
    // Another resource's routes keep their own quota.
    let tasks = client.send(Method::GET, "/api/v1/tasks", None).await;
    assert_eq!(tasks.status, 200);
    assert_eq!(tasks.header("ratelimit-limit"), Some("1000"));
}

#[test]
fn read_only_fields_are_left_out_of_the_documented_bodies() {
    let doc = strata::resource::resource_doc::<Task>();
    let properties = |schema: &strata::openapi::utoipa::openapi::RefOr<
        strata::openapi::utoipa::openapi::schema::Schema,
    >| {
        let json = serde_json::to_value(schema).unwrap();
        let mut names: Vec<String> = json["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    };
    assert!(
        properties(&doc.schema).contains(&"score".to_owned()),
        "readable"
    );
    for (name, body) in [&doc.create, &doc.update, &doc.patch] {
        let fields = properties(body);
        assert!(!fields.contains(&"score".to_owned()), "{name}: {fields:?}");
        assert!(!fields.contains(&"id".to_owned()), "{name}: {fields:?}");
        assert!(fields.contains(&"title".to_owned()), "{name}: {fields:?}");
    }
}

/// A resource whose create body fills two fields in itself.
#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "chores")]
struct Chore {
    #[resource(id)]
    id: i64,
    title: String,
    #[resource(enum = "low|high")]
    // `default` after a list-form key is still found.
    #[serde(rename(deserialize = "urgency"), default = "low")]
    urgency: String,
    #[serde(default)]
    done: bool,
}

fn low() -> String {
    "low".to_owned()
}

#[test]
fn serde_defaults_make_create_fields_optional_and_documented_so() {
    use strata::resource::Resource as _;
    assert_eq!(Chore::DEFAULTED, ["urgency", "done"]);
    let create: ChoreCreate = serde_json::from_value(json!({"title": "Dishes"})).unwrap();
    assert_eq!((create.urgency.as_str(), create.done), ("low", false));
    // PUT replaces every field: no defaults there.
    assert!(serde_json::from_value::<ChoreReplace>(json!({"title": "Dishes"})).is_err());
    // PATCH: absent is "leave", `null` on a non-nullable field is a type error.
    let patch: ChorePatch = serde_json::from_value(json!({})).unwrap();
    assert!(patch.title.is_none() && patch.urgency.is_none());
    let err = serde_json::from_value::<ChorePatch>(json!({"title": null}))
        .err()
        .expect("null title refused");
    assert!(err.to_string().contains("invalid type: null"), "{err}");

    let doc = strata::resource::resource_doc::<Chore>();
    let required = |schema: &strata::openapi::utoipa::openapi::RefOr<
        strata::openapi::utoipa::openapi::schema::Schema,
    >| serde_json::to_value(schema).unwrap()["required"].clone();
    assert_eq!(required(&doc.create.1), json!(["title"]));
    assert_eq!(required(&doc.update.1), json!(["title", "urgency", "done"]));
}
