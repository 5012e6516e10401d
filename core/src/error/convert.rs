//! `From` conversions from library errors into [`AppError`].

use std::borrow::Cow;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use heck::ToLowerCamelCase;
use http::StatusCode;

use super::{AppError, FieldError};

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => AppError::not_found(),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::unavailable("The database is unavailable")
            }
            sqlx::Error::Database(db) => from_database_error(db.as_ref())
                .unwrap_or_else(|| AppError::Internal(Box::new(sqlx::Error::Database(db)))),
            other => AppError::internal(other),
        }
    }
}

/// The message of a foreign-key violation (409).
pub(crate) const REFERENCE_CONFLICT: &str =
    "The write references a record that does not exist, or the record is still referenced";
/// The `details` code and message of a foreign-key violation's field.
pub(crate) const REFERENCE_CODE: &str = "reference";
pub(crate) const REFERENCE_MESSAGE: &str = "refers to a missing or still-referenced record";

/// Maps constraint violations and availability failures; `None` means "a bug".
fn from_database_error(db: &dyn sqlx::error::DatabaseError) -> Option<AppError> {
    use sqlx::error::ErrorKind;

    let field = violated_column(db).map(|c| c.to_lower_camel_case());
    let details = |code: &str, message: &str| {
        field
            .iter()
            .map(|f| FieldError::new(f.clone(), code, message))
            .collect::<Vec<_>>()
    };
    match db.kind() {
        ErrorKind::UniqueViolation => Some(AppError::Conflict {
            message: Cow::Owned(match &field {
                Some(f) => format!("A record with this {f} already exists"),
                None => "A record with these values already exists".to_owned(),
            }),
            details: details("unique", "is already taken"),
        }),
        ErrorKind::ForeignKeyViolation => Some(AppError::Conflict {
            message: Cow::Borrowed(REFERENCE_CONFLICT),
            details: details(REFERENCE_CODE, REFERENCE_MESSAGE),
        }),
        ErrorKind::NotNullViolation => Some(AppError::validation(details(
            "required",
            "must not be null",
        ))),
        ErrorKind::CheckViolation => Some(AppError::validation(details(
            "check",
            "breaks a database rule",
        ))),
        _ => match db.code().as_deref() {
            // Postgres: query_canceled (statement timeout), admin/crash shutdown,
            // cannot_connect_now, too_many_connections.
            Some("57014" | "57P01" | "57P02" | "57P03" | "53300") => {
                tracing::warn!(error = %db, "database unavailable");
                Some(AppError::unavailable("The database is unavailable"))
            }
            // SQLite: SQLITE_BUSY, SQLITE_LOCKED.
            Some("5" | "6") => Some(AppError::unavailable("The database is busy")),
            _ => None,
        },
    }
}

/// The column a constraint violation names, from either dialect's message.
fn violated_column(db: &dyn sqlx::error::DatabaseError) -> Option<String> {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(column) = pg.column() {
            return Some(column.to_owned());
        }
        // "Key (email)=(a@b.c) already exists." / "Key (student_id)=(…) is not present …"
        let detail = pg.detail()?;
        let start = detail.find("Key (")? + "Key (".len();
        let end = start + detail[start..].find(')')?;
        let columns = &detail[start..end];
        return Some(columns.split(',').next()?.trim().to_owned());
    }
    // SQLite: "UNIQUE constraint failed: users.email" / "NOT NULL constraint failed: t.c"
    let message = db.message();
    let (_, rest) = message.split_once("constraint failed: ")?;
    let first = rest.split(',').next()?.trim();
    Some(first.rsplit('.').next()?.to_owned())
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::bad_request(format!("Invalid JSON: {err}"))
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge(Cow::Borrowed("The request body is too large"))
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(Cow::Borrowed(
                "Expected a request with `Content-Type: application/json`",
            )),
            // Syntax errors and type errors alike are malformed input (400), not rule
            // violations (422): the SPEC reserves 422 for well-formed input.
            _ => AppError::bad_request(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::bad_request(rejection.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        match rejection {
            PathRejection::FailedToDeserializePathParams(inner) => {
                AppError::bad_request(inner.body_text())
            }
            other => AppError::internal(other.body_text()),
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut details = Vec::new();
        collect_validation(&errors, "", &mut details);
        AppError::Validation(details)
    }
}

fn collect_validation(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;

    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (name, kind) in fields {
        let field = format!("{prefix}{}", name.to_lower_camel_case());
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| {
                let message = e
                    .message
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| format!("failed the `{}` rule", e.code));
                FieldError::new(field.clone(), e.code.to_string(), message)
            })),
            ValidationErrorsKind::Struct(inner) => {
                collect_validation(inner, &format!("{field}."), out);
            }
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation(inner, &format!("{field}[{index}]."), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use validator::Validate;

    #[derive(Validate)]
    struct Input {
        #[validate(length(min = 1, message = "must not be empty"))]
        title: String,
        #[validate(range(min = 1))]
        due_in_days: i32,
    }

    #[test]
    fn validation_errors_list_every_field_in_camel_case() {
        let err: AppError = Input {
            title: String::new(),
            due_in_days: 0,
        }
        .validate()
        .unwrap_err()
        .into();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        let fields: Vec<_> = err.details().iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["dueInDays", "title"]);
        assert_eq!(err.details()[1].message, "must not be empty");
        assert_eq!(err.details()[0].code, "range");
    }

    #[test]
    fn row_not_found_is_404_and_pool_timeout_is_503() {
        assert_eq!(
            AppError::from(sqlx::Error::RowNotFound).code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            AppError::from(sqlx::Error::PoolTimedOut).code(),
            ErrorCode::ServiceUnavailable
        );
    }
}
