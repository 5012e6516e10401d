use http::StatusCode;

/// The machine-readable error codes of the HTTP contract, one per status class.
///
/// The string form ([`ErrorCode::as_str`]) is what clients see in `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: malformed JSON, wrong JSON types, bad query syntax, unknown filter/sort field.
    BadRequest,
    /// 401: missing, malformed, expired or invalid credentials.
    AuthenticationError,
    /// 403: authenticated, but a permission is missing.
    Forbidden,
    /// 404: no such route or row, or a row the caller may not see.
    NotFound,
    /// 405: the route exists but not for this method.
    MethodNotAllowed,
    /// 409: unique violation or other conflict with the current state.
    Conflict,
    /// 412: `If-Match` does not match the current ETag.
    PreconditionFailed,
    /// 413: the body is over the configured limit.
    PayloadTooLarge,
    /// 415: the body is not JSON where JSON is required.
    UnsupportedMediaType,
    /// 422: well-formed input that breaks a rule.
    ValidationError,
    /// 429: quota exhausted.
    RateLimited,
    /// 500: anything unexpected.
    InternalError,
    /// 503: a dependency is unreachable, or the server is shutting down.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, in the order of SPEC §3's table.
    pub const ALL: [Self; 13] = [
        Self::BadRequest,
        Self::AuthenticationError,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::PreconditionFailed,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationError,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    /// The code as it appears in the envelope, e.g. `"VALIDATION_ERROR"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::AuthenticationError => "AUTHENTICATION_ERROR",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict => "CONFLICT",
            Self::PreconditionFailed => "PRECONDITION_FAILED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    /// The HTTP status this code is always answered with.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::AuthenticationError => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ValidationError => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code for a status produced outside Strata (for example by a tower layer).
    ///
    /// Statuses without a row of their own fall back to their class: other 4xx to
    /// `BAD_REQUEST`, other 5xx to `INTERNAL_ERROR` (504 to `SERVICE_UNAVAILABLE`).
    pub const fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::AuthenticationError,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationError,
            429 => Self::RateLimited,
            503 | 504 => Self::ServiceUnavailable,
            400..=499 => Self::BadRequest,
            _ => Self::InternalError,
        }
    }

    /// A short human title for the code, used as the problem-details `title`.
    pub const fn title(self) -> &'static str {
        match self {
            Self::BadRequest => "Bad request",
            Self::AuthenticationError => "Authentication required",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::ValidationError => "Validation failed",
            Self::RateLimited => "Too many requests",
            Self::InternalError => "Internal server error",
            Self::ServiceUnavailable => "Service unavailable",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_status() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_status(code.status()), code, "{code}");
        }
        let distinct: std::collections::HashSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(distinct.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn unknown_statuses_fall_back_to_their_class() {
        assert_eq!(
            ErrorCode::from_status(StatusCode::IM_A_TEAPOT),
            ErrorCode::BadRequest
        );
        assert_eq!(
            ErrorCode::from_status(StatusCode::BAD_GATEWAY),
            ErrorCode::InternalError
        );
        assert_eq!(
            ErrorCode::from_status(StatusCode::GATEWAY_TIMEOUT),
            ErrorCode::ServiceUnavailable
        );
    }
}
