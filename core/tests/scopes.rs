//! Row scopes over HTTP (SPEC §6): `own` (lists filtered, rows of others 404,
//! create forces the owner) and a custom `child` scope hook, on SQLite and Postgres.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::json;
use strata::axum::Router;
use strata::axum::extract::{RawQuery, State};
use strata::axum::routing::get;
use strata::query::{FieldMeta, FieldType, Filter, FilterOp, ListQuery, QuerySpec, Value};
use strata::rbac::{Grant, Policy, RequirePermission, Scope, ScopeRequest};
use strata::repo::{Conventions, Entity, Repository};
use strata::testing::{TestDatabase, TestRequest};
use strata::{App, AppError, AppState, Created, Item, Json, List, Path, StartupError};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct Essay {
    id: Uuid,
    title: String,
    owner_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

static FIELDS: [FieldMeta; 5] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort(),
    FieldMeta::new("ownerId", "owner_id", FieldType::Uuid).filter(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime).sort(),
    FieldMeta::new("updatedAt", "updated_at", FieldType::DateTime),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("title", false)]);
static OWNER: &FieldMeta = &FIELDS[2];

impl Entity for Essay {
    const TABLE: &'static str = "essays";
    const SPEC: &'static QuerySpec = &SPEC;
    const CONVENTIONS: Conventions = Conventions::TIMESTAMPS;
    type Id = Uuid;
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Uuid(self.id)),
            ("title", Value::String(self.title.clone())),
            ("owner_id", Value::Uuid(self.owner_id)),
        ]
    }
}

strata::permission!(EssaysRead = "essays", "read");
strata::permission!(EssaysCreate = "essays", "create");

const POLICY: &str = r#"
    [roles.student]
    permissions = ["essays:read:own", "essays:create:own"]
    [roles.guardian]
    permissions = ["essays:read:child"]
    [roles.teacher]
    permissions = ["essays:read", "essays:create"]
"#;

/// A guardian sees the rows of the students linked to it.
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
            // No linked student: a filter nothing matches.
            let values = if ids.is_empty() {
                vec![Value::Uuid(Uuid::nil())]
            } else {
                ids.into_iter().map(|(id,)| Value::Uuid(id)).collect()
            };
            Ok(vec![Filter {
                field: request.owner.unwrap_or(OWNER),
                op: FilterOp::In,
                values,
            }])
        })
    }
}

fn scope_request<'a>(state: &'a AppState, user: &'a strata::auth::AuthUser) -> ScopeRequest<'a> {
    ScopeRequest {
        state,
        user,
        resource: "essays",
        spec: &SPEC,
        owner: Some(OWNER),
    }
}

async fn list(
    State(state): State<AppState>,
    access: RequirePermission<EssaysRead>,
    RawQuery(raw): RawQuery,
) -> Result<List<Essay>, AppError> {
    let mut query = ListQuery::parse(raw.as_deref().unwrap_or(""), &SPEC, state.cursor_codec())?;
    if let Some(scope) = state
        .scopes()
        .filters(&access.grant, scope_request(&state, &access.user))
        .await?
    {
        query.filters.extend(scope);
    }
    Ok(state
        .repository::<Essay>()
        .list(state.db(), &query)
        .await?
        .into())
}

async fn get_one(
    State(state): State<AppState>,
    access: RequirePermission<EssaysRead>,
    Path(id): Path<Uuid>,
) -> Result<Item<Essay>, AppError> {
    let scope = state
        .scopes()
        .filters(&access.grant, scope_request(&state, &access.user))
        .await?
        .unwrap_or_default();
    let essay = state
        .repository::<Essay>()
        .find_where(state.db(), &id, &scope)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Item(essay))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewEssay {
    title: String,
    owner_id: Option<Uuid>,
}

async fn create(
    State(state): State<AppState>,
    access: RequirePermission<EssaysCreate>,
    Json(body): Json<NewEssay>,
) -> Result<Created<Essay>, AppError> {
    // `own` forces the owner to the caller, whatever the body says.
    let owner_id = match &access.grant {
        Grant::Scoped(_) => access.user.id,
        _ => body.owner_id.unwrap_or(access.user.id),
    };
    let now = Utc::now();
    let essay = Essay {
        id: Uuid::now_v7(),
        title: body.title,
        owner_id,
        created_at: now,
        updated_at: now,
    };
    let essay = state
        .repository::<Essay>()
        .create(state.db(), &essay)
        .await?;
    Ok(Created::new(format!("/api/v1/essays/{}", essay.id), essay))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/essays", get(list).post(create))
        .route("/essays/{id}", get(get_one))
}

const DDL_SQLITE: [&str; 2] = [
    "CREATE TABLE essays (id BLOB PRIMARY KEY, title TEXT NOT NULL, owner_id BLOB NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id BLOB NOT NULL, student_id BLOB NOT NULL)",
];
const DDL_POSTGRES: [&str; 2] = [
    "CREATE TABLE essays (id UUID PRIMARY KEY, title TEXT NOT NULL, owner_id UUID NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)",
    "CREATE TABLE guardian_links (guardian_id UUID NOT NULL, student_id UUID NOT NULL)",
];

async fn login(
    router: &Router,
    email: &str,
    role: Option<(&str, &Router, &str)>,
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
    if let Some((role, router, admin)) = role {
        let response = TestRequest::new(
            strata::axum::http::Method::PATCH,
            format!("/api/v1/users/{id}"),
        )
        .header("authorization", &format!("Bearer {admin}"))
        .json(&json!({"role": role}))
        .send(router)
        .await;
        assert_eq!(response.status, 200, "{}", response.text());
        let body = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": email, "password": "long enough password"}))
            .send(router)
            .await
            .json();
        token = body["data"]["accessToken"].as_str().unwrap().to_owned();
    }
    (token, id)
}

#[tokio::test]
async fn own_and_custom_scopes_restrict_rows() {
    for db in TestDatabase::all().await {
        let mut config = db.config();
        config.auth.admin_email = Some("root@school.test".into());
        config.auth.admin_password = Some("root password 123".into());
        let policy =
            Policy::from_toml(&format!("{POLICY}\n[roles.admin]\npermissions = [\"*\"]\n"))
                .unwrap();
        let server = App::new(config)
            .with_auth()
            .policy(policy)
            .scope("child", Child)
            .api(api())
            .build()
            .await
            .unwrap();
        let ddl = match server.state().db().dialect() {
            strata::Dialect::Sqlite => DDL_SQLITE,
            strata::Dialect::Postgres => DDL_POSTGRES,
        };
        for statement in ddl {
            strata::testing::execute(server.state().db(), statement)
                .await
                .map(drop)
                .unwrap();
        }
        let router = server.router();
        let admin = TestRequest::post("/api/v1/auth/login")
            .json(&json!({"email": "root@school.test", "password": "root password 123"}))
            .send(&router)
            .await
            .json()["data"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();

        let (alice, alice_id) = login(&router, "alice@school.test", None).await;
        let (bob, bob_id) = login(&router, "bob@school.test", None).await;
        let (teacher, _) = login(
            &router,
            "teach@school.test",
            Some(("teacher", &router, &admin)),
        )
        .await;
        let (guardian, guardian_id) = login(
            &router,
            "mum@school.test",
            Some(("guardian", &router, &admin)),
        )
        .await;
        let auth = |t: &str| format!("Bearer {t}");

        // Create forces the owner for `own`: Alice cannot file an essay as Bob.
        let created = TestRequest::post("/api/v1/essays")
            .header("authorization", &auth(&alice))
            .json(&json!({"title": "Alice's essay", "ownerId": bob_id}))
            .send(&router)
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let alice_essay = created.json()["data"]["id"].as_str().unwrap().to_owned();
        assert_eq!(created.json()["data"]["ownerId"], alice_id.to_string());
        let bob_essay = TestRequest::post("/api/v1/essays")
            .header("authorization", &auth(&bob))
            .json(&json!({"title": "Bob's essay"}))
            .send(&router)
            .await
            .json()["data"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A teacher (unscoped) may assign the owner.
        let for_bob = TestRequest::post("/api/v1/essays")
            .header("authorization", &auth(&teacher))
            .json(&json!({"title": "Set by teacher", "ownerId": bob_id}))
            .send(&router)
            .await
            .json();
        assert_eq!(for_bob["data"]["ownerId"], bob_id.to_string());

        let titles = |body: serde_json::Value| -> Vec<String> {
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["title"].as_str().unwrap().to_owned())
                .collect()
        };
        let list = |t: String, q: String| {
            let router = router.clone();
            async move {
                TestRequest::get(format!("/api/v1/essays{q}"))
                    .header("authorization", &format!("Bearer {t}"))
                    .send(&router)
                    .await
                    .json()
            }
        };
        assert_eq!(
            titles(list(alice.clone(), String::new()).await),
            ["Alice's essay"]
        );
        assert_eq!(
            titles(list(bob.clone(), String::new()).await),
            ["Bob's essay", "Set by teacher"]
        );
        // A filter cannot widen the scope: it is ANDed with it.
        assert_eq!(
            titles(list(alice.clone(), format!("?ownerId={bob_id}")).await).len(),
            0
        );
        let widened = list(alice.clone(), String::new()).await;
        assert_eq!(widened["pagination"]["total"], 1);
        assert_eq!(titles(list(teacher.clone(), String::new()).await).len(), 3);

        // Rows of others are 404 (never 403: existence is not leaked).
        let get = |t: &str, id: &str| {
            TestRequest::get(format!("/api/v1/essays/{id}"))
                .header("authorization", &auth(t))
                .send(&router)
        };
        assert_eq!(get(&alice, &alice_essay).await.status, 200);
        let foreign = get(&alice, &bob_essay).await;
        assert_eq!(foreign.status, 404);
        assert_eq!(foreign.json()["error"]["code"], "NOT_FOUND");
        assert_eq!(get(&teacher, &bob_essay).await.status, 200);

        // Guardian: nothing until linked, then exactly the linked student's rows.
        assert_eq!(titles(list(guardian.clone(), String::new()).await).len(), 0);
        let link = "INSERT INTO guardian_links (guardian_id, student_id) VALUES ($1, $2)";
        match server.state().db() {
            strata::Db::Sqlite(p) => sqlx::query(link)
                .bind(guardian_id)
                .bind(alice_id)
                .execute(p)
                .await
                .map(drop),
            strata::Db::Postgres(p) => sqlx::query(link)
                .bind(guardian_id)
                .bind(alice_id)
                .execute(p)
                .await
                .map(drop),
        }
        .unwrap();
        assert_eq!(
            titles(list(guardian.clone(), String::new()).await),
            ["Alice's essay"]
        );
        assert_eq!(get(&guardian, &bob_essay).await.status, 404);
        // Guardians may not create.
        let response = TestRequest::post("/api/v1/essays")
            .header("authorization", &auth(&guardian))
            .json(&json!({"title": "x"}))
            .send(&router)
            .await;
        assert_eq!(response.status, 403);
    }
}

#[tokio::test]
async fn a_policy_scope_without_a_registered_hook_stops_start_up() {
    let db = TestDatabase::sqlite();
    let err = App::new(db.config())
        .policy(Policy::from_toml(POLICY).unwrap())
        .build()
        .await
        .unwrap_err();
    let StartupError::Config(err) = err else {
        panic!("expected a configuration error, got {err}")
    };
    assert!(err.problems.iter().any(|p| p.contains("`child`")), "{err}");
}
