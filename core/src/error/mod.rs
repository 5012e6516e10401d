//! The one HTTP-facing error type and its JSON envelope.
//!
//! Every failure a Strata application answers with, from a malformed body to a
//! database outage, is an [`AppError`]. It owns the mapping from failure to status
//! code and machine-readable [`ErrorCode`] (SPEC §3) in one place, and renders
//! either the Strata error envelope or RFC 9457 problem details when the client
//! sends `Accept: application/problem+json`.
//!
//! Module errors (sqlx, serde_json, axum's extractor rejections, validator) convert
//! into it with `From`, so handlers can use `?` everywhere.

mod app_error;
mod code;
mod convert;
mod render;

pub use app_error::{AppError, FieldError};
pub use code::ErrorCode;
pub(crate) use convert::{REFERENCE_CODE, REFERENCE_CONFLICT, REFERENCE_MESSAGE};
pub(crate) use render::{PROBLEM_JSON as PROBLEM_JSON_MEDIA_TYPE, render_error};
