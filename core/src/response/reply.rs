use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::{Envelope, Pagination};
use crate::AppError;

fn json_response<T: Serialize>(status: StatusCode, envelope: &Envelope<T>) -> Response {
    match serde_json::to_vec(envelope) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(err) => AppError::internal(err).into_response(),
    }
}

/// 200 with one item in the envelope.
#[derive(Debug, Clone)]
pub struct Item<T>(pub T);

impl<T: Serialize> IntoResponse for Item<T> {
    fn into_response(self) -> Response {
        json_response(StatusCode::OK, &Envelope::new(self.0))
    }
}

/// 201 with the created item and a `Location` header.
#[derive(Debug, Clone)]
pub struct Created<T> {
    location: String,
    item: T,
}

impl<T> Created<T> {
    /// The item created at `location` (e.g. `/api/v1/assignments/{id}`).
    pub fn new(location: impl Into<String>, item: T) -> Self {
        Self {
            location: location.into(),
            item,
        }
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut response = json_response(StatusCode::CREATED, &Envelope::new(self.item));
        match HeaderValue::try_from(self.location) {
            Ok(location) => {
                response.headers_mut().insert(header::LOCATION, location);
                response
            }
            Err(err) => AppError::internal(err).into_response(),
        }
    }
}

/// 204 with no body.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// 200 with a page of items and its pagination.
#[derive(Debug, Clone)]
pub struct List<T> {
    items: Vec<T>,
    pagination: Pagination,
}

impl<T> List<T> {
    /// A page of `items` described by `pagination`.
    pub fn new(items: Vec<T>, pagination: Pagination) -> Self {
        Self { items, pagination }
    }
}

impl<T: Serialize> IntoResponse for List<T> {
    fn into_response(self) -> Response {
        json_response(
            StatusCode::OK,
            &Envelope::paginated(self.items, self.pagination),
        )
    }
}
