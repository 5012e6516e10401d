//! `field:type[:modifier…]` arguments of `strata generate resource`, and what
//! each type becomes in Rust, in SQL and in tests.

use std::str::FromStr;

use crate::error::CliError;
use crate::names::field_name;
use crate::project::Db;

/// The column types of SPEC §10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// `string`: short text, 1–255 characters.
    String,
    /// `text`: long text.
    Text,
    /// `int`: `i32`.
    Int,
    /// `bigint`: `i64`.
    BigInt,
    /// `float`: `f64`.
    Float,
    /// `bool`.
    Bool,
    /// `uuid`.
    Uuid,
    /// `date`: a calendar date.
    Date,
    /// `datetime`: an instant in UTC.
    DateTime,
    /// `json`: any JSON value.
    Json,
    /// `decimal`: exact decimal text such as `"12.50"`.
    Decimal,
    /// `enum(a|b|c)`: one of the variants.
    Enum(Vec<String>),
}

/// The type names accepted on the command line, for error messages.
const TYPES: &str =
    "string, text, int, bigint, float, bool, uuid, date, datetime, json, decimal, enum(a|b|c)";

impl FieldType {
    fn parse(raw: &str) -> Result<Self, String> {
        Ok(match raw {
            "string" => Self::String,
            "text" => Self::Text,
            "int" => Self::Int,
            "bigint" => Self::BigInt,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "uuid" => Self::Uuid,
            "date" => Self::Date,
            "datetime" => Self::DateTime,
            "json" => Self::Json,
            "decimal" => Self::Decimal,
            _ => {
                let Some(list) = raw
                    .strip_prefix("enum(")
                    .and_then(|rest| rest.strip_suffix(')'))
                else {
                    return Err(format!("unknown type `{raw}`; expected one of {TYPES}"));
                };
                let variants: Vec<String> = list.split('|').map(str::to_owned).collect();
                for variant in &variants {
                    let valid = variant.starts_with(|c: char| c.is_ascii_lowercase())
                        && variant
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    if !valid {
                        return Err(format!(
                            "enum variant `{variant}` must be snake_case, e.g. enum(draft|in_review|published)"
                        ));
                    }
                }
                if let Some(dup) = variants
                    .iter()
                    .enumerate()
                    .find(|(i, v)| variants[..*i].contains(v))
                {
                    return Err(format!("enum variant `{}` is listed twice", dup.1));
                }
                Self::Enum(variants)
            }
        })
    }

    /// The Rust type of a non-optional field.
    pub fn rust_type(&self) -> &'static str {
        match self {
            Self::String | Self::Text | Self::Decimal | Self::Enum(_) => "String",
            Self::Int => "i32",
            Self::BigInt => "i64",
            Self::Float => "f64",
            Self::Bool => "bool",
            Self::Uuid => "Uuid",
            Self::Date => "NaiveDate",
            Self::DateTime => "DateTime<Utc>",
            Self::Json => "serde_json::Value",
        }
    }

    /// The SQL column type on `db`.
    pub fn sql_type(&self, db: Db) -> &'static str {
        match (self, db) {
            (Self::String | Self::Text | Self::Decimal | Self::Enum(_), _) => "TEXT",
            (Self::Int, _) => "INTEGER",
            (Self::BigInt, Db::Sqlite) => "INTEGER",
            (Self::BigInt, Db::Postgres) => "BIGINT",
            (Self::Float, Db::Sqlite) => "REAL",
            (Self::Float, Db::Postgres) => "DOUBLE PRECISION",
            (Self::Bool, Db::Sqlite) => "INTEGER",
            (Self::Bool, Db::Postgres) => "BOOLEAN",
            (Self::Uuid, Db::Sqlite) => "BLOB",
            (Self::Uuid, Db::Postgres) => "UUID",
            (Self::Date, Db::Sqlite) => "TEXT",
            (Self::Date, Db::Postgres) => "DATE",
            (Self::DateTime, Db::Sqlite) => "TEXT",
            (Self::DateTime, Db::Postgres) => "TIMESTAMPTZ",
            (Self::Json, Db::Sqlite) => "TEXT",
            (Self::Json, Db::Postgres) => "JSONB",
        }
    }

    /// What the type is called on the command line.
    pub fn label(&self) -> String {
        match self {
            Self::String => "string".into(),
            Self::Text => "text".into(),
            Self::Int => "int".into(),
            Self::BigInt => "bigint".into(),
            Self::Float => "float".into(),
            Self::Bool => "bool".into(),
            Self::Uuid => "uuid".into(),
            Self::Date => "date".into(),
            Self::DateTime => "datetime".into(),
            Self::Json => "json".into(),
            Self::Decimal => "decimal".into(),
            Self::Enum(variants) => format!("enum({})", variants.join("|")),
        }
    }

    /// Whether `search` (case-insensitive substring) applies: text types only.
    fn searchable(&self) -> bool {
        matches!(self, Self::String | Self::Text)
    }
}

/// One parsed `field:type[:modifier…]` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The snake_case field (and column) name.
    pub name: String,
    /// The column type.
    pub ty: FieldType,
    /// `type?`: the field may be null.
    pub optional: bool,
    /// `unique`: a unique index; a duplicate is a 409.
    pub unique: bool,
    /// `filter`: allowed as a list filter (and indexed).
    pub filter: bool,
    /// `sort`: allowed in `sort=` (and indexed).
    pub sort: bool,
    /// `search`: searched by `search=`.
    pub search: bool,
}

/// Field names every generated resource already has.
const GENERATED_FIELDS: &[&str] = &["id", "created_at", "updated_at", "version", "deleted_at"];

impl FromStr for FieldSpec {
    type Err = CliError;

    fn from_str(spec: &str) -> Result<Self, CliError> {
        let refuse = |reason: String| CliError::InvalidField {
            spec: spec.to_owned(),
            reason,
        };
        // A trailing `?` may close the whole spec (`body:text:search?`) as
        // well as the type (`body:text?:search`).
        let (body, trailing) = match spec.strip_suffix('?') {
            Some(body) if body.matches(':').count() >= 2 => (body, true),
            _ => (spec, false),
        };
        let mut parts = body.split(':');
        let name = field_name(parts.next().unwrap_or_default()).map_err(refuse)?;
        if GENERATED_FIELDS.contains(&name.as_str()) {
            return Err(refuse(format!(
                "`{name}` is generated for every resource; choose another name"
            )));
        }
        let raw_type = parts
            .next()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| refuse("missing type: write `name:type`, e.g. `title:string`".into()))?;
        let (raw_type, optional) = match raw_type.strip_suffix('?') {
            Some(_) if trailing => {
                return Err(refuse("`?` is given twice".into()));
            }
            Some(inner) => (inner, true),
            None => (raw_type, trailing),
        };
        let ty = FieldType::parse(raw_type).map_err(refuse)?;
        let mut field = Self {
            name,
            ty,
            optional,
            unique: false,
            filter: false,
            sort: false,
            search: false,
        };
        for modifier in parts {
            let flag = match modifier {
                "unique" => &mut field.unique,
                "filter" => &mut field.filter,
                "sort" => &mut field.sort,
                "search" => &mut field.search,
                other => {
                    return Err(refuse(format!(
                        "unknown modifier `{other}`; expected unique, filter, sort or search"
                    )));
                }
            };
            if *flag {
                return Err(refuse(format!("modifier `{modifier}` is given twice")));
            }
            *flag = true;
        }
        field.check().map_err(refuse)?;
        Ok(field)
    }
}

impl FieldSpec {
    /// Refuses modifiers the type cannot honour, rather than generating code
    /// that would not compile or would misbehave.
    fn check(&self) -> Result<(), String> {
        let ty = self.ty.label();
        if self.search && !self.ty.searchable() {
            return Err(format!(
                "`search` applies to string and text fields, not {ty}"
            ));
        }
        if self.ty == FieldType::Json && (self.filter || self.sort || self.unique) {
            return Err("json fields cannot be filtered, sorted or unique".into());
        }
        if self.ty == FieldType::Decimal && self.sort {
            return Err(
                "decimal fields are stored as exact text, so `sort` would order them as text; use float to sort by number"
                    .into(),
            );
        }
        if self.unique && matches!(self.ty, FieldType::Bool | FieldType::Enum(_)) {
            return Err(format!(
                "a {ty} field cannot be unique (it has a few values only)"
            ));
        }
        Ok(())
    }

    /// The Rust type, `Option<…>` when optional.
    pub fn rust_type(&self) -> String {
        if self.optional {
            format!("Option<{}>", self.ty.rust_type())
        } else {
            self.ty.rust_type().to_owned()
        }
    }
}

/// Parses every field argument, refusing duplicates and a clash with the
/// parent's foreign key.
pub fn parse_fields(
    specs: &[String],
    foreign_key: Option<&str>,
) -> Result<Vec<FieldSpec>, CliError> {
    let mut fields: Vec<FieldSpec> = Vec::with_capacity(specs.len());
    for spec in specs {
        let field: FieldSpec = spec.parse()?;
        if fields.iter().any(|f| f.name == field.name) {
            return Err(CliError::InvalidField {
                spec: spec.clone(),
                reason: format!("`{}` is given twice", field.name),
            });
        }
        if foreign_key == Some(field.name.as_str()) {
            return Err(CliError::InvalidField {
                spec: spec.clone(),
                reason: format!("`{}` is the foreign key --belongs-to adds", field.name),
            });
        }
        fields.push(field);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<FieldSpec, String> {
        spec.parse::<FieldSpec>().map_err(|e| e.to_string())
    }

    #[test]
    fn a_trailing_question_mark_may_close_the_spec_or_the_type() {
        for spec in ["body:text?:search", "body:text:search?"] {
            let field = parse(spec).unwrap();
            assert!(field.optional && field.search, "{spec}");
            assert_eq!(field.rust_type(), "Option<String>", "{spec}");
        }
        let field = parse("kind:enum(a|b):filter:sort?").unwrap();
        assert!(field.optional && field.filter && field.sort);
        assert!(!parse("title:string:filter").unwrap().optional);
        assert!(parse("title:string:filter??").is_err());
        let twice = parse("body:text?:search?").unwrap_err();
        assert!(twice.contains("given twice"), "{twice}");
    }

    #[test]
    fn name_type_and_modifiers() {
        let field = parse("title:string:filter:sort:search").unwrap();
        assert_eq!(field.name, "title");
        assert_eq!(field.ty, FieldType::String);
        assert!(field.filter && field.sort && field.search && !field.unique && !field.optional);
        assert_eq!(field.rust_type(), "String");
    }

    #[test]
    fn optional_marker() {
        let field = parse("due_on:date?:filter").unwrap();
        assert!(field.optional);
        assert_eq!(field.rust_type(), "Option<NaiveDate>");
    }

    #[test]
    fn every_type() {
        for (raw, rust) in [
            ("string", "String"),
            ("text", "String"),
            ("int", "i32"),
            ("bigint", "i64"),
            ("float", "f64"),
            ("bool", "bool"),
            ("uuid", "Uuid"),
            ("date", "NaiveDate"),
            ("datetime", "DateTime<Utc>"),
            ("json", "serde_json::Value"),
            ("decimal", "String"),
            ("enum(a|b_c)", "String"),
        ] {
            let field = parse(&format!("x:{raw}")).unwrap();
            assert_eq!(field.rust_type(), rust, "{raw}");
            assert_eq!(field.ty.label(), raw);
        }
        assert_eq!(
            parse("status:enum(draft|published)").unwrap().ty,
            FieldType::Enum(vec!["draft".into(), "published".into()])
        );
    }

    #[test]
    fn sql_types_per_dialect() {
        assert_eq!(FieldType::Uuid.sql_type(Db::Sqlite), "BLOB");
        assert_eq!(FieldType::Uuid.sql_type(Db::Postgres), "UUID");
        assert_eq!(FieldType::DateTime.sql_type(Db::Postgres), "TIMESTAMPTZ");
        assert_eq!(FieldType::Json.sql_type(Db::Postgres), "JSONB");
        assert_eq!(FieldType::Bool.sql_type(Db::Sqlite), "INTEGER");
    }

    #[test]
    fn refusals() {
        for (spec, needle) in [
            ("title", "missing type"),
            ("title:", "missing type"),
            ("title:varchar", "unknown type `varchar`"),
            ("Title:string", "snake_case"),
            ("type:string", "keyword"),
            ("id:uuid", "generated for every resource"),
            ("created_at:datetime", "generated for every resource"),
            ("title:string:index", "unknown modifier `index`"),
            ("title:string:filter:filter", "given twice"),
            ("count:int:search", "`search` applies to string and text"),
            ("meta:json:filter", "json fields"),
            ("price:decimal:sort", "decimal"),
            ("done:bool:unique", "cannot be unique"),
            ("state:enum(a|b):unique", "cannot be unique"),
            ("status:enum()", "snake_case"),
            ("status:enum(Draft|x)", "snake_case"),
            ("status:enum(a|a)", "twice"),
            ("status:enum(a|b", "unknown type"),
        ] {
            let err = parse(spec).unwrap_err();
            assert!(err.contains(needle), "{spec}: {err}");
            assert!(err.starts_with(&format!("invalid field `{spec}`")), "{err}");
        }
    }

    #[test]
    fn duplicates_and_foreign_key_clash() {
        let specs = ["a:int".to_owned(), "a:string".to_owned()];
        let err = parse_fields(&specs, None).unwrap_err().to_string();
        assert!(err.contains("given twice"), "{err}");
        let specs = ["post_id:uuid".to_owned()];
        let err = parse_fields(&specs, Some("post_id"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("foreign key"), "{err}");
    }
}
