//! Filters: `field=value` and `field[op]=value`.

use super::{FieldMeta, FieldType, Value};
use crate::AppError;

/// Most values an `in`/`nin` list may hold.
pub const MAX_LIST_VALUES: usize = 100;

/// A filter operator, written `field[op]=…` in the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterOp {
    /// `eq` (also the bare `field=value`): equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `in`: one of a comma-separated list.
    In,
    /// `nin`: none of a comma-separated list.
    Nin,
    /// `contains`: case-insensitive substring (text fields only).
    Contains,
    /// `startsWith`: case-insensitive prefix (text fields only).
    StartsWith,
    /// `isNull`: `true` (is null) or `false` (is not null).
    IsNull,
}

impl FilterOp {
    /// Every operator, in grammar order.
    pub const ALL: [Self; 11] = [
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Gte,
        Self::Lt,
        Self::Lte,
        Self::In,
        Self::Nin,
        Self::Contains,
        Self::StartsWith,
        Self::IsNull,
    ];

    /// The operator's name in the query string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Gt => "gt",
            Self::Gte => "gte",
            Self::Lt => "lt",
            Self::Lte => "lte",
            Self::In => "in",
            Self::Nin => "nin",
            Self::Contains => "contains",
            Self::StartsWith => "startsWith",
            Self::IsNull => "isNull",
        }
    }

    /// The operator with this name (case-sensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether this operator applies to fields of type `ty`.
    pub const fn applies_to(self, ty: FieldType) -> bool {
        match self {
            Self::Gt | Self::Gte | Self::Lt | Self::Lte => ty.is_ordered(),
            Self::Contains | Self::StartsWith => ty.is_textual(),
            Self::Eq | Self::Ne | Self::In | Self::Nin | Self::IsNull => true,
        }
    }
}

/// One filter: `field op values`.
///
/// `values` holds one value for the scalar operators, one or more for `in` and
/// `nin`, and a single [`Value::Bool`] for `isNull`. `contains` and `startsWith`
/// carry the raw text as [`Value::String`], even on enum fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The filtered field (looked up in the spec, never taken from the request).
    pub field: &'static FieldMeta,
    /// The operator.
    pub op: FilterOp,
    /// The operand(s), typed after the field.
    pub values: Vec<Value>,
}

impl Filter {
    /// Builds a filter from a query parameter already split into field and
    /// operator. `param` is the parameter name as sent, used in errors.
    pub(crate) fn parse(
        param: &str,
        field: &'static FieldMeta,
        op: FilterOp,
        raw: &str,
    ) -> Result<Self, AppError> {
        if !field.filterable {
            return Err(AppError::bad_parameter(
                param,
                "not_filterable",
                format!("`{}` cannot be filtered", field.name),
            ));
        }
        if !op.applies_to(field.ty) {
            return Err(AppError::bad_parameter(
                param,
                "operator_not_allowed",
                format!("`{}` does not apply to `{}`", op.as_str(), field.name),
            ));
        }
        let typed = |text: &str| {
            Value::parse(text, field.ty)
                .map_err(|e| AppError::bad_parameter(param, "invalid_value", e.to_string()))
        };
        let values = match op {
            FilterOp::In | FilterOp::Nin => {
                if raw.is_empty() {
                    return Err(AppError::bad_parameter(
                        param,
                        "invalid_value",
                        "expected a comma-separated list of at least one value",
                    ));
                }
                let items: Vec<&str> = raw.split(',').collect();
                if items.len() > MAX_LIST_VALUES {
                    return Err(AppError::bad_parameter(
                        param,
                        "too_many_values",
                        format!("at most {MAX_LIST_VALUES} values"),
                    ));
                }
                items.into_iter().map(typed).collect::<Result<_, _>>()?
            }
            FilterOp::Contains | FilterOp::StartsWith => {
                if raw.is_empty() {
                    return Err(AppError::bad_parameter(
                        param,
                        "invalid_value",
                        "expected non-empty text",
                    ));
                }
                vec![Value::String(raw.to_owned())]
            }
            FilterOp::IsNull => vec![
                Value::parse(raw, FieldType::Bool)
                    .map_err(|e| AppError::bad_parameter(param, "invalid_value", e.to_string()))?,
            ],
            FilterOp::Eq
            | FilterOp::Ne
            | FilterOp::Gt
            | FilterOp::Gte
            | FilterOp::Lt
            | FilterOp::Lte => {
                vec![typed(raw)?]
            }
        };
        Ok(Self { field, op, values })
    }

    /// The filter as one `(name, value)` query pair, e.g. `("status[in]", "a,b")`.
    pub(crate) fn to_pair(&self) -> (String, String) {
        let name = match self.op {
            FilterOp::Eq => self.field.name.to_owned(),
            op => format!("{}[{}]", self.field.name, op.as_str()),
        };
        let value = self
            .values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        (name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TITLE: FieldMeta = FieldMeta::new("title", "title", FieldType::String).filter();
    static DONE: FieldMeta = FieldMeta::new("done", "done", FieldType::Bool).filter();
    static META: FieldMeta = FieldMeta::new("meta", "meta", FieldType::Json).filter();
    static SCORE: FieldMeta = FieldMeta::new("score", "score", FieldType::Int).filter();
    static SECRET: FieldMeta = FieldMeta::new("secret", "secret", FieldType::String);

    fn field_of(err: &AppError) -> (&str, &str) {
        let d = &err.details()[0];
        (d.field.as_str(), d.code.as_str())
    }

    #[test]
    fn operator_names_round_trip() {
        for op in FilterOp::ALL {
            assert_eq!(FilterOp::from_name(op.as_str()), Some(op));
        }
        assert_eq!(FilterOp::from_name("startswith"), None);
        assert_eq!(FilterOp::from_name("like"), None);
    }

    #[test]
    fn operator_type_rules() {
        assert!(!FilterOp::Gt.applies_to(FieldType::Bool));
        assert!(!FilterOp::Lte.applies_to(FieldType::Json));
        assert!(!FilterOp::Contains.applies_to(FieldType::Int));
        assert!(FilterOp::StartsWith.applies_to(FieldType::Enum(&["a"])));
        assert!(FilterOp::IsNull.applies_to(FieldType::Json));
    }

    #[test]
    fn parses_lists_and_renders_them_back() {
        let f = Filter::parse("score[in]", &SCORE, FilterOp::In, "1,2,3").unwrap();
        assert_eq!(f.values, vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
        assert_eq!(f.to_pair(), ("score[in]".into(), "1,2,3".into()));
        let eq = Filter::parse("score", &SCORE, FilterOp::Eq, "7").unwrap();
        assert_eq!(eq.to_pair(), ("score".into(), "7".into()));
    }

    #[test]
    fn rejects_with_the_parameter_named() {
        let cases: &[(&str, &'static FieldMeta, FilterOp, &str, &str)] = &[
            ("secret", &SECRET, FilterOp::Eq, "x", "not_filterable"),
            (
                "done[gt]",
                &DONE,
                FilterOp::Gt,
                "true",
                "operator_not_allowed",
            ),
            ("meta[lt]", &META, FilterOp::Lt, "1", "operator_not_allowed"),
            (
                "score[contains]",
                &SCORE,
                FilterOp::Contains,
                "1",
                "operator_not_allowed",
            ),
            ("score[in]", &SCORE, FilterOp::In, "", "invalid_value"),
            ("score[in]", &SCORE, FilterOp::In, "1,,2", "invalid_value"),
            (
                "score[isNull]",
                &SCORE,
                FilterOp::IsNull,
                "yes",
                "invalid_value",
            ),
            (
                "score[gte]",
                &SCORE,
                FilterOp::Gte,
                "1; DROP TABLE x",
                "invalid_value",
            ),
            (
                "title[contains]",
                &TITLE,
                FilterOp::Contains,
                "",
                "invalid_value",
            ),
        ];
        for (param, field, op, raw, code) in cases {
            let err = Filter::parse(param, field, *op, raw).unwrap_err();
            assert_eq!(field_of(&err), (*param, *code), "{param}={raw}");
        }
        let many = vec!["1"; MAX_LIST_VALUES + 1].join(",");
        let err = Filter::parse("score[nin]", &SCORE, FilterOp::Nin, &many).unwrap_err();
        assert_eq!(field_of(&err), ("score[nin]", "too_many_values"));
    }
}
