//! Component schemas of the HTTP contract (SPEC §3): the success envelopes, `Meta`,
//! both pagination shapes, the error envelope, field errors and RFC 9457 problems.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{KnownFormat, Ref, RefOr, SchemaFormat, Type};

use crate::error::ErrorCode;
use crate::query::FieldType;

/// Component name of [`Meta`](crate::response::Meta).
pub const META: &str = "Meta";
/// Component name of offset pagination (`page`, `perPage`, `total`, `totalPages`).
pub const OFFSET_PAGINATION: &str = "OffsetPagination";
/// Component name of cursor pagination (`limit`, `nextCursor`, `hasMore`).
pub const CURSOR_PAGINATION: &str = "CursorPagination";
/// Component name of the error envelope every 4xx/5xx answers with.
pub const ERROR_ENVELOPE: &str = "ErrorEnvelope";
/// Component name of the error envelope's `error` object.
pub const ERROR_BODY: &str = "ErrorBody";
/// Component name of the `error.code` string enum (every [`ErrorCode`]).
pub const ERROR_CODE: &str = "ErrorCode";
/// Component name of one entry of `error.details`.
pub const FIELD_ERROR: &str = "FieldError";
/// Component name of RFC 9457 problem details (`Accept: application/problem+json`).
pub const PROBLEM: &str = "Problem";

/// `#/components/schemas/{name}`.
pub fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// Name of the single-item envelope of `name`: `Assignment` → `AssignmentItemEnvelope`.
pub fn item_envelope_name(name: &str) -> String {
    format!("{name}ItemEnvelope")
}

/// Name of the offset-paginated list envelope of `name`: `Assignment` → `AssignmentPage`.
pub fn page_name(name: &str) -> String {
    format!("{name}Page")
}

/// Name of the cursor-paginated list envelope of `name`: `Assignment` → `AssignmentCursorPage`.
pub fn cursor_page_name(name: &str) -> String {
    format!("{name}CursorPage")
}

/// The three envelopes around the component `name`, each referencing
/// `#/components/schemas/{name}`: [`item_envelope_name`], [`page_name`] and
/// [`cursor_page_name`].
pub fn envelope_schemas(name: &str) -> Vec<(String, RefOr<Schema>)> {
    let data = schema_ref(name);
    let list = || ArrayBuilder::new().items(schema_ref(name)).build();
    vec![
        (
            item_envelope_name(name),
            success_envelope(
                data,
                None,
                &format!("One `{name}` in the success envelope."),
            ),
        ),
        (
            page_name(name),
            success_envelope(
                list().into(),
                Some(OFFSET_PAGINATION),
                &format!("A page of `{name}` items with offset pagination."),
            ),
        ),
        (
            cursor_page_name(name),
            success_envelope(
                list().into(),
                Some(CURSOR_PAGINATION),
                &format!("A page of `{name}` items with cursor (keyset) pagination."),
            ),
        ),
    ]
}

fn success_envelope(
    data: RefOr<Schema>,
    pagination: Option<&str>,
    description: &str,
) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .description(Some(description))
        .property("success", constant_bool(true))
        .required("success")
        .property("data", data)
        .required("data");
    if let Some(pagination) = pagination {
        object = object
            .property("pagination", schema_ref(pagination))
            .required("pagination");
    }
    object
        .property("meta", schema_ref(META))
        .required("meta")
        .build()
        .into()
}

fn constant_bool(value: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([value]))
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer(minimum: Option<u64>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(minimum.map(|m| m as f64))
}

fn described(builder: ObjectBuilder, description: &str) -> ObjectBuilder {
    builder.description(Some(description))
}

/// The contract's shared components, by name: [`META`], [`OFFSET_PAGINATION`],
/// [`CURSOR_PAGINATION`], [`ERROR_ENVELOPE`], [`ERROR_BODY`], [`ERROR_CODE`],
/// [`FIELD_ERROR`] and [`PROBLEM`].
pub fn contract_schemas() -> Vec<(String, RefOr<Schema>)> {
    let meta = ObjectBuilder::new()
        .description(Some("Request id and response time, on every envelope."))
        .property(
            "requestId",
            described(string(), "The request id, also sent as `x-request-id`."),
        )
        .property(
            "timestamp",
            described(
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
                "When the response was produced (RFC 3339, UTC, seconds).",
            ),
        )
        .required("timestamp");
    let offset = ObjectBuilder::new()
        .description(Some("Page-number pagination with a total count."))
        .property("page", described(integer(Some(1)), "1-based page number."))
        .property("perPage", described(integer(Some(1)), "Items per page."))
        .property(
            "total",
            described(integer(Some(0)), "Items across all pages."),
        )
        .property(
            "totalPages",
            described(integer(Some(0)), "Number of pages (0 when empty)."),
        )
        .required("page")
        .required("perPage")
        .required("total")
        .required("totalPages");
    let cursor = ObjectBuilder::new()
        .description(Some("Keyset (cursor) pagination."))
        .property("limit", described(integer(Some(1)), "Items per page."))
        .property(
            "nextCursor",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::String,
                    Type::Null,
                ]))
                .description(Some(
                    "Opaque, tamper-evident cursor of the next page; `null` on the last page.",
                )),
        )
        .property(
            "hasMore",
            described(
                ObjectBuilder::new().schema_type(Type::Boolean),
                "Whether another page follows.",
            ),
        )
        .required("limit")
        .required("nextCursor")
        .required("hasMore");
    let code = string()
        .description(Some(
            "Machine-readable error code; each maps to one HTTP status (SPEC §3).",
        ))
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())));
    let field_error = ObjectBuilder::new()
        .description(Some(
            "One failing field of a 422 (or one failed readiness check).",
        ))
        .property(
            "field",
            described(string(), "The camelCase field name (or check name)."),
        )
        .property(
            "code",
            described(string(), "Machine-readable rule name, e.g. `future`."),
        )
        .property("message", described(string(), "Human-readable message."))
        .required("field")
        .required("code")
        .required("message");
    let details = || ArrayBuilder::new().items(schema_ref(FIELD_ERROR));
    let error_body = ObjectBuilder::new()
        .property("code", schema_ref(ERROR_CODE))
        .property(
            "message",
            described(
                string(),
                "Human-readable message; generic for 500 (details only in logs).",
            ),
        )
        .property("details", details())
        .required("code")
        .required("message")
        .required("details");
    let error_envelope = ObjectBuilder::new()
        .description(Some(
            "The error envelope: every 4xx/5xx the framework produces (including its own 404, 405, 413, 415 and panics).",
        ))
        .property("success", constant_bool(false))
        .property("error", schema_ref(ERROR_BODY))
        .property("meta", schema_ref(META))
        .required("success")
        .required("error")
        .required("meta");
    let problem = ObjectBuilder::new()
        .description(Some(
            "RFC 9457 problem details, sent instead of the error envelope when the client sends `Accept: application/problem+json`.",
        ))
        .property(
            "type",
            described(
                string().format(Some(SchemaFormat::Custom("uri-reference".into()))),
                "A URI reference naming the problem type.",
            ),
        )
        .property("title", described(string(), "Short summary of the status."))
        .property("status", described(integer(Some(400)), "The HTTP status."))
        .property("detail", described(string(), "The error message."))
        .property(
            "instance",
            described(string(), "The request path the problem occurred on."),
        )
        .property("code", schema_ref(ERROR_CODE))
        .property("errors", details())
        .property("requestId", described(string(), "The request id."))
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .required("code")
        .required("errors");
    [
        (META, meta.build().into()),
        (OFFSET_PAGINATION, offset.build().into()),
        (CURSOR_PAGINATION, cursor.build().into()),
        (ERROR_CODE, code.build().into()),
        (FIELD_ERROR, field_error.build().into()),
        (ERROR_BODY, error_body.build().into()),
        (ERROR_ENVELOPE, error_envelope.build().into()),
        (PROBLEM, problem.build().into()),
    ]
    .into_iter()
    .map(|(name, schema): (&str, RefOr<Schema>)| (name.to_owned(), schema))
    .collect()
}

/// The JSON schema of a query-grammar field type, as used for filter and id
/// parameters.
pub fn field_type_schema(ty: FieldType) -> RefOr<Schema> {
    let format = |f: KnownFormat| Some(SchemaFormat::KnownFormat(f));
    let builder = match ty {
        FieldType::String => string(),
        FieldType::Int => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(format(KnownFormat::Int64)),
        FieldType::Float => ObjectBuilder::new()
            .schema_type(Type::Number)
            .format(format(KnownFormat::Double)),
        FieldType::Bool => ObjectBuilder::new().schema_type(Type::Boolean),
        FieldType::Uuid => string().format(format(KnownFormat::Uuid)),
        FieldType::Date => string().format(format(KnownFormat::Date)),
        FieldType::DateTime => string()
            .format(format(KnownFormat::DateTime))
            .description(Some(
                "RFC 3339 timestamp, or `YYYY-MM-DD` meaning midnight UTC.",
            )),
        FieldType::Enum(variants) => string().enum_values(Some(variants.iter().copied())),
        FieldType::Json => string().description(Some("Compared as JSON text.")),
    };
    builder.build().into()
}

/// `oneOf` the offset and cursor pages of `name`: what a list endpoint answers
/// (cursor mode when the request has a `cursor` parameter).
pub fn list_response_schema(name: &str) -> RefOr<Schema> {
    RefOr::T(Schema::OneOf(
        OneOfBuilder::new()
            .item(schema_ref(&page_name(name)))
            .item(schema_ref(&cursor_page_name(name)))
            .build(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_named_after_the_data_schema_and_reference_it() {
        let envelopes = envelope_schemas("Assignment");
        let names: Vec<&str> = envelopes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "AssignmentItemEnvelope",
                "AssignmentPage",
                "AssignmentCursorPage"
            ]
        );
        for (name, schema) in &envelopes {
            let json = serde_json::to_string(schema).unwrap();
            assert!(
                json.contains("\"#/components/schemas/Assignment\""),
                "{name}: {json}"
            );
        }
        let page = serde_json::to_value(&envelopes[1].1).unwrap();
        assert_eq!(
            page["properties"]["pagination"]["$ref"],
            "#/components/schemas/OffsetPagination"
        );
        assert_eq!(page["properties"]["data"]["type"], "array");
        let cursor = serde_json::to_value(&envelopes[2].1).unwrap();
        assert_eq!(
            cursor["properties"]["pagination"]["$ref"],
            "#/components/schemas/CursorPagination"
        );
    }

    #[test]
    fn error_code_enum_lists_every_code() {
        let schemas = contract_schemas();
        let (_, code) = schemas.iter().find(|(n, _)| n == ERROR_CODE).unwrap();
        let json = serde_json::to_value(code).unwrap();
        let listed: Vec<&str> = json["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all);
        assert!(listed.contains(&"VALIDATION_ERROR") && listed.contains(&"SERVICE_UNAVAILABLE"));
    }

    #[test]
    fn pagination_shapes_match_the_serialised_envelope() {
        let schemas = contract_schemas();
        let props = |name: &str| {
            let (_, s) = schemas.iter().find(|(n, _)| n == name).unwrap();
            let json = serde_json::to_value(s).unwrap();
            let mut keys: Vec<String> = json["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let offset = serde_json::to_value(crate::Pagination::offset(2, 20, 145)).unwrap();
        let mut keys: Vec<String> = offset.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(props(OFFSET_PAGINATION), keys);
        let cursor = serde_json::to_value(crate::Pagination::cursor(20, None)).unwrap();
        let mut keys: Vec<String> = cursor.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(props(CURSOR_PAGINATION), keys);
    }

    #[test]
    fn field_types_map_to_json_schema_types() {
        let json = |ty| serde_json::to_value(field_type_schema(ty)).unwrap();
        assert_eq!(json(FieldType::Uuid)["format"], "uuid");
        assert_eq!(json(FieldType::Int)["type"], "integer");
        assert_eq!(json(FieldType::Bool)["type"], "boolean");
        assert_eq!(
            json(FieldType::Enum(&["draft", "published"]))["enum"],
            serde_json::json!(["draft", "published"])
        );
    }
}
