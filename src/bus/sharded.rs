//! The bus on a Redis Cluster: sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`) through redis-rs's
//! cluster client, whose RESP3 pushes carry the messages.
//!
//! A match's full messages go to `{prefix}{match:ID}`, in the slot of its snapshot key, and a
//! node subscribes to them only while its clients watch the match (from the first viewer until
//! a while after the last, so that
//! a viewer who reloads the page finds the subscription still there). Every message also goes, as its one summary line, to the ticker
//! channel every node holds: the ticker keeps working, and a node with no viewer of a match
//! still learns that its in-memory copy is stale.
//!
//! A subscription can be lost without a word to the subscriber: a primary dies and its replica
//! takes over, or a slot moves to another shard and the old owner unsubscribes its clients.
//! Either way the node subscribes again, and once Redis has confirmed the subscription it
//! resyncs the match by seq (the ring, or a snapshot), so whatever was published in the switch
//! reaches its clients. Postgres NOTIFY hints cover the same window on a Postgres node.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::{PushInfo, PushKind, Value};
use tokio_util::sync::CancellationToken;

use super::{BusMessage, BusSink};
use crate::message::{epoch_of, route_of};
use crate::redis_link::{RedisConn, RedisLink};

/// How often the subscriber looks again at which matches are watched, and retries what failed.
const ROUND: Duration = Duration::from_millis(500);

/// What the subscriber holds for one channel.
struct Held {
    /// Redis has confirmed it (an `ssubscribe` push), so nothing published from then is missed.
    confirmed: bool,
    /// When the last viewer left, while it lingers.
    left: Option<Instant>,
}

pub async fn run_subscriber(
    link: Arc<RedisLink>,
    sink: Arc<dyn BusSink>,
    linger: Duration,
    shutdown: CancellationToken,
) {
    let Some(mut pushes) = link.pushes().and_then(|p| p.take()) else {
        return;
    };
    let mut sub = Subscriber {
        ticker: link.ticker_channel().into_bytes(),
        link,
        sink,
        held: HashMap::new(),
        ticker_confirmed: false,
        leaving: HashSet::new(),
        linger,
    };
    let interest = sub.sink.interest();
    let mut round = tokio::time::interval(ROUND);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            push = pushes.recv() => match push {
                Some(push) => sub.on_push(push),
                None => return,
            },
            _ = interest.notified() => sub.follow_interest().await,
            _ = round.tick() => {
                if sub.link.pushes().is_some_and(|p| p.take_overflow()) {
                    sub.lost("pushes were dropped on a full queue");
                }
                sub.follow_interest().await;
            }
        }
    }
}

struct Subscriber {
    link: Arc<RedisLink>,
    /// The ticker channel's name, compared with every message's.
    ticker: Vec<u8>,
    sink: Arc<dyn BusSink>,
    /// Match channels subscribed (or being subscribed), by match.
    held: HashMap<i64, Held>,
    ticker_confirmed: bool,
    /// Channels this node asked to leave: their `sunsubscribe` pushes are not a loss.
    leaving: HashSet<Vec<u8>>,
    linger: Duration,
}

impl Subscriber {
    /// Subscribes to what is watched and not held (and the ticker), and leaves what has lingered.
    async fn follow_interest(&mut self) {
        let now = Instant::now();
        let watched: HashSet<i64> = self.sink.watched().into_iter().collect();
        for m in &watched {
            self.held
                .entry(*m)
                .and_modify(|h| h.left = None)
                .or_insert(Held {
                    confirmed: false,
                    left: None,
                });
        }
        let mut leave = Vec::new();
        for (m, held) in self.held.iter_mut() {
            if watched.contains(m) {
                continue;
            }
            let left = *held.left.get_or_insert(now);
            if now.duration_since(left) >= self.linger {
                leave.push(*m);
            }
        }
        if !leave.is_empty() {
            let channels: Vec<String> = leave.iter().map(|m| self.link.match_channel(*m)).collect();
            if self.command("SUNSUBSCRIBE", &channels).await {
                for (m, c) in leave.iter().zip(channels) {
                    self.held.remove(m);
                    self.leaving.insert(c.into_bytes());
                }
            }
        }
        metrics::gauge!("crease_bus_sharded_channels").set(self.held.len() as f64);
        // SSUBSCRIBE again until Redis confirms: a command sent to a primary that has just died
        // may be lost with it.
        let mut pending: Vec<String> = self
            .held
            .iter()
            .filter(|(_, h)| !h.confirmed)
            .map(|(m, _)| self.link.match_channel(*m))
            .collect();
        if !self.ticker_confirmed {
            pending.push(self.link.ticker_channel());
        }
        for channel in pending {
            // One channel a command: channels of different slots cannot share one.
            self.command("SSUBSCRIBE", std::slice::from_ref(&channel))
                .await;
        }
    }

    async fn command(&self, name: &'static str, channels: &[String]) -> bool {
        let mut ok = true;
        for channel in channels {
            let channel = channel.clone();
            let sent = self
                .link
                .call_even_if_down(|mut c: RedisConn| async move {
                    redis::cmd(name).arg(&channel).exec_async(&mut c).await
                })
                .await;
            if let Err(e) = sent {
                tracing::debug!(error = %e, command = name, "sharded subscription command failed");
                ok = false;
            }
        }
        ok
    }

    fn on_push(&mut self, push: PushInfo) {
        match push.kind {
            PushKind::SMessage => {
                let [channel, payload] = push.data.as_slice() else {
                    return;
                };
                let (Some(channel), Some(payload)) = (bytes(channel), bytes(payload)) else {
                    return;
                };
                if channel == self.ticker.as_slice() {
                    self.hear_summary(payload);
                } else {
                    self.hear_message(payload);
                }
            }
            PushKind::SSubscribe => {
                let Some(channel) = push.data.first().and_then(bytes) else {
                    return;
                };
                self.confirmed(channel);
            }
            PushKind::SUnsubscribe => {
                let Some(channel) = push.data.first().and_then(bytes) else {
                    return;
                };
                if self.leaving.remove(channel) {
                    return;
                }
                // Redis unsubscribed us from a channel we still hold: its slot moved to another
                // shard. One we no longer hold needs nothing.
                let held = if channel == self.ticker.as_slice() {
                    std::mem::replace(&mut self.ticker_confirmed, false)
                } else {
                    match self
                        .held
                        .iter_mut()
                        .find(|(m, _)| self.link.match_channel(**m).as_bytes() == channel)
                    {
                        Some((_, h)) => std::mem::replace(&mut h.confirmed, false),
                        None => false,
                    }
                };
                if held {
                    self.link.cluster_events().note_slot_moved();
                    metrics::counter!("crease_bus_sharded_lost_total", "reason" => "slot_moved")
                        .increment(1);
                }
            }
            PushKind::Disconnection => self.lost("a shard's connection was lost"),
            _ => {}
        }
    }

    /// Something may have been missed on any channel: subscribe to each again, and resync each
    /// once Redis confirms it.
    fn lost(&mut self, why: &'static str) {
        tracing::warn!(
            why,
            "sharded subscriptions may have missed messages; subscribing again"
        );
        self.link.cluster_events().note_lost(why);
        metrics::counter!("crease_bus_sharded_lost_total", "reason" => "disconnected").increment(1);
        self.ticker_confirmed = false;
        for h in self.held.values_mut() {
            h.confirmed = false;
        }
        // Whatever leaving was under way, its answer may never come.
        self.leaving.clear();
        self.sink.set_live(false);
        metrics::gauge!("crease_bus_subscribed", "bus" => "redis").set(0.0);
    }

    fn confirmed(&mut self, channel: &[u8]) {
        if channel == self.ticker.as_slice() {
            if !self.ticker_confirmed {
                self.ticker_confirmed = true;
                self.sink.set_live(true);
                metrics::gauge!("crease_bus_subscribed", "bus" => "redis").set(1.0);
                // Whatever was published while the ticker was away is recovered from the store.
                self.sink.resync_all();
            }
            return;
        }
        let found = self
            .held
            .iter_mut()
            .find(|(m, _)| self.link.match_channel(**m).as_bytes() == channel);
        if let Some((m, h)) = found {
            if !h.confirmed {
                h.confirmed = true;
                self.sink.resync(*m);
            }
        }
    }

    fn hear_message(&self, payload: &[u8]) {
        let Some(msg) = bus_message(payload) else {
            return;
        };
        metrics::counter!("crease_bus_messages_total", "bus" => "redis").increment(1);
        self.sink.deliver_to_viewers(msg);
    }

    fn hear_summary(&self, payload: &[u8]) {
        if let Some(msg) = bus_message(payload) {
            self.sink.deliver_summary(msg);
        }
    }
}

fn bus_message(payload: &[u8]) -> Option<BusMessage> {
    let Some((match_id, seq)) = route_of(payload) else {
        metrics::counter!("crease_bus_malformed_total").increment(1);
        return None;
    };
    Some(BusMessage {
        match_id,
        seq,
        epoch: epoch_of(payload),
        payload: bytes::Bytes::copy_from_slice(payload),
    })
}

fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}
