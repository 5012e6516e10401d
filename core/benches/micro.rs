//! Middleware micro-benchmarks (SPEC §13): list-query parse, envelope
//! serialisation, permission check, metrics recording.
//!
//! Run with `cargo bench -p strata --bench micro`; figures go to `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use strata::http::Metrics;
use strata::query::{CursorCodec, FieldMeta, FieldType, ListQuery, QuerySpec};
use strata::rbac::Policy;
use strata::response::{Envelope, Pagination};

static FIELDS: [FieldMeta; 5] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new(
        "status",
        "status",
        FieldType::Enum(&["pending", "in_progress", "completed"]),
    )
    .filter(),
    FieldMeta::new("dueDate", "due_date", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("studentId", "student_id", FieldType::Uuid).filter(),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);

fn list_query(c: &mut Criterion) {
    let codec = CursorCodec::new(b"benchmark cursor secret, long enough");
    let raw = "status[in]=pending,in_progress&dueDate[gte]=2026-12-01T00:00:00Z&search=essay&sort=-dueDate,title&page=3&perPage=50";
    c.bench_function("list_query_parse", |b| {
        b.iter(|| ListQuery::parse(black_box(raw), &SPEC, &codec).expect("valid"))
    });
    let first = ListQuery::parse("sort=-dueDate&cursor=", &SPEC, &codec).expect("valid");
    let cursor = codec.encode(&first.cursor_after(vec![
        strata::query::Value::DateTime(chrono::Utc::now()),
        strata::query::Value::Uuid(uuid::Uuid::now_v7()),
    ]));
    let with_cursor = format!("sort=-dueDate&cursor={cursor}");
    c.bench_function("list_query_parse_cursor", |b| {
        b.iter(|| ListQuery::parse(black_box(&with_cursor), &SPEC, &codec).expect("valid"))
    });
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: uuid::Uuid,
    title: String,
    status: &'static str,
    due_date: chrono::DateTime<chrono::Utc>,
}

fn envelope(c: &mut Criterion) {
    let rows: Vec<Row> = (0..20)
        .map(|i| Row {
            id: uuid::Uuid::now_v7(),
            title: format!("Assignment {i}"),
            status: "pending",
            due_date: chrono::Utc::now(),
        })
        .collect();
    c.bench_function("envelope_list_20_rows", |b| {
        b.iter(|| {
            let envelope = Envelope::paginated(black_box(&rows), Pagination::offset(1, 20, 145));
            serde_json::to_vec(&envelope).expect("serialises")
        })
    });
}

fn permission(c: &mut Criterion) {
    let policy = Policy::from_toml(
        r#"
        [roles.student]
        permissions = ["assignments:read:own", "subtasks:*:own"]
        [roles.teacher]
        inherits = ["student"]
        permissions = ["assignments:read", "assignments:create", "assignments:update"]
        [roles.admin]
        permissions = ["*"]
        "#,
    )
    .expect("valid policy");
    c.bench_function("permission_check", |b| {
        b.iter(|| {
            policy.check(
                black_box("teacher"),
                black_box("subtasks"),
                black_box("update"),
            )
        })
    });
}

fn metrics(c: &mut Criterion) {
    let metrics = Metrics::default();
    let method = http::Method::GET;
    c.bench_function("metrics_record", |b| {
        b.iter(|| metrics.record(&method, black_box("/api/v1/assignments/{id}"), 200, 0.003))
    });
}

fn jwt(c: &mut Criterion) {
    let config = strata::config::AuthConfig {
        jwt_secret: Some("a benchmark secret that is at least 32 bytes".into()),
        ..Default::default()
    };
    let auth = strata::auth::Authenticator::from_config(&config, strata::Environment::Test);
    let user = strata::auth::AuthUser {
        id: uuid::Uuid::now_v7(),
        email: "bench@example.com".into(),
        role: "teacher".into(),
    };
    let token = auth.issue(&user).expect("issues").token;
    c.bench_function("jwt_verify_hs256", |b| {
        b.iter(|| auth.authenticate(black_box(&token)).expect("valid"))
    });
}

fn rate_limit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = runtime.enter();
    let limiter = strata::rate_limit::MemoryLimiter::new("1000000/s".parse().expect("quota"));
    c.bench_function("rate_limit_check_memory", |b| {
        b.iter(|| limiter.check_key(black_box("user:0190f7e2-7d6c-7c3a-9b1e-3f2a1c0d9e8f")))
    });
}

criterion_group!(
    benches, list_query, envelope, permission, metrics, jwt, rate_limit
);
criterion_main!(benches);
