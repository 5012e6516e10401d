//! Evaluating row filters in memory, against a row as the API renders it.

use std::cmp::Ordering;

use crate::query::{Filter, FilterOp, Value};

/// Whether the rendered row `row` (a JSON object with camelCase keys) passes
/// every filter, as the SQL `WHERE` built from the same filters would decide.
///
/// This is how the SSE stream applies a subscriber's scopes to events without
/// a database round trip. A field missing from the row, or a value that does
/// not parse as the field's type, fails the filter (deny by default).
pub fn row_matches(filters: &[Filter], row: &serde_json::Value) -> bool {
    filters.iter().all(|filter| filter_matches(filter, row))
}

fn filter_matches(filter: &Filter, row: &serde_json::Value) -> bool {
    let Some(raw) = row.get(filter.field.name) else {
        return false;
    };
    let value = match raw {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::String(s) => match Value::parse(s, filter.field.ty) {
            Ok(v) => v,
            Err(_) => return false,
        },
        serde_json::Value::Number(n) => match Value::parse(&n.to_string(), filter.field.ty) {
            Ok(v) => v,
            Err(_) => return false,
        },
        other => Value::String(other.to_string()),
    };
    let first = filter.values.first();
    // SQL semantics: a comparison with NULL is never true.
    let present = value != Value::Null;
    match filter.op {
        FilterOp::IsNull => match first {
            Some(Value::Bool(wants_null)) => *wants_null != present,
            _ => false,
        },
        FilterOp::Eq => present && first == Some(&value),
        FilterOp::Ne => present && first.is_some_and(|f| f != &value),
        FilterOp::In => present && filter.values.contains(&value),
        FilterOp::Nin => present && !filter.values.contains(&value),
        FilterOp::Gt => compares(&value, first, |o| o == Ordering::Greater),
        FilterOp::Gte => compares(&value, first, |o| o != Ordering::Less),
        FilterOp::Lt => compares(&value, first, |o| o == Ordering::Less),
        FilterOp::Lte => compares(&value, first, |o| o != Ordering::Greater),
        FilterOp::Contains => text_test(&value, first, |v, f| v.contains(f)),
        FilterOp::StartsWith => text_test(&value, first, |v, f| v.starts_with(f)),
    }
}

fn compares(value: &Value, other: Option<&Value>, test: impl Fn(Ordering) -> bool) -> bool {
    other
        .and_then(|other| order(value, other))
        .is_some_and(test)
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
        (Value::Uuid(a), Value::Uuid(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn text_test(value: &Value, other: Option<&Value>, test: impl Fn(&str, &str) -> bool) -> bool {
    match (value, other) {
        (Value::String(v), Some(Value::String(f))) => test(&v.to_lowercase(), &f.to_lowercase()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::query::{FieldMeta, FieldType};

    static OWNER: FieldMeta = FieldMeta::new("studentId", "student_id", FieldType::Uuid);
    static DUE: FieldMeta = FieldMeta::new("dueDate", "due_date", FieldType::DateTime);
    static TITLE: FieldMeta = FieldMeta::new("title", "title", FieldType::String);
    static NOTE: FieldMeta = FieldMeta::new("note", "note", FieldType::String);

    fn filter(field: &'static FieldMeta, op: FilterOp, values: Vec<Value>) -> Filter {
        Filter { field, op, values }
    }

    #[test]
    fn applies_each_operator_like_sql() {
        let a = uuid::Uuid::now_v7();
        let b = uuid::Uuid::now_v7();
        let row = json!({"studentId": a.to_string(), "dueDate": "2026-12-01T10:00:00Z", "title": "Essay on Rivers", "note": null});
        let due = |s: &str| Value::parse(s, FieldType::DateTime).unwrap();
        let cases = [
            (filter(&OWNER, FilterOp::Eq, vec![Value::Uuid(a)]), true),
            (filter(&OWNER, FilterOp::Eq, vec![Value::Uuid(b)]), false),
            (
                filter(&OWNER, FilterOp::In, vec![Value::Uuid(b), Value::Uuid(a)]),
                true,
            ),
            (filter(&OWNER, FilterOp::In, vec![]), false),
            (filter(&OWNER, FilterOp::Nin, vec![Value::Uuid(a)]), false),
            (filter(&OWNER, FilterOp::Ne, vec![Value::Uuid(b)]), true),
            (filter(&DUE, FilterOp::Gt, vec![due("2026-11-30")]), true),
            (filter(&DUE, FilterOp::Lte, vec![due("2026-11-30")]), false),
            (
                filter(
                    &TITLE,
                    FilterOp::Contains,
                    vec![Value::String("RIVER".into())],
                ),
                true,
            ),
            (
                filter(
                    &TITLE,
                    FilterOp::StartsWith,
                    vec![Value::String("rivers".into())],
                ),
                false,
            ),
            (
                filter(&NOTE, FilterOp::IsNull, vec![Value::Bool(true)]),
                true,
            ),
            (
                filter(&NOTE, FilterOp::IsNull, vec![Value::Bool(false)]),
                false,
            ),
            (
                filter(&NOTE, FilterOp::Ne, vec![Value::String("x".into())]),
                false,
            ),
        ];
        for (f, expected) in cases {
            assert_eq!(
                row_matches(std::slice::from_ref(&f), &row),
                expected,
                "{f:?}"
            );
        }
    }

    #[test]
    fn missing_or_malformed_fields_fail_closed() {
        let row = json!({"studentId": "not-a-uuid"});
        let f = filter(&OWNER, FilterOp::Ne, vec![Value::Uuid(uuid::Uuid::nil())]);
        assert!(!row_matches(std::slice::from_ref(&f), &row));
        let f = filter(&TITLE, FilterOp::IsNull, vec![Value::Bool(true)]);
        assert!(!row_matches(std::slice::from_ref(&f), &json!({})));
        assert!(row_matches(&[], &json!({})));
    }
}
