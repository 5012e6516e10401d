//! Rendering an error as the Strata envelope or as RFC 9457 problem details.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::{ErrorCode, FieldError};
use crate::http::RequestContext;
use crate::response::Meta;

/// `application/problem+json`, the media type of RFC 9457 problem details.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    success: bool,
    error: ErrorBody<'a>,
    meta: Meta,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
    details: &'a [FieldError],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<&'a str>,
    code: &'static str,
    errors: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

/// Renders one error in the format the current request asked for.
///
/// Reads the request context (request id, `Accept`) when called inside a request;
/// outside one (in a unit test, say) it renders the envelope without a request id.
pub(crate) fn render_error(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    details: &[FieldError],
) -> Response {
    let context = RequestContext::current();
    let wants_problem = context.as_ref().is_some_and(RequestContext::wants_problem);
    let request_id = context.as_ref().map(|c| c.request_id().as_str());

    let (body, content_type) = if wants_problem {
        let problem = Problem {
            kind: format!(
                "urn:strata:error:{}",
                code.as_str().to_ascii_lowercase().replace('_', "-")
            ),
            title: code.title(),
            status: status.as_u16(),
            detail: message,
            instance: context.as_ref().map(RequestContext::path),
            code: code.as_str(),
            errors: details,
            request_id,
        };
        (serde_json::to_vec(&problem), PROBLEM_JSON)
    } else {
        let envelope = ErrorEnvelope {
            success: false,
            error: ErrorBody {
                code: code.as_str(),
                message,
                details,
            },
            meta: Meta::now(request_id),
        };
        (serde_json::to_vec(&envelope), "application/json")
    };

    match body {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response(),
        // Serialising plain strings and numbers cannot fail; answer something sane anyway.
        Err(_) => status.into_response(),
    }
}
