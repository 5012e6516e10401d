//! Property tests for the list-query parser (SPEC §14): arbitrary input never
//! panics and only ever fails with a 400, and valid queries survive a render →
//! parse round trip.

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use strata::AppError;
use strata::query::{
    CursorCodec, FieldMeta, FieldType, Filter, FilterOp, ListQuery, PageRequest, QuerySpec,
    SortKey, Value,
};

const STATUS: &[&str] = &["todo", "doing", "done"];

static FIELDS: [FieldMeta; 8] = [
    FieldMeta::new("id", "id", FieldType::Int).filter().sort(),
    FieldMeta::new("title", "title", FieldType::String)
        .filter()
        .sort()
        .search(),
    FieldMeta::new("weight", "weight", FieldType::Float)
        .filter()
        .sort(),
    FieldMeta::new("done", "done", FieldType::Bool)
        .filter()
        .sort(),
    FieldMeta::new("ref", "ref", FieldType::Uuid)
        .filter()
        .sort(),
    FieldMeta::new("dueDate", "due_date", FieldType::Date)
        .filter()
        .sort(),
    FieldMeta::new("at", "at", FieldType::DateTime)
        .filter()
        .sort(),
    FieldMeta::new("status", "status", FieldType::Enum(STATUS))
        .filter()
        .sort(),
];
static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("dueDate", false)]);

fn codec() -> CursorCodec {
    CursorCodec::new(b"property test secret, thirty-two bytes")
}

/// Fragments that are likely to hit interesting parser paths.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("page".to_owned()),
        Just("perPage".to_owned()),
        Just("limit".to_owned()),
        Just("cursor".to_owned()),
        Just("sort".to_owned()),
        Just("search".to_owned()),
        Just("fields".to_owned()),
        Just("title[in]".to_owned()),
        Just("status[startsWith]".to_owned()),
        Just("at[gte]".to_owned()),
        Just("-dueDate,title".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("%FF%00%5B%5D".to_owned()),
        Just("' OR 1=1 --".to_owned()),
        "[a-zA-Z0-9%\\[\\],.=&+_-]{0,12}",
        any::<String>(),
    ]
}

fn hostile_query() -> impl Strategy<Value = String> {
    prop::collection::vec((hostile_piece(), hostile_piece()), 0..12).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn value_for(ty: FieldType) -> BoxedStrategy<Value> {
    match ty {
        FieldType::String | FieldType::Json => {
            "[^,\u{0}\u{FFFD}]{0,12}".prop_map(Value::String).boxed()
        }
        FieldType::Int => any::<i64>().prop_map(Value::Int).boxed(),
        FieldType::Float => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float)
            .boxed(),
        FieldType::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        FieldType::Uuid => any::<u128>()
            .prop_map(|n| Value::Uuid(uuid::Uuid::from_u128(n)))
            .boxed(),
        FieldType::Date => (1i32..=9999, 1u32..=366)
            .prop_filter_map("valid date", |(y, d)| NaiveDate::from_yo_opt(y, d))
            .prop_map(Value::Date)
            .boxed(),
        FieldType::DateTime => (0i64..253_402_300_799, 0u32..1_000_000_000)
            .prop_filter_map("valid timestamp", |(s, n)| {
                DateTime::<Utc>::from_timestamp(s, n)
            })
            .prop_map(Value::DateTime)
            .boxed(),
        FieldType::Enum(variants) => prop::sample::select(variants)
            .prop_map(|v| Value::String(v.to_owned()))
            .boxed(),
    }
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        prop::sample::select(&FIELDS[..]),
        prop::sample::select(FilterOp::ALL.to_vec()),
    )
        .prop_filter("operator applies", |(f, op)| op.applies_to(f.ty))
        .prop_flat_map(|(field, op)| {
            let field: &'static FieldMeta = FIELDS
                .iter()
                .find(|f| f.name == field.name)
                .unwrap_or(&FIELDS[0]);
            let values = match op {
                FilterOp::In | FilterOp::Nin => {
                    prop::collection::vec(value_for(field.ty), 1..4).boxed()
                }
                FilterOp::IsNull => any::<bool>().prop_map(|b| vec![Value::Bool(b)]).boxed(),
                FilterOp::Contains | FilterOp::StartsWith => "[^,\u{0}\u{FFFD}]{1,12}"
                    .prop_map(|s| vec![Value::String(s)])
                    .boxed(),
                _ => value_for(field.ty).prop_map(|v| vec![v]).boxed(),
            };
            values.prop_map(move |values| Filter { field, op, values })
        })
        // `in` over one empty string renders as an empty list, which is an error.
        .prop_filter("renderable", |f| {
            !matches!(f.op, FilterOp::In | FilterOp::Nin)
                || f.values.iter().all(|v| v.to_string() != "")
        })
}

fn sort() -> impl Strategy<Value = Vec<SortKey>> {
    (
        prop::sample::subsequence((1..FIELDS.len()).collect::<Vec<_>>(), 0..4),
        prop::collection::vec(any::<bool>(), 4),
    )
        .prop_map(|(indexes, dirs)| {
            let mut keys: Vec<SortKey> = indexes
                .iter()
                .zip(&dirs)
                .map(|(i, d)| SortKey {
                    field: &FIELDS[*i],
                    descending: *d,
                })
                .collect();
            if keys.is_empty() {
                keys.push(SortKey {
                    field: &FIELDS[5],
                    descending: false,
                });
            }
            let descending = keys.last().is_some_and(|k| k.descending);
            keys.push(SortKey {
                field: &FIELDS[0],
                descending,
            });
            keys
        })
}

fn valid_query() -> impl Strategy<Value = ListQuery> {
    (
        sort(),
        prop::collection::vec(filter(), 0..5),
        prop::option::of("[a-z][a-z ]{0,20}[a-z]"),
        prop::option::of(prop::sample::subsequence(
            (1..FIELDS.len()).collect::<Vec<_>>(),
            1..4,
        )),
        (1u64..=100, 1u64..1000, any::<bool>(), any::<bool>()),
    )
        .prop_flat_map(
            |(sort, filters, search, fields, (limit, page, cursor_mode, has_after))| {
                let after_values: Vec<BoxedStrategy<Value>> =
                    sort.iter().map(|k| value_for(k.field.ty)).collect();
                (
                    Just((
                        sort,
                        filters,
                        search,
                        fields,
                        limit,
                        page,
                        cursor_mode,
                        has_after,
                    )),
                    after_values,
                )
            },
        )
        .prop_map(
            |((sort, filters, search, fields, limit, page, cursor_mode, has_after), after)| {
                let mut q = ListQuery {
                    page: PageRequest::Offset {
                        page,
                        per_page: limit,
                    },
                    filters,
                    sort,
                    search,
                    fields: fields.map(|ix| {
                        let mut fs: Vec<&'static FieldMeta> = vec![&FIELDS[0]];
                        fs.extend(ix.iter().map(|i| &FIELDS[*i]));
                        fs
                    }),
                };
                if cursor_mode {
                    let after = has_after.then(|| q.cursor_after(after));
                    q.page = PageRequest::Cursor { limit, after };
                }
                q
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_parse_or_are_400(raw in any::<String>()) {
        if let Err(err) = ListQuery::parse(&raw, &SPEC, &codec()) {
            prop_assert!(matches!(err, AppError::BadRequest { .. }), "{err:?}");
        }
    }

    #[test]
    fn hostile_queries_parse_or_are_400(raw in hostile_query()) {
        match ListQuery::parse(&raw, &SPEC, &codec()) {
            Ok(q) => {
                prop_assert!(q.page.limit() >= 1 && q.page.limit() <= 100);
                prop_assert_eq!(q.sort.last().map(|k| k.field.name), Some("id"));
            }
            Err(err) => prop_assert!(matches!(err, AppError::BadRequest { .. }), "{err:?}"),
        }
    }

    #[test]
    fn valid_queries_round_trip(q in valid_query()) {
        let rendered = q.to_query_string(&codec());
        let parsed = ListQuery::parse(&rendered, &SPEC, &codec());
        prop_assert!(parsed.is_ok(), "{rendered}: {parsed:?}");
        prop_assert_eq!(parsed.ok(), Some(q), "{}", rendered);
    }

    #[test]
    fn cursors_survive_encoding(q in valid_query()) {
        if let PageRequest::Cursor { after: Some(c), .. } = &q.page {
            let decoded = codec().decode(&codec().encode(c)).ok();
            prop_assert_eq!(decoded.as_ref(), Some(c));
        }
    }
}
