//! Change events and the audit log (SPEC §11b) on SQLite and Postgres: every
//! committed write through a derived resource publishes
//! `<resource>.created|updated|deleted` and records an audit row in its own
//! transaction; `GET /api/v1/events` streams each subscriber only what it may
//! read; a rolled-back write leaves neither; two instances sharing Redis see
//! each other's events; `GET /api/v1/audit` serves admins with the list grammar.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strata::axum::Router;
use strata::axum::body::Body;
use strata::axum::http::{Method, Request};
use strata::db::Tx;
use strata::events::EventBus;
use strata::rbac::Policy;
use strata::resource::{Change, HookContext, Hooks};
use strata::testing::{TestDatabase, TestRequest, TestResponse};
use strata::{App, AppError, Config, FieldError, Resource};
use tower::ServiceExt;
use uuid::Uuid;

#[derive(Resource, Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[resource(table = "notes", owner = "owner_id", version, hooks = NoteRules)]
struct Note {
    #[resource(id)]
    id: Uuid,
    #[resource(filter, sort)]
    title: String,
    api_token: Option<String>,
    owner_id: Uuid,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Refuses, inside the transaction (after the row is written), any note titled
/// `boom`: the write, its audit row and its event must all disappear.
#[derive(Default)]
struct NoteRules;

impl Hooks<Note> for NoteRules {
    fn in_transaction<'a>(
        &'a self,
        _: HookContext<'a>,
        _: &'a mut Tx,
        change: Change<'a, Note>,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let title = match change {
                Change::Created(row) | Change::Deleted(row) => &row.title,
                Change::Updated { after, .. } => &after.title,
            };
            if title == "boom" {
                return Err(AppError::validation([FieldError::new(
                    "title",
                    "boom",
                    "refused inside the transaction",
                )]));
            }
            Ok(())
        })
    }
}

const DDL_SQLITE: &str = "CREATE TABLE IF NOT EXISTS notes (id BLOB PRIMARY KEY, title TEXT NOT NULL, api_token TEXT, owner_id BLOB NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)";
const DDL_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS notes (id UUID PRIMARY KEY, title TEXT NOT NULL, api_token TEXT, owner_id UUID NOT NULL, version BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)";

const POLICY: &str = r#"
    [roles.admin]
    permissions = ["*"]
    [roles.student]
    permissions = ["notes:read:own", "notes:create:own", "notes:update:own", "notes:delete:own"]
    [roles.teacher]
    permissions = ["notes:read", "notes:create"]
"#;

fn config(db: &TestDatabase) -> Config {
    let mut config = db.config();
    config.auth.jwt_secret = Some("events and audit test secret, 32+ bytes".into());
    config.auth.admin_email = Some("root@school.test".into());
    config.auth.admin_password = Some("root password 123".into());
    config.events.keep_alive_secs = 1;
    config
}

async fn app(config: Config, bus: Option<EventBus>) -> Router {
    let mut app = App::new(config)
        .with_auth()
        .with_events()
        .policy(Policy::from_toml(POLICY).unwrap())
        .resource::<Note>();
    if let Some(bus) = bus {
        app = app.event_bus(bus);
    }
    let server = app.build().await.unwrap();
    let ddl = match server.state().db().dialect() {
        strata::Dialect::Sqlite => DDL_SQLITE,
        strata::Dialect::Postgres => DDL_POSTGRES,
    };
    strata::testing::execute(server.state().db(), ddl)
        .await
        .unwrap();
    server.router()
}

#[derive(Clone)]
struct User {
    id: String,
    auth: String,
}

async fn login(router: &Router, email: &str, password: &str) -> User {
    let body = TestRequest::post("/api/v1/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send(router)
        .await
        .json();
    User {
        id: body["data"]["user"]["id"].as_str().unwrap().to_owned(),
        auth: format!("Bearer {}", body["data"]["accessToken"].as_str().unwrap()),
    }
}

async fn register(router: &Router, email: &str) -> User {
    let response = TestRequest::post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": "long enough password", "name": email}))
        .send(router)
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    login(router, email, "long enough password").await
}

/// The admin, two students and a teacher.
async fn cast(router: &Router) -> (User, User, User, User) {
    let admin = login(router, "root@school.test", "root password 123").await;
    let a = register(router, "a@school.test").await;
    let b = register(router, "b@school.test").await;
    let teacher = register(router, "t@school.test").await;
    let promoted = send(
        router,
        &admin,
        Method::PATCH,
        &format!("/api/v1/users/{}", teacher.id),
        Some(json!({"role": "teacher"})),
    )
    .await;
    assert_eq!(promoted.status, 200, "{}", promoted.text());
    let teacher = login(router, "t@school.test", "long enough password").await;
    (admin, a, b, teacher)
}

async fn send(
    router: &Router,
    user: &User,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut request = TestRequest::new(method, uri).header("authorization", &user.auth);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send(router).await
}

async fn create(router: &Router, user: &User, title: &str) -> String {
    let response = send(
        router,
        user,
        Method::POST,
        "/api/v1/notes",
        Some(json!({"title": title})),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["data"]["id"].as_str().unwrap().to_owned()
}

/// One message of an SSE stream.
#[derive(Debug)]
struct Message {
    event: String,
    data: Value,
}

/// An open `GET /api/v1/events` response, read frame by frame.
struct Subscription {
    body: std::pin::Pin<
        Box<dyn Stream<Item = Result<strata::axum::body::Bytes, strata::axum::Error>> + Send>,
    >,
    buffer: String,
    comments: usize,
}

impl Subscription {
    async fn open(router: &Router, user: &User, query: &str) -> Self {
        let request = Request::builder()
            .uri(format!("/api/v1/events{query}"))
            .header("authorization", &user.auth)
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            body: Box::pin(response.into_body().into_data_stream()),
            buffer: String::new(),
            comments: 0,
        }
    }

    /// The next event, skipping keep-alive comments; `None` when the stream ends.
    async fn next(&mut self) -> Option<Message> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(rest) = line.strip_prefix("event:") {
                        event = Some(rest.trim().to_owned());
                    } else if let Some(rest) = line.strip_prefix("data:") {
                        data.push_str(rest.trim());
                    } else if line.starts_with(':') {
                        self.comments += 1;
                    }
                }
                if let Some(event) = event {
                    let data = serde_json::from_str(&data).unwrap();
                    return Some(Message { event, data });
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.body.next())
                .await
                .expect("no SSE message within 10 s")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }

    /// Every event up to and including the note created with `title`.
    async fn until(&mut self, title: &str) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        loop {
            let message = self.next().await.expect("stream ended early");
            let note_title = message.data["data"]["title"].as_str().unwrap().to_owned();
            seen.push((message.event, note_title.clone()));
            if note_title == title {
                return seen;
            }
        }
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(e, t)| ((*e).to_owned(), (*t).to_owned()))
        .collect()
}

#[tokio::test]
async fn subscribers_see_only_the_events_they_may_read() {
    for db in TestDatabase::all().await {
        let router = app(config(&db), None).await;
        let (_admin, a, b, teacher) = cast(&router).await;
        let mut stream_a = Subscription::open(&router, &a, "").await;
        let mut stream_b = Subscription::open(&router, &b, "?resources=notes").await;
        let mut stream_t = Subscription::open(&router, &teacher, "").await;

        let a1 = create(&router, &a, "a1").await;
        create(&router, &b, "b1").await;
        create(&router, &teacher, "t1").await;
        let patched = send(
            &router,
            &a,
            Method::PATCH,
            &format!("/api/v1/notes/{a1}"),
            Some(json!({"title": "a1 renamed"})),
        )
        .await;
        assert_eq!(patched.status, 200, "{}", patched.text());
        let deleted = send(
            &router,
            &a,
            Method::DELETE,
            &format!("/api/v1/notes/{a1}"),
            None,
        )
        .await;
        assert_eq!(deleted.status, 204);
        // Refused inside the transaction: no row, no event, no audit entry.
        let refused = send(
            &router,
            &a,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"title": "boom"})),
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.text());
        create(&router, &a, "a-end").await;
        create(&router, &b, "b-end").await;

        assert_eq!(
            stream_a.until("a-end").await,
            pairs(&[
                ("notes.created", "a1"),
                ("notes.updated", "a1 renamed"),
                ("notes.deleted", "a1 renamed"),
                ("notes.created", "a-end"),
            ]),
            "{}",
            db.url()
        );
        assert_eq!(
            stream_b.until("b-end").await,
            pairs(&[("notes.created", "b1"), ("notes.created", "b-end")])
        );
        assert_eq!(
            stream_t.until("b-end").await,
            pairs(&[
                ("notes.created", "a1"),
                ("notes.created", "b1"),
                ("notes.created", "t1"),
                ("notes.updated", "a1 renamed"),
                ("notes.deleted", "a1 renamed"),
                ("notes.created", "a-end"),
                ("notes.created", "b-end"),
            ])
        );

        // The payload: the row as the API renders it, plus who, what, which request.
        let mut stream = Subscription::open(&router, &a, "").await;
        let response = send(
            &router,
            &a,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"title": "payload"})),
        )
        .await;
        let message = stream.next().await.unwrap();
        assert_eq!(message.event, "notes.created");
        let data = &message.data;
        assert_eq!(data["type"], "notes.created");
        assert_eq!(data["resource"], "notes");
        assert_eq!(data["action"], "created");
        assert_eq!(data["resourceId"], response.json()["data"]["id"]);
        assert_eq!(data["data"], response.json()["data"]);
        assert_eq!(data["actorId"], a.id.as_str());
        assert_eq!(data["requestId"].as_str(), response.header("x-request-id"));

        // Keep-alive comments flow while nothing happens (1 s in this config).
        tokio::time::timeout(Duration::from_secs(5), async {
            while stream.comments == 0 {
                let _ = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
            }
        })
        .await
        .expect("no keep-alive comment");
    }
}

#[tokio::test]
async fn the_event_stream_validates_its_query_and_needs_a_token() {
    let db = TestDatabase::sqlite();
    let router = app(config(&db), None).await;
    let (_admin, a, _, _) = cast(&router).await;
    let anonymous = TestRequest::get("/api/v1/events").send(&router).await;
    assert_eq!(anonymous.status, 401);
    let unknown = send(
        &router,
        &a,
        Method::GET,
        "/api/v1/events?resources=notes,grades",
        None,
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    assert_eq!(unknown.json()["error"]["details"][0]["field"], "resources");
    let stray = send(&router, &a, Method::GET, "/api/v1/events?since=1", None).await;
    assert_eq!(stray.status, 400, "{}", stray.text());
}

#[tokio::test]
async fn two_instances_sharing_redis_see_each_others_events() {
    let Some(redis) = strata::testing::redis_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        let namespace = format!("events-test-{}", Uuid::now_v7().simple());
        let shared = |db: &TestDatabase| {
            let mut config = config(db);
            config.redis.url = Some(redis.clone());
            config.events.redis = true;
            config.events.namespace = namespace.clone();
            config
        };
        let one = app(shared(&db), None).await;
        let two = app(shared(&db), None).await;
        let (_admin, a, b, teacher) = cast(&one).await;
        // Subscribed on instance two; every write goes through instance one.
        let mut stream_t = Subscription::open(&two, &teacher, "").await;
        let mut stream_a = Subscription::open(&two, &a, "").await;
        create(&one, &b, "b1").await;
        create(&one, &a, "a1").await;
        create(&one, &teacher, "t-end").await;
        create(&one, &a, "a-end").await;
        assert_eq!(
            stream_t.until("t-end").await,
            pairs(&[
                ("notes.created", "b1"),
                ("notes.created", "a1"),
                ("notes.created", "t-end"),
            ]),
            "{}",
            db.url()
        );
        assert_eq!(
            stream_a.until("a-end").await,
            pairs(&[("notes.created", "a1"), ("notes.created", "a-end")])
        );
        // An instance in another namespace hears nothing of these.
        let mut other = config(&db);
        other.redis.url = Some(redis.clone());
        other.events.redis = true;
        other.events.namespace = format!("{namespace}-other");
        let three = app(other, None).await;
        let mut stream_other = Subscription::open(&three, &teacher, "").await;
        create(&one, &teacher, "not for three").await;
        create(&three, &teacher, "three-end").await;
        assert_eq!(
            stream_other.until("three-end").await,
            pairs(&[("notes.created", "three-end")])
        );
    }
}

#[tokio::test]
async fn the_stream_ends_when_the_server_shuts_down() {
    let db = TestDatabase::sqlite();
    let bus = EventBus::in_process(16);
    let mut config = config(&db);
    config.server.shutdown_timeout_secs = 20;
    let server = App::new(config)
        .with_auth()
        .with_events()
        .policy(Policy::from_toml(POLICY).unwrap())
        .resource::<Note>()
        .event_bus(bus)
        .build()
        .await
        .unwrap();
    let router = server.router();
    let (_admin, a, _, _) = cast(&router).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /api/v1/events HTTP/1.1\r\nhost: test\r\nauthorization: {}\r\n\r\n",
        a.auth
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("text/event-stream") {
        let n = socket.read(&mut buffer).await.unwrap();
        assert!(n > 0, "connection closed before the stream started");
        received.extend_from_slice(&buffer[..n]);
    }
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    // The stream ends (chunked terminator, then the connection closes) well
    // before the 20 s drain bound, and the server exits cleanly.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buffer[..n]);
        }
    })
    .await
    .expect("the SSE connection stayed open after shutdown");
    assert!(String::from_utf8_lossy(&received).ends_with("0\r\n\r\n"));
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("server did not exit")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn every_write_is_audited_in_its_transaction() {
    for db in TestDatabase::all().await {
        let router = app(config(&db), None).await;
        let (admin, a, _b, teacher) = cast(&router).await;
        let created = send(
            &router,
            &a,
            Method::POST,
            "/api/v1/notes",
            Some(json!({"title": "first", "apiToken": "s3cret"})),
        )
        .await;
        assert_eq!(created.status, 201);
        let id = created.json()["data"]["id"].as_str().unwrap().to_owned();
        let request_id = created.header("x-request-id").unwrap().to_owned();
        let updated = send(
            &router,
            &a,
            Method::PUT,
            &format!("/api/v1/notes/{id}"),
            Some(json!({"title": "second", "apiToken": "n3w"})),
        )
        .await;
        assert_eq!(updated.status, 200, "{}", updated.text());
        // Refused inside the transaction: the title stays, no audit row.
        let refused = send(
            &router,
            &a,
            Method::PATCH,
            &format!("/api/v1/notes/{id}"),
            Some(json!({"title": "boom"})),
        )
        .await;
        assert_eq!(refused.status, 422);
        let deleted = send(
            &router,
            &a,
            Method::DELETE,
            &format!("/api/v1/notes/{id}"),
            None,
        )
        .await;
        assert_eq!(deleted.status, 204);

        let log = send(
            &router,
            &admin,
            Method::GET,
            &format!("/api/v1/audit?resourceId={id}&sort=at"),
            None,
        )
        .await;
        assert_eq!(log.status, 200, "{}", log.text());
        let entries = log.json()["data"].as_array().unwrap().clone();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["created", "updated", "deleted"], "{}", db.url());
        for entry in &entries {
            assert_eq!(entry["actorId"], a.id.as_str());
            assert_eq!(entry["resource"], "notes");
            assert_eq!(entry["resourceId"], id.as_str());
        }
        assert_eq!(entries[0]["requestId"], request_id.as_str());
        let created_changes = &entries[0]["changes"];
        assert_eq!(
            created_changes["title"],
            json!({"old": null, "new": "first"})
        );
        assert_eq!(
            created_changes["apiToken"],
            json!({"old": null, "new": "[redacted]"})
        );
        assert_eq!(created_changes["version"], json!({"old": null, "new": 1}));
        let changes = &entries[1]["changes"];
        assert_eq!(changes["title"], json!({"old": "first", "new": "second"}));
        assert_eq!(
            changes["apiToken"],
            json!({"old": "[redacted]", "new": "[redacted]"})
        );
        assert_eq!(changes["version"], json!({"old": 1, "new": 2}));
        assert!(
            changes.get("ownerId").is_none(),
            "unchanged fields are left out"
        );
        assert_eq!(
            entries[2]["changes"]["title"],
            json!({"old": "second", "new": null})
        );

        // The list grammar applies: filters, sort, pagination; bad fields are 400s.
        let updates = send(
            &router,
            &admin,
            Method::GET,
            "/api/v1/audit?action=updated&resource=notes&perPage=5",
            None,
        )
        .await
        .json();
        assert_eq!(updates["pagination"]["total"], 1);
        let bad = send(
            &router,
            &admin,
            Method::GET,
            "/api/v1/audit?changes=x",
            None,
        )
        .await;
        assert_eq!(bad.status, 400);
        // Admins only: students and teachers have no `audit:read`.
        for user in [&a, &teacher] {
            let forbidden = send(&router, user, Method::GET, "/api/v1/audit", None).await;
            assert_eq!(forbidden.status, 403);
        }
        let total = send(&router, &admin, Method::GET, "/api/v1/audit", None)
            .await
            .json();
        assert_eq!(
            total["pagination"]["total"], 3,
            "the refused write left no row"
        );
    }
}

#[tokio::test]
async fn the_change_routes_are_documented() {
    let db = TestDatabase::sqlite();
    let server = App::new(config(&db))
        .with_auth()
        .with_events()
        .policy(Policy::from_toml(POLICY).unwrap())
        .resource::<Note>()
        .openapi(strata::openapi::OpenApiRegistry::new("Notes", "1.0.0"))
        .build()
        .await
        .unwrap();
    let response = TestRequest::get("/openapi.json")
        .send(&server.router())
        .await;
    assert_eq!(response.status, 200);
    let spec = oas3::from_json(response.text()).expect("valid OpenAPI 3.1");
    for (path, method, operation) in spec.operations() {
        operation
            .parameters(&spec)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    }
    let doc = response.json();
    let events = &doc["paths"]["/api/v1/events"]["get"];
    assert_eq!(events["operationId"], "streamEvents");
    assert!(events["responses"]["200"]["content"]["text/event-stream"].is_object());
    let audit = &doc["paths"]["/api/v1/audit"]["get"];
    assert_eq!(audit["operationId"], "listAudit");
    let params: Vec<&str> = audit["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["page", "cursor", "sort", "actorId", "action", "resourceId"] {
        assert!(params.contains(&name), "missing {name} in {params:?}");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("AuditEntry"));
    assert!(schemas.contains_key("AuditEntryPage"));
}

/// A Redis outage never holds a write: the publish is bounded, the event
/// still reaches this instance's subscribers, and the 201 comes at once.
#[tokio::test]
async fn writes_do_not_wait_for_a_redis_that_is_down() {
    let Some(redis) = strata::testing::redis_url() else {
        return;
    };
    let target = redis
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    let proxy = strata::testing::TcpProxy::start(&target).await.unwrap();
    let db = TestDatabase::sqlite();
    let mut config = config(&db);
    config.redis.url = Some(format!("redis://{}", proxy.addr()));
    config.events.redis = true;
    config.events.namespace = format!("events-outage-{}", Uuid::now_v7().simple());
    let router = app(config, None).await;
    let (_admin, a, _b, _teacher) = cast(&router).await;
    let mut stream = Subscription::open(&router, &a, "").await;
    create(&router, &a, "before").await;

    proxy.sever();
    let mut slowest = std::time::Duration::ZERO;
    for title in ["during-1", "during-2", "during-end"] {
        let started = std::time::Instant::now();
        create(&router, &a, title).await;
        slowest = slowest.max(started.elapsed());
    }
    // The redis crate's default reconnect loop held each write 6 s or more.
    assert!(
        slowest < std::time::Duration::from_secs(3),
        "a write waited {slowest:?} for Redis"
    );
    let seen = stream.until("during-end").await;
    for title in ["during-1", "during-2", "during-end"] {
        assert!(
            seen.iter().any(|(_, t)| t == title),
            "{title} not delivered locally: {seen:?}"
        );
    }
    proxy.restore();
}
