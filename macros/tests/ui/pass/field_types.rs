//! Every known column type, `Option` as nullable, a `type` hint, an integer id.

use serde::{Deserialize, Serialize};
use strata::chrono::{DateTime, NaiveDate, Utc};
use strata::query::{FieldType, Value};
use strata::repo::{ColumnValue, Entity};
use strata::uuid::Uuid;

/// A wrapper the derive does not know, stored as text.
#[derive(Serialize, Deserialize, Clone)]
pub struct Slug(String);

impl ColumnValue for Slug {
    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
    fn from_value(value: Value) -> Option<Self> {
        String::from_value(value).map(Slug)
    }
}

impl strata::sqlx::Type<strata::sqlx::Sqlite> for Slug {
    fn type_info() -> strata::sqlx::sqlite::SqliteTypeInfo {
        <String as strata::sqlx::Type<strata::sqlx::Sqlite>>::type_info()
    }
}
impl<'r> strata::sqlx::Decode<'r, strata::sqlx::Sqlite> for Slug {
    fn decode(
        value: strata::sqlx::sqlite::SqliteValueRef<'r>,
    ) -> Result<Self, strata::sqlx::error::BoxDynError> {
        <String as strata::sqlx::Decode<strata::sqlx::Sqlite>>::decode(value).map(Slug)
    }
}
impl strata::sqlx::Type<strata::sqlx::Postgres> for Slug {
    fn type_info() -> strata::sqlx::postgres::PgTypeInfo {
        <String as strata::sqlx::Type<strata::sqlx::Postgres>>::type_info()
    }
}
impl<'r> strata::sqlx::Decode<'r, strata::sqlx::Postgres> for Slug {
    fn decode(
        value: strata::sqlx::postgres::PgValueRef<'r>,
    ) -> Result<Self, strata::sqlx::error::BoxDynError> {
        <String as strata::sqlx::Decode<strata::sqlx::Postgres>>::decode(value).map(Slug)
    }
}

#[derive(strata::Resource, Serialize, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
#[resource(table = "samples")]
struct Sample {
    #[resource(id)]
    id: i64,
    text: String,
    small: i16,
    medium: i32,
    single: f32,
    double: Option<f64>,
    flag: bool,
    uuid: Uuid,
    day: NaiveDate,
    at: Option<DateTime<Utc>>,
    data: serde_json::Value,
    #[resource(type = "string", filter)]
    slug: Slug,
    r#type: String,
}

fn main() {
    let types: Vec<(&str, FieldType, bool)> = Sample::SPEC
        .fields
        .iter()
        .map(|f| (f.name, f.ty, f.nullable))
        .collect();
    assert_eq!(
        types,
        [
            ("id", FieldType::Int, false),
            ("text", FieldType::String, false),
            ("small", FieldType::Int, false),
            ("medium", FieldType::Int, false),
            ("single", FieldType::Float, false),
            ("double", FieldType::Float, true),
            ("flag", FieldType::Bool, false),
            ("uuid", FieldType::Uuid, false),
            ("day", FieldType::Date, false),
            ("at", FieldType::DateTime, true),
            ("data", FieldType::Json, false),
            ("slug", FieldType::String, false),
            ("type", FieldType::String, false),
        ]
    );
    let sample = Sample {
        id: 7,
        text: "t".into(),
        small: 1,
        medium: 2,
        single: 0.5,
        double: None,
        flag: true,
        uuid: Uuid::nil(),
        day: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        at: None,
        data: serde_json::json!({"a": 1}),
        slug: Slug("s".into()),
        r#type: "x".into(),
    };
    let values = sample.values();
    // An integer id is assigned by the database: not among the inserted values.
    assert!(values.iter().all(|(column, _)| *column != "id"));
    assert!(values.contains(&("double", Value::Null)));
    assert!(values.contains(&("data", Value::String("{\"a\":1}".into()))));
    assert!(values.contains(&("slug", Value::String("s".into()))));
    assert!(Sample::SPEC.field("id").unwrap().sortable);
}
