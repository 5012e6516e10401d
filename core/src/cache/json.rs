//! Typed access to a [`Cache`] through JSON.

use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

use super::{Cache, CacheError};

/// The value under `key` decoded from JSON, or `None` when absent or expired.
///
/// # Errors
/// The backend's error, or [`CacheError::Json`] when the stored bytes do not
/// decode as `T`.
pub async fn get_json<T, C>(cache: &C, key: &str) -> Result<Option<T>, CacheError>
where
    T: DeserializeOwned,
    C: Cache + ?Sized,
{
    match cache.get(key).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Store `value` as JSON under `key` for `ttl`.
///
/// # Errors
/// [`CacheError::Json`] when `value` cannot be encoded, or the backend's error.
pub async fn set_json<T, C>(
    cache: &C,
    key: &str,
    value: &T,
    ttl: Duration,
) -> Result<(), CacheError>
where
    T: Serialize + ?Sized,
    C: Cache + ?Sized,
{
    let bytes = serde_json::to_vec(value)?;
    cache.set(key, &bytes, ttl).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde::Deserialize;

    use super::*;
    use crate::cache::MokaCache;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Course {
        id: i64,
        title: String,
    }

    #[tokio::test]
    async fn round_trips_through_a_dyn_cache() {
        let cache: Arc<dyn Cache> = Arc::new(MokaCache::new(1 << 20));
        let course = Course {
            id: 7,
            title: "Rust".into(),
        };
        set_json(cache.as_ref(), "course:7", &course, Duration::from_secs(60))
            .await
            .unwrap();
        let back: Option<Course> = get_json(cache.as_ref(), "course:7").await.unwrap();
        assert_eq!(back, Some(course));
        let absent: Option<Course> = get_json(cache.as_ref(), "course:8").await.unwrap();
        assert_eq!(absent, None);
    }

    #[tokio::test]
    async fn wrong_type_is_a_json_error() {
        let cache = MokaCache::new(1 << 20);
        cache
            .set("k", b"\"text\"", Duration::from_secs(60))
            .await
            .unwrap();
        let err = get_json::<u32, _>(&cache, "k").await.unwrap_err();
        assert!(matches!(err, CacheError::Json(_)), "{err:?}");
    }
}
