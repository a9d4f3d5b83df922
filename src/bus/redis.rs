//! The Redis bus: PUBLISH on `{prefix}match:{id}`; every node holds one pattern subscription
//! and, when it is cut, reconnects with backoff and asks its sink to resync every match. On a
//! Redis Cluster the same publisher uses sharded pub/sub instead (see [`super::sharded`]).
//!
//! Publishing is not done by the POST that stored the event: it queues the message for one
//! publisher task, which sends them in the order they were stored. So a slow Redis does not
//! hold up scoring, and a link marked down after late answers (a busy node, not a dead Redis)
//! still carries the balls instead of leaving every node to resync from the database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{BusMessage, BusSink};
use crate::message::route_of;
use crate::redis_link::RedisLink;

/// Messages waiting for the publisher; past this a message is dropped (and counted), and
/// nodes recover it from the database through the NOTIFY hint, as if Redis had lost it.
const OUTBOX: usize = 4096;
/// A message that waited longer than this is not sent: nodes have resynced past it by now,
/// and a Redis that slow should not be handed a backlog.
const STALE: Duration = Duration::from_secs(2);
/// How long, at most, shutdown keeps publishing what scoring still queues, and how long a
/// quiet queue must stay quiet for the publisher to stop sooner.
const DRAIN: Duration = Duration::from_secs(2);
const DRAIN_IDLE: Duration = Duration::from_millis(200);

#[derive(Clone)]
pub struct RedisBus {
    link: Arc<RedisLink>,
    outbox: mpsc::Sender<(BusMessage, Instant)>,
    /// On a cluster: how long a match's channel is kept after its last viewer here left.
    linger: Duration,
}

/// The task that sends queued messages, in order; see [`Publisher::run`].
pub struct Publisher {
    link: Arc<RedisLink>,
    queue: mpsc::Receiver<(BusMessage, Instant)>,
}

impl RedisBus {
    pub fn new(link: Arc<RedisLink>) -> (Self, Publisher) {
        let (outbox, queue) = mpsc::channel(OUTBOX);
        let publisher = Publisher {
            link: link.clone(),
            queue,
        };
        let linger = Duration::from_secs(30);
        (
            Self {
                link,
                outbox,
                linger,
            },
            publisher,
        )
    }

    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// Queues the message for the publisher without waiting.
    pub fn publish(&self, msg: BusMessage) {
        if self.outbox.try_send((msg, Instant::now())).is_err() {
            metrics::counter!("crease_bus_publish_failures_total", "bus" => "redis", "reason" => "queue_full")
                .increment(1);
        }
    }

    /// Runs the node's subscription until shutdown.
    pub async fn run_subscriber(self, sink: Arc<dyn BusSink>, shutdown: CancellationToken) {
        if self.link.is_cluster() {
            return super::sharded::run_subscriber(self.link, sink, self.linger, shutdown).await;
        }
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
        let Some(client) = self.link.single_client() else {
            return Err((
                redis::ErrorKind::ClientError,
                "a cluster has no pattern subscription",
            )
                .into());
        };
        let mut pubsub = client.get_async_pubsub().await?;
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
                epoch: crate::message::epoch_of(payload),
                payload: bytes::Bytes::copy_from_slice(payload),
            })
        }
        None => {
            metrics::counter!("crease_bus_malformed_total").increment(1);
        }
    }
}

impl Publisher {
    /// Sends queued messages in order until shutdown. Scoring requests still finishing then
    /// may queue more, so it goes on until nothing has come for a moment (at most [`DRAIN`]).
    pub async fn run(mut self, shutdown: CancellationToken) {
        loop {
            let next = tokio::select! {
                m = self.queue.recv() => m,
                _ = shutdown.cancelled() => break,
            };
            let Some((msg, queued)) = next else { return };
            self.send(msg, queued).await;
        }
        let deadline = tokio::time::Instant::now() + DRAIN;
        loop {
            let idle = (tokio::time::Instant::now() + DRAIN_IDLE).min(deadline);
            match tokio::time::timeout_at(idle, self.queue.recv()).await {
                Ok(Some((msg, queued))) => self.send(msg, queued).await,
                Ok(None) | Err(_) => return,
            }
        }
    }

    async fn send(&self, msg: BusMessage, queued: Instant) {
        if queued.elapsed() > STALE {
            metrics::counter!("crease_bus_publish_failures_total", "bus" => "redis", "reason" => "stale")
                .increment(1);
            return;
        }
        let channel = self.link.match_channel(msg.match_id);
        let cluster = self.link.is_cluster();
        // On a cluster every node hears each message's summary line, and the whole message
        // only where its clients watch the match.
        let summary = if cluster {
            let line = if msg.is_deletion() {
                Some(msg.payload.to_vec())
            } else {
                crate::hub::ticker::summary_line(&msg)
            };
            line.map(|l| (self.link.ticker_channel(), l))
        } else {
            None
        };
        let payload = msg.payload.clone();
        // Tried even while the link is marked down: the mark may come from late answers on a
        // busy node, and each try is bounded by the link's timeout.
        let sent = self
            .link
            .call_even_if_down(|mut c| async move {
                let publish = if cluster { "SPUBLISH" } else { "PUBLISH" };
                redis::cmd(publish)
                    .arg(&channel)
                    .arg(payload.as_ref())
                    .query_async::<i64>(&mut c)
                    .await?;
                if let Some((ticker, line)) = summary {
                    redis::cmd("SPUBLISH")
                        .arg(&ticker)
                        .arg(line)
                        .query_async::<i64>(&mut c)
                        .await?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = sent {
            metrics::counter!("crease_bus_publish_failures_total", "bus" => "redis", "reason" => "redis")
                .increment(1);
            tracing::debug!(error = %e, match_id = msg.match_id, "publish failed");
        }
    }
}
