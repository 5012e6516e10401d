//! Reading `POST`/`PUT`/`PATCH` bodies: every absent required field is named
//! in one 422 (serde stops at the first), a value of the wrong type stays a
//! 400, and a bare date in a timestamp field means midnight UTC.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use validator::Validate;

use super::Resource;
use crate::query::FieldType;
use crate::{AppError, FieldError};

/// Reads a JSON body into `T`, with the failures of its field rules (empty
/// when it passes) for the caller to report with its own. Absent required
/// fields → one 422 naming each (`required`) and the rule failures of the
/// fields that were sent; a value of the wrong type → 400.
///
/// Which fields are required is the body type's own business (serde's
/// `missing field`), so `#[serde(default)]` fields and hand-written bodies
/// are read exactly as serde reads them: after each missing field a
/// placeholder of the field's type stands in for it, to find the next.
pub(crate) fn read_body<R: Resource, T: DeserializeOwned + Validate>(
    mut body: Json,
) -> Result<(T, Vec<FieldError>), AppError> {
    midnight_for_bare_dates::<R>(&mut body);
    let mut missing: Vec<FieldError> = Vec::new();
    let error = loop {
        let err = match serde_path_to_error::deserialize::<_, T>(&body) {
            Ok(value) if missing.is_empty() => {
                let errors = field_errors(&value);
                return Ok((value, errors));
            }
            Ok(value) => {
                // The rules of the fields that were sent fail in the same 422.
                let absent: Vec<String> = missing.iter().map(|e| e.field.clone()).collect();
                let broken = field_errors(&value)
                    .into_iter()
                    .filter(|e| !absent.contains(&e.field));
                missing.extend(broken);
                break None;
            }
            Err(err) => err,
        };
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let absent = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
            .filter(|_| path == ".");
        let Some(name) = absent else {
            break Some((path, message));
        };
        missing.push(FieldError::new(name, "required", "is required"));
        let field = R::SPEC.fields.iter().find(|f| f.name == name);
        match (field, body.as_object_mut()) {
            (Some(field), Some(object)) if !object.contains_key(name) => {
                object.insert(name.to_owned(), placeholder(field.ty));
            }
            _ => break None,
        }
    };
    if !missing.is_empty() {
        return Err(AppError::validation(missing));
    }
    let (path, message) = error.unwrap_or_default();
    Err(AppError::bad_request(if path == "." {
        format!("Failed to deserialize the JSON body into the target type: {message}")
    } else {
        format!("Failed to deserialize the JSON body into the target type: {path}: {message}")
    }))
}

/// The field-rule failures of a body (empty when it passes).
fn field_errors(body: &impl Validate) -> Vec<FieldError> {
    match body.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => match AppError::from(errors) {
            AppError::Validation(details) => details,
            _ => Vec::new(),
        },
    }
}

/// A timestamp field sent as a bare `YYYY-MM-DD` means midnight UTC, as in
/// the list-query grammar (`dueDate[gte]=2027-03-01`): rewritten to RFC 3339
/// before the body is read.
fn midnight_for_bare_dates<R: Resource>(body: &mut Json) {
    let Some(object) = body.as_object_mut() else {
        return;
    };
    for field in R::SPEC
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::DateTime)
    {
        if let Some(Json::String(text)) = object.get_mut(field.name)
            && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
            && text.len() == 10
        {
            text.push_str("T00:00:00Z");
        }
    }
}

/// A value of `ty` that deserialises, standing in for an absent field.
fn placeholder(ty: FieldType) -> Json {
    match ty {
        FieldType::String | FieldType::Json => Json::String(String::new()),
        FieldType::Enum(variants) => Json::String(variants.first().copied().unwrap_or("").into()),
        FieldType::Int => Json::from(0),
        FieldType::Float => Json::from(0.0),
        FieldType::Bool => Json::Bool(false),
        FieldType::Uuid => Json::String("00000000-0000-0000-0000-000000000000".into()),
        FieldType::Date => Json::String("1970-01-01".into()),
        FieldType::DateTime => Json::String("1970-01-01T00:00:00Z".into()),
    }
}
