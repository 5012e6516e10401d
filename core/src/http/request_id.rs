//! `x-request-id`: accept a sane incoming id or mint a UUID, echo it on the response.

use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::RequestContext;

/// The header carrying the request id in both directions.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming request id that is kept; longer ones are replaced.
const MAX_LEN: usize = 128;

/// The id of one request, as stored in request extensions and the request context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Keeps `value` when it is a sane token (1–128 visible ASCII characters from
    /// `A-Z a-z 0-9 - _ . : + / = @`), else mints a new UUID v4.
    pub fn from_incoming(value: Option<&HeaderValue>) -> Self {
        match value {
            Some(v) if is_sane(v.as_bytes()) => Self(v.clone()),
            _ => Self::generate(),
        }
    }

    /// A fresh random id.
    pub fn generate() -> Self {
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        // A hyphenated UUID is always a valid header value.
        Self(HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid")))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII ids are ever stored, see `is_sane` and `generate`.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_sane(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.len() <= MAX_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=@".contains(b))
}

/// Assigns every request an id and makes it the request's [`RequestContext`].
///
/// The id is written to the request's `x-request-id` header and extensions
/// (as [`RequestId`]) and echoed on the response.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer {
    type Service = SetRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetRequestId { inner }
    }
}

/// The service made by [`RequestIdLayer`].
#[derive(Debug, Clone)]
pub struct SetRequestId<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SetRequestId<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let id = RequestId::from_incoming(req.headers().get(&X_REQUEST_ID));
        req.headers_mut()
            .insert(X_REQUEST_ID.clone(), id.header_value().clone());
        let context = RequestContext::new(id.clone(), req.headers(), req.uri().path());
        req.extensions_mut().insert(id.clone());
        ResponseFuture {
            inner: context.scope(self.inner.call(req)),
            id: Some(id),
        }
    }
}

pin_project! {
    /// The response future of [`SetRequestId`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: tokio::task::futures::TaskLocalFuture<RequestContext, F>,
        id: Option<RequestId>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            response
                .headers_mut()
                .insert(X_REQUEST_ID.clone(), id.header_value().clone());
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids_are_kept() {
        let v = HeaderValue::from_static("abc-123_x.y:z");
        assert_eq!(RequestId::from_incoming(Some(&v)).as_str(), "abc-123_x.y:z");
    }

    #[test]
    fn insane_ids_are_replaced() {
        for bad in ["", "has space", "semi;colon", &"x".repeat(129)] {
            let v = HeaderValue::from_str(bad).unwrap();
            let id = RequestId::from_incoming(Some(&v));
            assert_ne!(id.as_str(), bad);
            assert!(uuid::Uuid::parse_str(id.as_str()).is_ok());
        }
        let max = "y".repeat(128);
        let v = HeaderValue::from_str(&max).unwrap();
        assert_eq!(RequestId::from_incoming(Some(&v)).as_str(), max);
    }
}
