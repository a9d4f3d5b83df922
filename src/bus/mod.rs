//! The bus: how a stored event reaches every node. One trait-like enum, so the deployment can
//! move from one Redis to Redis Cluster's sharded pub/sub without touching its callers.
//!
//! Readers assume loss: a subscriber that reconnects tells its sink to resync every match.

pub mod local;
pub mod pg_notify;
pub mod redis;
pub mod sharded;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;

/// A message as it travels between nodes: the bytes every client will receive, already
/// serialized once, plus the numbers routing needs.
#[derive(Debug, Clone)]
pub struct BusMessage {
    pub match_id: i64,
    pub seq: i64,
    /// The epoch of the history the message belongs to (0: a message from before epochs).
    pub epoch: i64,
    pub payload: Bytes,
}

impl BusMessage {
    /// Whether the message is a whole `snapshot` (a new epoch's first), not a change.
    pub fn is_snapshot(&self) -> bool {
        self.payload.starts_with(br#"{"type":"snapshot","#)
    }

    /// The match was deleted (before its first event): copies of it are stale everywhere.
    pub fn is_deletion(&self) -> bool {
        self.payload.starts_with(br#"{"type":"deleted","#)
    }
}

/// Where a node's bus receiver hands messages. Implementations must not block.
pub trait BusSink: Send + Sync + 'static {
    fn deliver(&self, msg: BusMessage);
    /// The receiver was disconnected and may have missed messages: recover every match.
    fn resync_all(&self);
    /// Whether the receiver currently hears every message.
    fn set_live(&self, live: bool);
    /// The fallback bus (Postgres NOTIFY) says `(epoch, seq)` exists for the match. It usually
    /// arrives before the message itself, so it must only cause work if the message never comes.
    fn hint(&self, _match_id: i64, _epoch: i64, _seq: i64) {}
    /// Whether the fallback listener is connected.
    fn set_fallback_live(&self, _live: bool) {}

    /// A bus that carries a match's full messages only to nodes that ask (sharded pub/sub on a
    /// cluster) asks which matches this node's clients watch...
    fn watched(&self) -> Vec<i64> {
        Vec::new()
    }
    /// ...and is woken when a match gains its first viewer here.
    fn interest(&self) -> Arc<tokio::sync::Notify> {
        Arc::new(tokio::sync::Notify::new())
    }
    /// The receiver may have missed this match's messages: recover it.
    fn resync(&self, _match_id: i64) {
        self.resync_all();
    }
    /// A full message of a match this node subscribed to, whose summary comes apart.
    fn deliver_to_viewers(&self, msg: BusMessage) {
        self.deliver(msg);
    }
    /// A message's summary line (or a deletion), which every node hears.
    fn deliver_summary(&self, _msg: BusMessage) {}
}

/// Which bus is carrying messages to this node, kept as the `crease_bus_in_use{bus}` gauge:
/// the primary (`redis`, or `local` in one process) while it is live, else `pg_notify` while
/// its listener is connected. Without Redis, `local` carries this node's own messages and
/// `pg_notify` other nodes', so both read 1.
pub struct BusInUse {
    primary: &'static str,
    primary_live: AtomicBool,
    fallback_live: AtomicBool,
}

impl BusInUse {
    pub fn new(primary: &'static str) -> Self {
        Self {
            primary,
            primary_live: AtomicBool::new(false),
            fallback_live: AtomicBool::new(false),
        }
    }

    pub fn primary(&self) -> &'static str {
        self.primary
    }

    pub fn primary_live(&self) -> bool {
        self.primary_live.load(Ordering::Acquire)
    }

    pub fn fallback_live(&self) -> bool {
        self.fallback_live.load(Ordering::Acquire)
    }

    pub fn set_primary(&self, live: bool) {
        self.primary_live.store(live, Ordering::Release);
        self.show();
    }

    pub fn set_fallback(&self, live: bool) {
        self.fallback_live.store(live, Ordering::Release);
        self.show();
    }

    fn show(&self) {
        let primary = self.primary_live.load(Ordering::Acquire);
        let fallback = self.fallback_live.load(Ordering::Acquire);
        let local = self.primary == "local";
        let on = |b: bool| if b { 1.0 } else { 0.0 };
        metrics::gauge!("crease_bus_in_use", "bus" => self.primary).set(on(primary));
        metrics::gauge!("crease_bus_in_use", "bus" => "pg_notify")
            .set(on(fallback && (local || !primary)));
        metrics::gauge!("crease_bus_connected", "bus" => "pg_notify").set(on(fallback));
    }
}

#[derive(Clone)]
pub enum Bus {
    Local(local::LocalBus),
    Redis(redis::RedisBus),
}

impl Bus {
    pub fn name(&self) -> &'static str {
        match self {
            Bus::Local(_) => "local",
            Bus::Redis(_) => "redis",
        }
    }

    /// Publishes after the event is stored, without waiting for Redis. A failure is logged
    /// and counted, never returned: the event is safe in the database and nodes recover it
    /// through the fallback path.
    pub fn publish(&self, msg: BusMessage) {
        match self {
            Bus::Local(bus) => bus.publish(msg),
            Bus::Redis(bus) => bus.publish(msg),
        }
    }
}
