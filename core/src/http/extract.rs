//! Extractors whose rejections are [`AppError`] envelopes instead of plain text.
//!
//! Use these in place of axum's `Json`, `Query` and `Path`: a malformed body, a
//! wrong JSON type or a bad path parameter then answers with the Strata error
//! envelope and the SPEC's status (400 for malformed input, 413, 415).

use axum::extract::{FromRequest, FromRequestParts};

use crate::AppError;

/// A JSON request body; rejections are 400/413/415 envelopes.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

/// Query-string parameters; rejections are 400 envelopes.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// Path parameters; rejections are 400 envelopes.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);
