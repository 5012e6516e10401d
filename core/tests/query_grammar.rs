//! SPEC §4 list-query grammar, rule by rule, through `ListQuery::parse`.

use chrono::{NaiveDate, TimeZone, Utc};
use strata::AppError;
use strata::query::{
    Cursor, CursorCodec, FieldMeta, FieldType, FilterOp, ListQuery, PageRequest, QuerySpec, Value,
};

const STATUS: &[&str] = &["todo", "doing", "done"];

static FIELDS: [FieldMeta; 11] = [
    FieldMeta::new("id", "id", FieldType::Uuid).filter(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("points", "points", FieldType::Int)
        .filter()
        .sort(),
    FieldMeta::new("weight", "weight", FieldType::Float)
        .filter()
        .sort(),
    FieldMeta::new("done", "done", FieldType::Bool).filter(),
    FieldMeta::new("ownerId", "owner_id", FieldType::Uuid).filter(),
    FieldMeta::new("dueDate", "due_date", FieldType::Date)
        .filter()
        .sort(),
    FieldMeta::new("createdAt", "created_at", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("status", "status", FieldType::Enum(STATUS))
        .filter()
        .sort(),
    FieldMeta::new("meta", "meta", FieldType::Json).filter(),
    FieldMeta::new("secret", "secret", FieldType::String),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("createdAt", true)]);
static PLAIN_FIELDS: [FieldMeta; 1] = [FieldMeta::new("id", "id", FieldType::Int)];
static PLAIN: QuerySpec = QuerySpec::new(&PLAIN_FIELDS, &PLAIN_FIELDS[0]).per_page(5, 10);

fn codec() -> CursorCodec {
    CursorCodec::new(b"query grammar test secret, 32+ bytes")
}

fn parse(q: &str) -> ListQuery {
    ListQuery::parse(q, &SPEC, &codec()).unwrap_or_else(|e| panic!("{q}: {e:?}"))
}

/// Asserts a 400 whose one detail names `param` with `code`.
fn rejects(q: &str, param: &str, code: &str) {
    rejects_in(q, &SPEC, param, code);
}

fn rejects_in(q: &str, spec: &QuerySpec, param: &str, code: &str) {
    let err = ListQuery::parse(q, spec, &codec()).expect_err(q);
    assert!(matches!(err, AppError::BadRequest { .. }), "{q}: {err:?}");
    assert_eq!(err.status(), 400);
    let d = err.details();
    assert_eq!(d.len(), 1, "{q}");
    assert_eq!(
        (d[0].field.as_str(), d[0].code.as_str()),
        (param, code),
        "{q}"
    );
}

fn sort_of(q: &ListQuery) -> Vec<(&str, bool)> {
    q.sort
        .iter()
        .map(|k| (k.field.name, k.descending))
        .collect()
}

fn single_filter(q: &str) -> (FilterOp, Vec<Value>) {
    let parsed = parse(q);
    assert_eq!(parsed.filters.len(), 1, "{q}");
    let f = &parsed.filters[0];
    (f.op, f.values.clone())
}

#[test]
fn empty_query_gives_the_defaults() {
    let q = parse("");
    assert_eq!(
        q.page,
        PageRequest::Offset {
            page: 1,
            per_page: 20
        }
    );
    assert_eq!(sort_of(&q), [("createdAt", true), ("id", true)]);
    assert!(q.filters.is_empty() && q.search.is_none() && q.fields.is_none());
    let plain = ListQuery::parse("", &PLAIN, &codec()).unwrap();
    assert_eq!(
        plain.page,
        PageRequest::Offset {
            page: 1,
            per_page: 5
        }
    );
    assert_eq!(sort_of(&plain), [("id", false)]);
}

#[test]
fn page_and_per_page() {
    assert_eq!(
        parse("page=3&perPage=7").page,
        PageRequest::Offset {
            page: 3,
            per_page: 7
        }
    );
    assert_eq!(
        parse("limit=7").page,
        PageRequest::Offset {
            page: 1,
            per_page: 7
        }
    );
    assert_eq!(parse("perPage=1000").page.limit(), 100);
    assert_eq!(parse("limit=99999999999999999999999999").page.limit(), 100);
    assert_eq!(
        ListQuery::parse("perPage=50", &PLAIN, &codec())
            .unwrap()
            .page
            .limit(),
        10
    );
    rejects("perPage=0", "perPage", "out_of_range");
    rejects("limit=0", "limit", "out_of_range");
    rejects("perPage=-5", "perPage", "invalid_value");
    rejects("limit=abc", "limit", "invalid_value");
    rejects("perPage=", "perPage", "invalid_value");
    rejects("page=0", "page", "out_of_range");
    rejects("page=-1", "page", "invalid_value");
    rejects("page=1e3", "page", "invalid_value");
    rejects("page=99999999999999999999999", "page", "out_of_range");
    rejects("perPage=5&limit=5", "limit", "conflict");
    rejects("page=1&page=2", "page", "duplicate");
}

#[test]
fn cursor_mode() {
    let first = parse("cursor=&limit=10");
    assert_eq!(
        first.page,
        PageRequest::Cursor {
            limit: 10,
            after: None
        }
    );
    rejects("cursor=&page=2", "page", "conflict");

    let q = parse("cursor=&sort=-points");
    let id = uuid::Uuid::from_u128(7);
    let cursor = q.cursor_after(vec![Value::Int(5), Value::Uuid(id)]);
    let token = codec().encode(&cursor);
    let next = parse(&format!("cursor={token}&sort=-points"));
    assert_eq!(
        next.page,
        PageRequest::Cursor {
            limit: 20,
            after: Some(cursor)
        }
    );

    // Made under `sort=-points`, replayed under another sort.
    rejects(
        &format!("cursor={token}&sort=title"),
        "cursor",
        "invalid_cursor",
    );
    rejects(&format!("cursor={token}"), "cursor", "invalid_cursor");
    // Nullable sort values are fine, a null id is not.
    let nulls = codec().encode(&q.cursor_after(vec![Value::Null, Value::Uuid(id)]));
    assert!(ListQuery::parse(&format!("cursor={nulls}&sort=-points"), &SPEC, &codec()).is_ok());
    let null_id = codec().encode(&q.cursor_after(vec![Value::Int(1), Value::Null]));
    rejects(
        &format!("cursor={null_id}&sort=-points"),
        "cursor",
        "invalid_cursor",
    );
    // Signed, right sort, wrong count or types.
    for values in [
        vec![Value::Uuid(id)],
        vec![Value::String("5".into()), Value::Uuid(id)],
        vec![Value::Int(5), Value::Int(7)],
        vec![Value::Int(5), Value::Uuid(id), Value::Uuid(id)],
    ] {
        let forged = codec().encode(&Cursor {
            sort: "-points,-id".into(),
            values,
        });
        rejects(
            &format!("cursor={forged}&sort=-points"),
            "cursor",
            "invalid_cursor",
        );
    }
    // Tampered, foreign, garbage.
    let mut tampered = token.clone().into_bytes();
    tampered[0] ^= 1;
    let tampered = String::from_utf8(tampered).unwrap();
    let foreign = CursorCodec::new(b"someone else").encode(&cursor_of(&q, id));
    for bad in [
        tampered,
        foreign,
        "garbage".into(),
        "a.b".into(),
        "%27%20OR%201%3D1".into(),
    ] {
        rejects(
            &format!("cursor={bad}&sort=-points"),
            "cursor",
            "invalid_cursor",
        );
    }
}

fn cursor_of(q: &ListQuery, id: uuid::Uuid) -> Cursor {
    q.cursor_after(vec![Value::Int(5), Value::Uuid(id)])
}

#[test]
fn equality_filters_for_every_type() {
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    let cases: Vec<(String, Value)> = vec![
        (
            "title=Hello+world".into(),
            Value::String("Hello world".into()),
        ),
        ("points=-3".into(), Value::Int(-3)),
        ("weight=2.5".into(), Value::Float(2.5)),
        ("done=false".into(), Value::Bool(false)),
        (format!("ownerId={id}"), Value::Uuid(id.parse().unwrap())),
        (
            "dueDate=2026-11-22".into(),
            Value::Date(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()),
        ),
        (
            "createdAt=2026-11-22T10:00:00%2B01:00".into(),
            Value::DateTime(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()),
        ),
        (
            "createdAt=2026-11-22".into(),
            Value::DateTime(Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()),
        ),
        ("status=doing".into(), Value::String("doing".into())),
        (
            "meta=%7B%22a%22%3A1%7D".into(),
            Value::String("{\"a\":1}".into()),
        ),
        ("title[eq]=x".into(), Value::String("x".into())),
    ];
    for (q, value) in cases {
        assert_eq!(single_filter(&q), (FilterOp::Eq, vec![value]), "{q}");
    }
}

#[test]
fn every_operator() {
    let int = |n| vec![Value::Int(n)];
    assert_eq!(single_filter("points[ne]=1"), (FilterOp::Ne, int(1)));
    assert_eq!(single_filter("points[gt]=1"), (FilterOp::Gt, int(1)));
    assert_eq!(single_filter("points[gte]=1"), (FilterOp::Gte, int(1)));
    assert_eq!(single_filter("points[lt]=1"), (FilterOp::Lt, int(1)));
    assert_eq!(single_filter("points[lte]=1"), (FilterOp::Lte, int(1)));
    assert_eq!(
        single_filter("points[in]=1,2"),
        (FilterOp::In, vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(
        single_filter("status[nin]=todo,done"),
        (
            FilterOp::Nin,
            vec![Value::String("todo".into()), Value::String("done".into())]
        )
    );
    assert_eq!(
        single_filter("title[contains]=Ab"),
        (FilterOp::Contains, vec![Value::String("Ab".into())])
    );
    assert_eq!(
        single_filter("status[startsWith]=do"),
        (FilterOp::StartsWith, vec![Value::String("do".into())])
    );
    assert_eq!(
        single_filter("meta[isNull]=true"),
        (FilterOp::IsNull, vec![Value::Bool(true)])
    );
    assert_eq!(
        single_filter("dueDate[isNull]=false"),
        (FilterOp::IsNull, vec![Value::Bool(false)])
    );
    assert_eq!(single_filter("dueDate[lt]=2026-01-01").0, FilterOp::Lt);
    assert_eq!(single_filter("status[gt]=todo").0, FilterOp::Gt);
}

#[test]
fn repeated_filters_are_all_kept_in_order() {
    let q = parse("points[gte]=1&points[lte]=9&title=a&title=b");
    let ops: Vec<_> = q.filters.iter().map(|f| (f.field.name, f.op)).collect();
    assert_eq!(
        ops,
        [
            ("points", FilterOp::Gte),
            ("points", FilterOp::Lte),
            ("title", FilterOp::Eq),
            ("title", FilterOp::Eq)
        ]
    );
}

#[test]
fn filter_rejections_name_the_parameter() {
    rejects("nope=1", "nope", "unknown_parameter");
    rejects("nope[eq]=1", "nope[eq]", "unknown_parameter");
    rejects("status[foo]=todo", "status[foo]", "unknown_operator");
    rejects("status[EQ]=todo", "status[EQ]", "unknown_operator");
    rejects("status[eq][in]=todo", "status[eq][in]", "unknown_operator");
    rejects("status[=todo", "status[", "unknown_parameter");
    rejects("secret=x", "secret", "not_filterable");
    rejects(
        "points[contains]=1",
        "points[contains]",
        "operator_not_allowed",
    );
    rejects("done[gt]=true", "done[gt]", "operator_not_allowed");
    rejects("meta[lte]=1", "meta[lte]", "operator_not_allowed");
    rejects("points=1.5", "points", "invalid_value");
    rejects("weight=NaN", "weight", "invalid_value");
    rejects("done=yes", "done", "invalid_value");
    rejects("ownerId=42", "ownerId", "invalid_value");
    rejects("dueDate=22/11/2026", "dueDate", "invalid_value");
    rejects("createdAt=now", "createdAt", "invalid_value");
    rejects("status=archived", "status", "invalid_value");
    rejects("status[in]=todo,archived", "status[in]", "invalid_value");
    rejects("points[in]=", "points[in]", "invalid_value");
    rejects("title[isNull]=maybe", "title[isNull]", "invalid_value");
    rejects(
        "points=1%3B%20DROP%20TABLE%20tasks",
        "points",
        "invalid_value",
    );
    rejects(
        "title%3BDROP%20TABLE%20x=1",
        "title;DROP TABLE x",
        "unknown_parameter",
    );
}

#[test]
fn sql_in_string_values_is_just_text() {
    let (_, values) = single_filter("title=%27%20OR%201%3D1%20--");
    assert_eq!(values, vec![Value::String("' OR 1=1 --".into())]);
}

#[test]
fn sort_rules() {
    assert_eq!(
        sort_of(&parse("sort=-dueDate,title")),
        [("dueDate", true), ("title", false), ("id", false)]
    );
    assert_eq!(
        sort_of(&parse("sort=-points")),
        [("points", true), ("id", true)]
    );
    assert_eq!(sort_of(&parse("sort=id")), [("id", false)]);
    rejects("sort=secret", "sort", "not_sortable");
    rejects("sort=done", "sort", "not_sortable");
    rejects("sort=title,-title", "sort", "duplicate");
    rejects("sort=title%20desc", "sort", "not_sortable");
    rejects("sort=a&sort=b", "sort", "duplicate");
}

#[test]
fn search_rules() {
    assert_eq!(
        parse("search=%20%20needle%20").search.as_deref(),
        Some("needle")
    );
    assert_eq!(parse("search=").search, None);
    assert_eq!(parse("search=+++").search, None);
    assert_eq!(
        parse(&format!("search={}", "é".repeat(200)))
            .search
            .map(|s| s.chars().count()),
        Some(200)
    );
    rejects(&format!("search={}", "a".repeat(201)), "search", "too_long");
    rejects_in("search=x", &PLAIN, "search", "not_searchable");
    assert!(ListQuery::parse("search=", &PLAIN, &codec()).is_ok());
}

#[test]
fn sparse_fields() {
    let names =
        |q: &str| -> Vec<&str> { parse(q).fields.unwrap().iter().map(|f| f.name).collect() };
    assert_eq!(names("fields=title,status"), ["id", "title", "status"]);
    assert_eq!(names("fields=title,id"), ["title", "id"]);
    assert_eq!(names("fields=secret"), ["id", "secret"]);
    assert_eq!(parse("fields=").fields, None);
    rejects("fields=title,password", "fields", "unknown_field");
    rejects("fields=title,title", "fields", "duplicate");
    rejects("fields=title,", "fields", "unknown_field");
}

#[test]
fn unknown_and_hostile_parameters() {
    rejects("pageSize=10", "pageSize", "unknown_parameter");
    rejects("Page=1", "Page", "unknown_parameter");
    rejects("title=%FF", "title", "invalid_encoding");
    rejects("%FF=1", "\u{FFFD}", "invalid_encoding");
    rejects("title=a%00b", "title", "invalid_encoding");
    rejects(&format!("title={}", "a".repeat(5000)), "title", "too_long");

    let many = vec!["points[gte]=1"; 101].join("&");
    let err = ListQuery::parse(&many, &SPEC, &codec()).unwrap_err();
    assert!(matches!(err, AppError::BadRequest { .. }));
    assert!(ListQuery::parse(&vec!["points[gte]=1"; 100].join("&"), &SPEC, &codec()).is_ok());

    let ten_thousand = vec!["x=1"; 10_000].join("&");
    assert!(ListQuery::parse(&ten_thousand, &SPEC, &codec()).is_err());
    let huge = "a".repeat(20_000);
    assert!(ListQuery::parse(&huge, &SPEC, &codec()).is_err());
}

#[test]
fn renders_back_to_an_equal_query() {
    let q = parse(
        "limit=7&page=2&sort=-dueDate,title&points[in]=1,2&title=a%26b%3Dc+d&createdAt[gte]=2026-01-01\
         &meta[isNull]=false&search=hi+there&fields=title,dueDate&status[startsWith]=do",
    );
    let rendered = q.to_query_string(&codec());
    assert_eq!(
        ListQuery::parse(&rendered, &SPEC, &codec()).unwrap(),
        q,
        "{rendered}"
    );

    let c = parse("cursor=&sort=title");
    let token = codec().encode(&c.cursor_after(vec![
        Value::String("x".into()),
        Value::Uuid(uuid::Uuid::nil()),
    ]));
    let q = parse(&format!("cursor={token}&sort=title&limit=3"));
    assert_eq!(
        ListQuery::parse(&q.to_query_string(&codec()), &SPEC, &codec()).unwrap(),
        q
    );
}
