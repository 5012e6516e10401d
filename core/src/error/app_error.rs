use std::borrow::Cow;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use serde::Serialize;

use super::{ErrorCode, render_error};

/// One problem with one input field, listed in `error.details`.
///
/// `field` is the camelCase name the client sent (`dueDate`), `code` a stable
/// machine-readable rule name (`future`, `length`, `unique`), `message` a sentence
/// for humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The camelCase field (or query parameter) name.
    pub field: String,
    /// The rule that failed, e.g. `"required"` or `"future"`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error from its three parts.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Everything a Strata application can answer with instead of success.
///
/// Each variant maps to exactly one [`ErrorCode`] and status (see
/// [`AppError::code`]). Converting to a response renders the JSON error envelope,
/// or RFC 9457 problem details when the client asked for them. Internal errors are
/// logged with their source and answered with a generic message.
///
/// ```
/// use strata::{AppError, FieldError};
///
/// fn check_title(title: &str) -> Result<(), AppError> {
///     if title.is_empty() {
///         return Err(AppError::validation([FieldError::new(
///             "title", "required", "must not be empty",
///         )]));
///     }
///     Ok(())
/// }
/// assert!(check_title("").is_err());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// 400: the request is malformed (bad JSON, bad query, unknown field or operator).
    #[error("{message}")]
    BadRequest {
        /// What is wrong, for humans.
        message: Cow<'static, str>,
        /// The offending parameters, when known.
        details: Vec<FieldError>,
    },
    /// 401: no, malformed, expired or invalid credentials.
    #[error("{0}")]
    Authentication(Cow<'static, str>),
    /// 403: authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    /// 404: no such route or row (or one the caller may not see).
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    /// 405: the route does not accept this method.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// 409: the write conflicts with existing data (e.g. a unique violation).
    #[error("{message}")]
    Conflict {
        /// What conflicts, for humans.
        message: Cow<'static, str>,
        /// The conflicting fields, when known.
        details: Vec<FieldError>,
    },
    /// 412: a precondition (`If-Match`, a stale `version`) does not hold.
    #[error("{0}")]
    PreconditionFailed(Cow<'static, str>),
    /// 413: the request body is over the limit.
    #[error("{0}")]
    PayloadTooLarge(Cow<'static, str>),
    /// 415: the body is not of a supported media type.
    #[error("{0}")]
    UnsupportedMediaType(Cow<'static, str>),
    /// 422: well-formed input that breaks rules; lists every failing field.
    #[error("Validation failed")]
    Validation(Vec<FieldError>),
    /// 429: quota exhausted; `Retry-After` is set from the duration.
    #[error("Too many requests")]
    RateLimited {
        /// How long until a request may succeed again.
        retry_after: Duration,
    },
    /// 503: a dependency is unreachable or the server is shutting down.
    #[error("{message}")]
    Unavailable {
        /// Which dependency failed, for humans.
        message: Cow<'static, str>,
        /// One entry per failed check, when known.
        details: Vec<FieldError>,
    },
    /// 500: a bug or an unexpected failure. The source is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// A 400 with a message and no field details.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A 400 naming the one query parameter or field at fault.
    pub fn bad_parameter(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let detail = FieldError::new(field, code, message);
        Self::BadRequest {
            message: Cow::Owned(format!("Invalid parameter `{}`", detail.field)),
            details: vec![detail],
        }
    }

    /// A 404 with the default message.
    pub fn not_found() -> Self {
        Self::NotFound(Cow::Borrowed("Resource not found"))
    }

    /// A 401 with a message.
    pub fn unauthenticated(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Authentication(message.into())
    }

    /// A 403 with a message.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Forbidden(message.into())
    }

    /// A 409 with a message and no field details.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A 422 listing every failing field.
    pub fn validation(details: impl IntoIterator<Item = FieldError>) -> Self {
        Self::Validation(details.into_iter().collect())
    }

    /// A 503 naming what is unavailable.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Unavailable {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A 500 wrapping any error; the error is logged, the client sees a generic message.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(source.into())
    }

    /// The machine-readable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { .. } => ErrorCode::BadRequest,
            Self::Authentication(_) => ErrorCode::AuthenticationError,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::PreconditionFailed(_) => ErrorCode::PreconditionFailed,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::Validation(_) => ErrorCode::ValidationError,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable { .. } => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> http::StatusCode {
        self.code().status()
    }

    /// The field details sent in `error.details` (empty for most variants).
    pub fn details(&self) -> &[FieldError] {
        match self {
            Self::BadRequest { details, .. }
            | Self::Conflict { details, .. }
            | Self::Unavailable { details, .. }
            | Self::Validation(details) => details,
            _ => &[],
        }
    }

    /// The message sent to the client. Internal errors never expose their source.
    pub fn public_message(&self) -> Cow<'_, str> {
        match self {
            Self::Internal(_) => Cow::Borrowed("An unexpected error occurred"),
            other => Cow::Owned(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(source) = &self {
            tracing::error!(error = %source, source = ?source, "internal error");
        }
        let code = self.code();
        let mut response =
            render_error(code.status(), code, &self.public_message(), self.details());
        let headers = response.headers_mut();
        match &self {
            Self::Authentication(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::RateLimited { retry_after } => {
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_source() {
        let err = AppError::internal("password=hunter2 in connection string");
        assert_eq!(err.public_message(), "An unexpected error occurred");
        assert_eq!(err.code(), ErrorCode::InternalError);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let response = AppError::RateLimited {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
