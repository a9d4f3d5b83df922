//! The Redis bus: PUBLISH on `{prefix}match:{id}`; every node holds one pattern subscription
//! and, when it is cut, reconnects with backoff and asks its sink to resync every match.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{route_of, BusMessage, BusSink};
use crate::redis_link::RedisLink;

#[derive(Clone)]
pub struct RedisBus {
    link: Arc<RedisLink>,
}

impl RedisBus {
    pub fn new(link: Arc<RedisLink>) -> Self {
        Self { link }
    }

    pub fn channel(&self, match_id: i64) -> String {
        self.link.key(format_args!("match:{match_id}"))
    }

    pub async fn publish(&self, msg: BusMessage) {
        let channel = self.channel(msg.match_id);
        let payload = msg.payload.clone();
        let sent = self
            .link
            .call(|mut c| async move {
                redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(payload.as_ref())
                    .query_async::<i64>(&mut c)
                    .await
            })
            .await;
        if let Err(e) = sent {
            metrics::counter!("crease_bus_publish_failures_total", "bus" => "redis").increment(1);
            tracing::debug!(error = %e, match_id = msg.match_id, "publish failed");
        }
    }

    /// Runs the node's subscription until shutdown.
    pub async fn run_subscriber(self, sink: Arc<dyn BusSink>, shutdown: CancellationToken) {
        let pattern = self.link.key(format_args!("match:*"));
        let mut backoff = Duration::from_millis(100);
        loop {
            let connected = tokio::select! {
                _ = shutdown.cancelled() => return,
                c = tokio::time::timeout(Duration::from_secs(2), self.subscribe(&pattern)) => c,
            };
            match connected {
                Ok(Ok(pubsub)) => {
                    backoff = Duration::from_millis(100);
                    sink.set_live(true);
                    metrics::gauge!("crease_bus_subscribed", "bus" => "redis").set(1.0);
                    // Anything published while we were away is recovered from the store.
                    sink.resync_all();
                    let mut stream = pubsub.into_on_message();
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            msg = stream.next() => match msg {
                                Some(msg) => deliver(&*sink, msg.get_payload_bytes()),
                                None => break,
                            }
                        }
                    }
                    tracing::warn!("redis subscription lost; reconnecting");
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "redis subscribe failed"),
                Err(_) => tracing::debug!("redis subscribe timed out"),
            }
            sink.set_live(false);
            metrics::gauge!("crease_bus_subscribed", "bus" => "redis").set(0.0);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    async fn subscribe(&self, pattern: &str) -> redis::RedisResult<redis::aio::PubSub> {
        let mut pubsub = self.link.client().get_async_pubsub().await?;
        pubsub.psubscribe(pattern).await?;
        Ok(pubsub)
    }
}

fn deliver(sink: &dyn BusSink, payload: &[u8]) {
    match route_of(payload) {
        Some((match_id, seq)) => {
            metrics::counter!("crease_bus_messages_total", "bus" => "redis").increment(1);
            sink.deliver(BusMessage {
                match_id,
                seq,
                payload: bytes::Bytes::copy_from_slice(payload),
            })
        }
        None => {
            metrics::counter!("crease_bus_malformed_total").increment(1);
        }
    }
}
