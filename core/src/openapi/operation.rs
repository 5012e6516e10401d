//! Building blocks for documenting one operation: error responses that reference
//! the contract's schemas, enveloped success responses, JSON bodies, headers and
//! the bearer security requirement.
//!
//! Hand-written routes use these with [`OpenApiRegistry::path`](super::OpenApiRegistry::path):
//!
//! ```
//! use strata::ErrorCode;
//! use strata::openapi::{OpenApiRegistry, operation};
//! use strata::openapi::utoipa::openapi::HttpMethod;
//!
//! let mut registry = OpenApiRegistry::new("Classroom", "1.0.0");
//! let op = operation::builder("getStats", "stats", "Classroom statistics")
//!     .response("200", operation::item_response("The statistics", "Stats"))
//!     .security(operation::bearer());
//! let op = operation::with_errors(op, &[ErrorCode::AuthenticationError, ErrorCode::InternalError]);
//! registry.path("/api/v1/stats", HttpMethod::Get, op.build());
//! ```

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    OperationBuilder, Parameter, ParameterBuilder, ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, RefOr, Required, Response, ResponseBuilder, Type};

use super::schemas::{self, ERROR_ENVELOPE, PROBLEM, schema_ref};
use crate::error::ErrorCode;

/// Name of the HTTP bearer (JWT) security scheme in `components.securitySchemes`.
pub const BEARER_AUTH: &str = "bearerAuth";

/// The media type of every request and success body.
pub const JSON: &str = "application/json";

/// An operation with its id, one tag and a summary.
pub fn builder(operation_id: &str, tag: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(operation_id))
        .tag(tag)
        .summary(Some(summary))
}

/// `security: [{bearerAuth: []}]`.
pub fn bearer() -> SecurityRequirement {
    SecurityRequirement::new(BEARER_AUTH, Vec::<String>::new())
}

/// The error response for `code`: the [`ErrorEnvelope`](schemas::ERROR_ENVELOPE)
/// as `application/json`, [`Problem`](schemas::PROBLEM) as
/// `application/problem+json`, and the headers the contract promises
/// (`WWW-Authenticate` on 401, `Retry-After` on 429, `Allow` on 405).
pub fn error_response(code: ErrorCode) -> Response {
    let description = match code {
        ErrorCode::BadRequest => {
            "Malformed JSON, wrong JSON types, bad query syntax, or an unknown filter/sort field or operator (`BAD_REQUEST`)."
        }
        ErrorCode::AuthenticationError => {
            "No, malformed, expired or invalid credentials (`AUTHENTICATION_ERROR`)."
        }
        ErrorCode::Forbidden => "Authenticated, but the permission is missing (`FORBIDDEN`).",
        ErrorCode::NotFound => {
            "No such route or row, or a row the caller may not see (`NOT_FOUND`)."
        }
        ErrorCode::MethodNotAllowed => "Method not allowed on this path (`METHOD_NOT_ALLOWED`).",
        ErrorCode::Conflict => "Unique violation or duplicate (`CONFLICT`).",
        ErrorCode::PreconditionFailed => {
            "`If-Match` does not match the current ETag (`PRECONDITION_FAILED`)."
        }
        ErrorCode::PayloadTooLarge => "Body over the size limit (`PAYLOAD_TOO_LARGE`).",
        ErrorCode::UnsupportedMediaType => {
            "Body is not JSON where JSON is required (`UNSUPPORTED_MEDIA_TYPE`)."
        }
        ErrorCode::ValidationError => {
            "Well-formed input that breaks a rule; `details` lists every failing field (`VALIDATION_ERROR`)."
        }
        ErrorCode::RateLimited => "Quota exhausted; retry after `Retry-After` (`RATE_LIMITED`).",
        ErrorCode::InternalError => "Unexpected error; the message is generic (`INTERNAL_ERROR`).",
        ErrorCode::ServiceUnavailable => {
            "Database or Redis unreachable, timeout, or shutting down (`SERVICE_UNAVAILABLE`)."
        }
    };
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema_ref(ERROR_ENVELOPE))))
        .content(
            "application/problem+json",
            Content::new(Some(schema_ref(PROBLEM))),
        );
    let header = |description: &str, schema: ObjectBuilder| {
        HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(description))
            .build()
    };
    let string = || ObjectBuilder::new().schema_type(Type::String);
    match code {
        ErrorCode::AuthenticationError => {
            response = response.header(
                "WWW-Authenticate",
                header("The scheme to authenticate with: `Bearer`.", string()),
            );
        }
        ErrorCode::RateLimited => {
            response = response.header(
                "Retry-After",
                header(
                    "Seconds until the quota allows another request.",
                    ObjectBuilder::new().schema_type(Type::Integer),
                ),
            );
        }
        ErrorCode::MethodNotAllowed => {
            response = response.header("Allow", header("The methods this path allows.", string()));
        }
        _ => {}
    }
    response.build()
}

/// Adds one [`error_response`] per code, keyed by its status.
pub fn with_errors(mut operation: OperationBuilder, codes: &[ErrorCode]) -> OperationBuilder {
    for &code in codes {
        operation = operation.response(code.status().as_u16().to_string(), error_response(code));
    }
    operation
}

/// A success response whose body is `{schema_name}ItemEnvelope`.
pub fn item_response(description: &str, schema_name: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            JSON,
            Content::new(Some(schema_ref(&schemas::item_envelope_name(schema_name)))),
        )
        .build()
}

/// A response with no body (204, 304).
pub fn empty_response(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// A required JSON request body of the given schema.
pub fn json_body(description: &str, schema: RefOr<Schema>) -> RequestBody {
    RequestBodyBuilder::new()
        .description(Some(description))
        .required(Some(Required::True))
        .content(JSON, Content::new(Some(schema)))
        .build()
}

/// A string header for a response (`ETag`, `Location`).
pub fn string_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build()
}

/// A query parameter.
pub fn query_param(name: &str, description: &str, schema: RefOr<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A query parameter holding a comma-separated list (`style: form`, `explode: false`).
pub fn query_list_param(name: &str, description: &str, items: RefOr<Schema>) -> Parameter {
    let array = utoipa::openapi::schema::ArrayBuilder::new()
        .items(items)
        .build();
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(array))
        .style(Some(ParameterStyle::Form))
        .explode(Some(false))
        .build()
}

/// A required path parameter.
pub fn path_param(name: &str, description: &str, schema: RefOr<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// An optional string request header (`If-Match`, `If-None-Match`).
pub fn header_param(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_responses_reference_the_envelope_and_problem() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(error_response(code)).unwrap();
            assert_eq!(
                json["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope"
            );
            assert_eq!(
                json["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem"
            );
            assert!(
                json["description"]
                    .as_str()
                    .unwrap()
                    .contains(code.as_str())
            );
        }
        let limited = serde_json::to_value(error_response(ErrorCode::RateLimited)).unwrap();
        assert!(limited["headers"]["Retry-After"].is_object());
        let unauth = serde_json::to_value(error_response(ErrorCode::AuthenticationError)).unwrap();
        assert!(unauth["headers"]["WWW-Authenticate"].is_object());
    }
}
