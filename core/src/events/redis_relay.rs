//! Redis pub/sub transport for the [`EventBus`](super::EventBus).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::Event;

/// Publishes to and relays from one Redis channel; the relay task stops when
/// this is dropped.
pub(super) struct RedisRelay {
    channel: String,
    publisher: ConnectionManager,
    relay: JoinHandle<()>,
}

impl std::fmt::Debug for RedisRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRelay")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// How long start-up waits for the first subscription.
const READY_WAIT: Duration = Duration::from_secs(2);
/// Pause between reconnection attempts.
const RETRY: Duration = Duration::from_millis(500);
/// Bound on one publish.
const PUBLISH_TIMEOUT: Duration = Duration::from_millis(500);

impl RedisRelay {
    pub(super) async fn start(
        url: &str,
        namespace: &str,
        local: broadcast::Sender<Arc<Event>>,
    ) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let channel = format!("strata:{namespace}:events");
        // Few, short reconnect attempts: a publish must never hold a write's
        // response for long while Redis is down (it is bounded again below).
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(PUBLISH_TIMEOUT))
            .set_response_timeout(Some(PUBLISH_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let publisher = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let (ready, mut on_ready) = watch::channel(false);
        let relay = tokio::spawn(relay(client, channel.clone(), local, ready));
        let _ = tokio::time::timeout(READY_WAIT, on_ready.wait_for(|r| *r)).await;
        Ok(Self {
            channel,
            publisher,
            relay,
        })
    }

    /// One publish, bounded to [`PUBLISH_TIMEOUT`] in all (a reconnect
    /// included): the caller falls back to this instance's subscribers.
    pub(super) async fn publish(&self, event: &Event) -> Result<(), redis::RedisError> {
        let payload = serde_json::to_string(event).map_err(|e| {
            redis::RedisError::from((redis::ErrorKind::Client, "serialise", e.to_string()))
        })?;
        let mut connection = self.publisher.clone();
        let publish = connection.publish::<_, _, i64>(&self.channel, payload);
        match tokio::time::timeout(PUBLISH_TIMEOUT, publish).await {
            Ok(result) => result.map(|_| ()),
            Err(_) => Err(redis::RedisError::from((
                redis::ErrorKind::Io,
                "publish timed out",
                format!("no answer within {PUBLISH_TIMEOUT:?}"),
            ))),
        }
    }
}

impl Drop for RedisRelay {
    fn drop(&mut self) {
        self.relay.abort();
    }
}

/// Subscribes to `channel` and forwards every message to `local`, reconnecting
/// after failures.
async fn relay(
    client: redis::Client,
    channel: String,
    local: broadcast::Sender<Arc<Event>>,
    ready: watch::Sender<bool>,
) {
    let mut warned = false;
    loop {
        match subscribe(&client, &channel).await {
            Ok(pubsub) => {
                if warned {
                    tracing::info!(%channel, "event relay reconnected to Redis");
                }
                warned = false;
                let _ = ready.send(true);
                let mut messages = pubsub.into_on_message();
                while let Some(message) = messages.next().await {
                    let payload: Vec<u8> = message.get_payload_bytes().to_vec();
                    match serde_json::from_slice::<Event>(&payload) {
                        Ok(event) => {
                            let _ = local.send(Arc::new(event));
                        }
                        Err(error) => {
                            tracing::warn!(%error, %channel, "ignoring a malformed event message");
                        }
                    }
                }
                tracing::warn!(%channel, "lost the Redis event subscription; reconnecting");
            }
            Err(error) => {
                if !warned {
                    tracing::warn!(%error, %channel, "cannot subscribe to Redis events; retrying");
                    warned = true;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> Result<redis::aio::PubSub, redis::RedisError> {
    let mut pubsub = tokio::time::timeout(Duration::from_secs(1), client.get_async_pubsub())
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "connect timed out")))??;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}
