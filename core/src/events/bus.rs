//! The event bus: a tokio broadcast channel, optionally fed through Redis.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::Event;
use super::redis_relay::RedisRelay;

/// Carries [`Event`]s from the writes that produce them to every subscriber.
///
/// In process by default ([`EventBus::in_process`]); with
/// [`EventBus::redis`] a publish goes to a Redis channel and every instance
/// subscribed to that channel (same URL and namespace) delivers it to its own
/// subscribers — this instance's included, so each event reaches each local
/// subscriber exactly once. When Redis cannot be reached the event is delivered
/// locally only, and a warning is logged.
///
/// Cloning is one reference-count increment.
#[derive(Debug, Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    local: broadcast::Sender<Arc<Event>>,
    redis: Option<RedisRelay>,
}

impl EventBus {
    /// A bus inside this process, buffering up to `capacity` events per slow
    /// subscriber.
    pub fn in_process(capacity: usize) -> Self {
        let (local, _) = broadcast::channel(capacity.max(1));
        Self {
            inner: Arc::new(Inner { local, redis: None }),
        }
    }

    /// A bus shared through Redis pub/sub on channel `strata:<namespace>:events`.
    ///
    /// Waits (briefly) until this instance is subscribed, so an event published
    /// right after start-up is not missed; if Redis is down it keeps retrying in
    /// the background and the bus works in process meanwhile.
    ///
    /// # Errors
    /// `url` is not a valid Redis URL.
    pub async fn redis(
        url: &str,
        namespace: &str,
        capacity: usize,
    ) -> Result<Self, redis::RedisError> {
        let (local, _) = broadcast::channel(capacity.max(1));
        let relay = RedisRelay::start(url, namespace, local.clone()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                local,
                redis: Some(relay),
            }),
        })
    }

    /// Whether events travel through Redis.
    pub fn is_shared(&self) -> bool {
        self.inner.redis.is_some()
    }

    /// A new subscription: every event published after this call.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.local.subscribe()
    }

    /// Publishes `event` to every subscriber (of every instance, with Redis).
    /// Never fails: delivery problems are logged.
    pub async fn publish(&self, event: Event) {
        if let Some(relay) = &self.inner.redis {
            match relay.publish(&event).await {
                Ok(()) => return,
                Err(error) => tracing::warn!(
                    %error,
                    event = %event.kind,
                    "cannot publish the event to Redis; delivering it to this instance only"
                ),
            }
        }
        // No receivers is not an error: nobody is listening.
        let _ = self.inner.local.send(Arc::new(event));
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::in_process(1024)
    }
}
