//! Building sea-query expressions from the typed list query.
//!
//! Identifiers come only from static [`FieldMeta`]s; every value is bound.

use sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, LikeExpr, NullOrdering, Order, SelectStatement,
};

use crate::query::{FieldMeta, FieldType, Filter, FilterOp, SortKey, Value};

/// The column of `field` as an expression.
pub(crate) fn col(column: &'static str) -> Expr {
    Expr::col(Alias::new(column))
}

/// `value` as a sea-query value of `ty` (NULLs are typed: Postgres needs it).
pub(crate) fn bind(value: &Value, ty: FieldType) -> sea_query::Value {
    use sea_query::Value as V;
    match value {
        Value::Null => match ty {
            FieldType::String | FieldType::Enum(_) => V::String(None),
            FieldType::Int => V::BigInt(None),
            FieldType::Float => V::Double(None),
            FieldType::Bool => V::Bool(None),
            FieldType::Uuid => V::Uuid(None),
            FieldType::Date => V::ChronoDate(None),
            FieldType::DateTime => V::ChronoDateTimeUtc(None),
            FieldType::Json => V::Json(None),
        },
        Value::String(s) if ty == FieldType::Json => {
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(json) => V::Json(Some(Box::new(json))),
                Err(_) => V::Json(Some(Box::new(serde_json::Value::String(s.clone())))),
            }
        }
        Value::String(s) => V::String(Some(s.clone())),
        Value::Int(i) => V::BigInt(Some(*i)),
        Value::Float(f) => V::Double(Some(*f)),
        Value::Bool(b) => V::Bool(Some(*b)),
        Value::Uuid(u) => V::Uuid(Some(*u)),
        Value::Date(d) => V::ChronoDate(Some(*d)),
        Value::DateTime(t) => V::ChronoDateTimeUtc(Some(*t)),
    }
}

/// The expression filters compare against: JSON is compared as text.
fn compared(field: &FieldMeta) -> Expr {
    match field.ty {
        FieldType::Json => col(field.column).cast_as(Alias::new("TEXT")),
        _ => col(field.column),
    }
}

/// A filter value bound with the type the comparison needs.
fn operand(field: &FieldMeta, value: &Value) -> Expr {
    match (field.ty, value) {
        (FieldType::Json, Value::String(s)) => Expr::val(s.clone()),
        _ => Expr::val(bind(value, field.ty)),
    }
}

/// `%`, `_` and `\` escaped for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn lower_like(field: &FieldMeta, pattern: String) -> Expr {
    Expr::expr(Func::lower(compared(field))).like(LikeExpr::new(pattern).escape('\\'))
}

/// One filter as a condition.
pub(crate) fn filter(f: &Filter) -> Cond {
    let field = f.field;
    let first = f.values.first().cloned().unwrap_or(Value::Null);
    let text = || match &first {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let cond = Cond::all();
    match f.op {
        FilterOp::Eq => cond.add(compared(field).eq(operand(field, &first))),
        FilterOp::Ne => Cond::any()
            .add(compared(field).ne(operand(field, &first)))
            .add(col(field.column).is_null()),
        FilterOp::Gt => cond.add(compared(field).gt(operand(field, &first))),
        FilterOp::Gte => cond.add(compared(field).gte(operand(field, &first))),
        FilterOp::Lt => cond.add(compared(field).lt(operand(field, &first))),
        FilterOp::Lte => cond.add(compared(field).lte(operand(field, &first))),
        FilterOp::In => cond.add(compared(field).is_in(f.values.iter().map(|v| operand(field, v)))),
        FilterOp::Nin => Cond::any()
            .add(compared(field).is_not_in(f.values.iter().map(|v| operand(field, v))))
            .add(col(field.column).is_null()),
        FilterOp::Contains => cond.add(lower_like(field, format!("%{}%", escape_like(&text())))),
        FilterOp::StartsWith => cond.add(lower_like(field, format!("{}%", escape_like(&text())))),
        FilterOp::IsNull => match first {
            Value::Bool(false) => cond.add(col(field.column).is_not_null()),
            _ => cond.add(col(field.column).is_null()),
        },
    }
}

/// `search` as an OR of case-insensitive substring matches over searchable fields.
pub(crate) fn search<'a>(text: &str, fields: impl Iterator<Item = &'a FieldMeta>) -> Cond {
    let pattern = format!("%{}%", escape_like(text));
    fields.fold(Cond::any(), |any, field| {
        any.add(lower_like(field, pattern.clone()))
    })
}

/// `ORDER BY` for the sort keys; nullable keys sort NULL as the smallest value on
/// both dialects (SQLite and Postgres disagree by default).
pub(crate) fn order_by(select: &mut SelectStatement, sort: &[SortKey]) {
    for key in sort {
        let order = if key.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        if key.field.nullable {
            let nulls = if key.descending {
                NullOrdering::Last
            } else {
                NullOrdering::First
            };
            select.order_by_with_nulls(Alias::new(key.field.column), order, nulls);
        } else {
            select.order_by(Alias::new(key.field.column), order);
        }
    }
}

/// Rows strictly after the cursor position in the `sort` order.
///
/// When every key goes the same way and none is nullable this is one row-value
/// comparison, `(k1, …, id) > (v1, …, vid)`, which both dialects answer with an
/// index range scan. Otherwise it expands to
/// `k1 ≥ v1 AND (k1 > v1 OR (k1 = v1 AND (k2 > v2 OR …)))`, with NULL treated
/// as the smallest value.
pub(crate) fn after(sort: &[SortKey], values: &[Value]) -> Cond {
    let uniform = sort
        .iter()
        .all(|k| k.descending == sort[0].descending && !k.field.nullable);
    if uniform {
        let left = Expr::tuple(sort.iter().map(|k| col(k.field.column)));
        let right = Expr::tuple(
            sort.iter()
                .zip(values)
                .map(|(k, v)| Expr::val(bind(v, k.field.ty))),
        );
        let cond = if sort.first().is_some_and(|k| k.descending) {
            left.lt(right)
        } else {
            left.gt(right)
        };
        return Cond::all().add(cond);
    }

    let mut any = Cond::any();
    for i in 0..sort.len() {
        let mut all = Cond::all();
        for (key, value) in sort[..i].iter().zip(values) {
            all = all.add(equal(key, value));
        }
        all = all.add(beyond(&sort[i], &values[i]));
        any = any.add(all);
    }
    match (sort.first(), values.first()) {
        (Some(first), Some(value)) if !first.field.nullable && *value != Value::Null => {
            let bound = col(first.field.column);
            let v = Expr::val(bind(value, first.field.ty));
            let bound = if first.descending {
                bound.lte(v)
            } else {
                bound.gte(v)
            };
            Cond::all().add(bound).add(any)
        }
        _ => any,
    }
}

fn equal(key: &SortKey, value: &Value) -> Cond {
    match value {
        Value::Null => Cond::all().add(col(key.field.column).is_null()),
        v => Cond::all().add(col(key.field.column).eq(Expr::val(bind(v, key.field.ty)))),
    }
}

/// Strictly after `value` in this key's direction, NULL being the smallest.
fn beyond(key: &SortKey, value: &Value) -> Cond {
    let c = || col(key.field.column);
    match (key.descending, value) {
        (false, Value::Null) => Cond::all().add(c().is_not_null()),
        (false, v) => Cond::all().add(c().gt(Expr::val(bind(v, key.field.ty)))),
        // Nothing is smaller than NULL.
        (true, Value::Null) => Cond::all().add(Expr::val(1).eq(0)),
        (true, v) => {
            let lt = Cond::all().add(c().lt(Expr::val(bind(v, key.field.ty))));
            if key.field.nullable {
                Cond::any().add(lt).add(c().is_null())
            } else {
                lt
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{PostgresQueryBuilder, Query, SqliteQueryBuilder};

    static FIELDS: [FieldMeta; 3] = [
        FieldMeta::new("id", "id", FieldType::Int).sort(),
        FieldMeta::new("title", "title", FieldType::String).sort(),
        FieldMeta::new("note", "note", FieldType::String)
            .sort()
            .nullable(),
    ];

    fn select_where(cond: Cond) -> (String, String) {
        let mut q = Query::select();
        q.column(Alias::new("id"))
            .from(Alias::new("t"))
            .cond_where(cond);
        (
            q.to_string(SqliteQueryBuilder),
            q.to_string(PostgresQueryBuilder),
        )
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_A\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn uniform_sort_uses_a_row_value_comparison() {
        let sort = [
            SortKey {
                field: &FIELDS[1],
                descending: true,
            },
            SortKey {
                field: &FIELDS[0],
                descending: true,
            },
        ];
        let (sqlite, pg) = select_where(after(&sort, &[Value::String("m".into()), Value::Int(7)]));
        assert!(sqlite.contains(r#"("title", "id") < ('m', 7)"#), "{sqlite}");
        assert!(pg.contains(r#"("title", "id") < ('m', 7)"#), "{pg}");
    }

    #[test]
    fn mixed_or_nullable_sort_expands_with_a_leading_bound() {
        let sort = [
            SortKey {
                field: &FIELDS[1],
                descending: false,
            },
            SortKey {
                field: &FIELDS[0],
                descending: true,
            },
        ];
        let (sqlite, _) = select_where(after(&sort, &[Value::String("m".into()), Value::Int(7)]));
        assert!(sqlite.contains(r#""title" >= 'm'"#), "{sqlite}");
        assert!(
            sqlite.contains(r#""title" > 'm' OR ("title" = 'm' AND "id" < 7)"#),
            "{sqlite}"
        );

        let sort = [
            SortKey {
                field: &FIELDS[2],
                descending: false,
            },
            SortKey {
                field: &FIELDS[0],
                descending: false,
            },
        ];
        let (sqlite, _) = select_where(after(&sort, &[Value::Null, Value::Int(7)]));
        assert!(
            sqlite.contains(r#""note" IS NOT NULL OR ("note" IS NULL AND "id" > 7)"#),
            "{sqlite}"
        );
    }
}
