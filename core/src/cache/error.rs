//! The error every cache backend reports.

use std::time::Duration;

use crate::error::AppError;

/// A boxed error from a backend's client library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a cache operation failed.
///
/// [`CacheAside`](super::CacheAside) never lets one of these reach a request: it logs
/// it and falls through to the loader. Code that calls a [`Cache`](super::Cache)
/// directly can use `?` into [`AppError`] (a 503 for outages, a 500 otherwise).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The backend could not be reached (connection refused, reset, or dropped).
    #[error("{backend} cache unavailable")]
    Unavailable {
        /// Which backend, e.g. `"redis"`.
        backend: &'static str,
        /// The client library's error.
        #[source]
        source: BoxError,
    },

    /// The backend did not answer in time.
    #[error("{backend} cache {operation} timed out after {after:?}")]
    Timeout {
        /// Which backend, e.g. `"redis"`.
        backend: &'static str,
        /// The operation that timed out (`"get"`, `"set"`, `"delete"`, `"connect"`).
        operation: &'static str,
        /// The limit that was exceeded.
        after: Duration,
    },

    /// The backend answered with an error (wrong type, out of memory, bad URL…).
    #[error("{backend} cache error")]
    Backend {
        /// Which backend, e.g. `"redis"`.
        backend: &'static str,
        /// The client library's error.
        #[source]
        source: BoxError,
    },

    /// A value could not be encoded to or decoded from JSON.
    #[error("cached value is not valid JSON for the requested type")]
    Json(#[from] serde_json::Error),
}

impl CacheError {
    /// Whether this error means the backend is down or slow, rather than a bad value.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Timeout { .. })
    }

    /// This error and its sources on one line, `outer: inner: innermost`, for logs.
    pub fn report(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(err) = source {
            line.push_str(": ");
            line.push_str(&err.to_string());
            source = err.source();
        }
        line
    }
}

impl From<CacheError> for AppError {
    fn from(err: CacheError) -> Self {
        if err.is_outage() {
            tracing::warn!(error = %err, "cache unavailable");
            AppError::unavailable("The cache is unavailable")
        } else {
            AppError::internal(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_become_503_and_bad_values_500() {
        let timeout = CacheError::Timeout {
            backend: "redis",
            operation: "get",
            after: Duration::from_millis(250),
        };
        assert!(timeout.is_outage());
        assert_eq!(timeout.to_string(), "redis cache get timed out after 250ms");
        assert_eq!(AppError::from(timeout).status(), 503);

        let json = serde_json::from_str::<u32>("x").map(|_| ()).unwrap_err();
        let err = CacheError::from(json);
        assert!(!err.is_outage());
        assert_eq!(AppError::from(err).status(), 500);
    }
}
