//! Sort keys: `sort=-dueDate,title`, always ending with the id tie-breaker.

use super::{FieldMeta, QuerySpec};
use crate::AppError;

/// Most keys a `sort` parameter may name.
pub const MAX_SORT_KEYS: usize = 10;

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The sorted field.
    pub field: &'static FieldMeta,
    /// `true` for descending (`-name`).
    pub descending: bool,
}

impl SortKey {
    /// The key as written in `sort`: `name` or `-name`.
    pub fn to_param(&self) -> String {
        if self.descending {
            format!("-{}", self.field.name)
        } else {
            self.field.name.to_owned()
        }
    }
}

/// Renders keys as a `sort` value, e.g. `-dueDate,-id`. Also the sort
/// fingerprint a cursor carries.
pub fn render_sort(keys: &[SortKey]) -> String {
    keys.iter()
        .map(SortKey::to_param)
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses the `sort` parameter (`None` when absent or empty) into keys that end
/// with the id.
///
/// Only sortable fields, and the id, are accepted; a field named twice is an
/// error. The id is appended with the direction of the last key unless already
/// present; keys after an explicit id are dropped (the id is unique, so they
/// could never matter).
pub(crate) fn parse_sort(raw: Option<&str>, spec: &QuerySpec) -> Result<Vec<SortKey>, AppError> {
    let mut keys: Vec<SortKey> = Vec::new();
    match raw {
        Some(raw) if !raw.is_empty() => {
            if raw.split(',').count() > MAX_SORT_KEYS {
                return Err(AppError::bad_parameter(
                    "sort",
                    "too_many_keys",
                    format!("at most {MAX_SORT_KEYS} sort keys"),
                ));
            }
            for item in raw.split(',') {
                let (name, descending) = match item.strip_prefix('-') {
                    Some(name) => (name, true),
                    None => (item, false),
                };
                let field = spec
                    .field(name)
                    .filter(|f| f.sortable || f == &spec.id)
                    .ok_or_else(|| {
                        AppError::bad_parameter(
                            "sort",
                            "not_sortable",
                            format!("cannot sort by `{name}`"),
                        )
                    })?;
                if keys.iter().any(|k| k.field == field) {
                    return Err(AppError::bad_parameter(
                        "sort",
                        "duplicate",
                        format!("`{name}` appears more than once"),
                    ));
                }
                keys.push(SortKey { field, descending });
            }
        }
        _ => {
            for (name, descending) in spec.default_sort {
                if let Some(field) = spec.field(name)
                    && !keys.iter().any(|k| k.field == field)
                {
                    keys.push(SortKey {
                        field,
                        descending: *descending,
                    });
                }
            }
        }
    }
    if let Some(at) = keys.iter().position(|k| k.field == spec.id) {
        keys.truncate(at + 1);
    } else {
        let descending = keys.last().is_some_and(|k| k.descending);
        keys.push(SortKey {
            field: spec.id,
            descending,
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::FieldType;

    static FIELDS: [FieldMeta; 4] = [
        FieldMeta::new("id", "id", FieldType::Int),
        FieldMeta::new("title", "title", FieldType::String).sort(),
        FieldMeta::new("dueDate", "due_date", FieldType::Date).sort(),
        FieldMeta::new("body", "body", FieldType::String),
    ];
    static SPEC: QuerySpec = QuerySpec::new(&FIELDS, &FIELDS[0]);
    static DEFAULTED: QuerySpec =
        QuerySpec::new(&FIELDS, &FIELDS[0]).default_sort(&[("dueDate", true)]);

    fn rendered(raw: Option<&str>, spec: &QuerySpec) -> String {
        render_sort(&parse_sort(raw, spec).unwrap())
    }

    fn code(raw: &str) -> String {
        let err = parse_sort(Some(raw), &SPEC).unwrap_err();
        assert_eq!(err.details()[0].field, "sort");
        err.details()[0].code.clone()
    }

    #[test]
    fn appends_the_id_in_the_last_direction() {
        assert_eq!(rendered(Some("-dueDate,title"), &SPEC), "-dueDate,title,id");
        assert_eq!(
            rendered(Some("title,-dueDate"), &SPEC),
            "title,-dueDate,-id"
        );
    }

    #[test]
    fn defaults_then_id() {
        assert_eq!(rendered(None, &SPEC), "id");
        assert_eq!(rendered(Some(""), &SPEC), "id");
        assert_eq!(rendered(None, &DEFAULTED), "-dueDate,-id");
    }

    #[test]
    fn explicit_id_ends_the_sort() {
        assert_eq!(rendered(Some("-id"), &SPEC), "-id");
        assert_eq!(rendered(Some("title,id,dueDate"), &SPEC), "title,id");
    }

    #[test]
    fn rejections_name_sort() {
        assert_eq!(code("body"), "not_sortable");
        assert_eq!(code("nope"), "not_sortable");
        assert_eq!(code("title;DROP TABLE x"), "not_sortable");
        assert_eq!(code("title,,id"), "not_sortable");
        assert_eq!(code("--title"), "not_sortable");
        assert_eq!(code("title,-title"), "duplicate");
        assert_eq!(code(&["title"; 11].join(",")), "too_many_keys");
    }
}
