//! Per-match fan-out on this node: the registry of match hubs, what the node does with each
//! bus message, the ticker of all matches' summary lines, and the heartbeat that pings live
//! clients and reaps dead ones.
//!
//! Each message is serialized once per node ([`frame::Frame`]); the same bytes go to every
//! connection. No lock is held across an await: DashMap entries and hub locks are released
//! before any `.await`.

pub mod conn;
pub mod deflate;
pub mod frame;
pub mod frame_budget;
pub mod hints;
pub mod match_hub;
pub mod ring;
pub mod sse;
pub mod ticker;
pub mod viewers;
pub mod ws;
pub mod ws_proto;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dashmap::DashMap;

use crate::bus::{BusMessage, BusSink};
use crate::cache::SnapshotCache;
use crate::shutdown::Shutdown;
use conn::Conn;
use match_hub::{Input, MatchHub};

/// WebSocket ping and SSE comment interval: under the 30–60 s idle timeouts of common proxies
/// and mobile networks.
pub const HEARTBEAT: Duration = Duration::from_secs(25);
/// A WebSocket client not heard from (not even a pong) for this long is dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(65);

pub struct Hubs {
    matches: DashMap<i64, Arc<MatchHub>>,
    cache: Arc<SnapshotCache>,
    pub ticker: ticker::Ticker,
    pub viewers: viewers::Viewers,
    hints: hints::Hints,
    /// Woken when a match gets its first viewer here (a sharded bus then subscribes to it).
    interest: Arc<tokio::sync::Notify>,
    next_id: AtomicU64,
    epoch: Instant,
    pub shutdown: Shutdown,
}

impl Hubs {
    pub fn new(cache: Arc<SnapshotCache>, shutdown: Shutdown) -> Self {
        Self {
            matches: DashMap::new(),
            cache,
            ticker: ticker::Ticker::default(),
            viewers: viewers::Viewers::default(),
            hints: hints::Hints::default(),
            interest: Arc::new(tokio::sync::Notify::new()),
            next_id: AtomicU64::new(1),
            epoch: Instant::now(),
            shutdown,
        }
    }

    pub fn next_conn_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whole seconds since this node started: cheap to store per connection.
    pub fn now_secs(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    /// Every match hub, cloned out of the registry so no entry is held while they are used.
    fn all(&self) -> Vec<Arc<MatchHub>> {
        self.matches.iter().map(|h| h.clone()).collect()
    }

    fn hub(&self, match_id: i64) -> Arc<MatchHub> {
        if let Some(hub) = self.matches.get(&match_id) {
            return hub.clone();
        }
        self.matches
            .entry(match_id)
            .or_insert_with(|| {
                let (hub, rx) = MatchHub::new(match_id);
                let worker = hub.clone().run(rx, self.cache.clone());
                self.shutdown.spawn(worker);
                self.interest.notify_one();
                hub
            })
            .clone()
    }

    /// Subscribes `conn` to its match; returns the hub and the ring's frames after `since`
    /// when the ring can serve them.
    pub fn attach(
        &self,
        conn: &Arc<Conn>,
        since: Option<Resume>,
    ) -> (Arc<MatchHub>, Option<Vec<frame::Frame>>) {
        let since = since.and_then(Resume::pos);
        loop {
            let hub = self.hub(conn.match_id);
            if let Ok(frames) = hub.attach(conn.clone(), since) {
                return (hub, frames);
            }
            // Retired between lookup and attach: the registry already holds (or will make) a new one.
        }
    }

    /// Unsubscribes; the last connection to leave retires the match's hub and its worker.
    pub fn detach(&self, conn: &Conn) {
        let Some(hub) = self.matches.get(&conn.match_id).map(|h| h.clone()) else {
            return;
        };
        hub.detach(conn.id);
        if self
            .matches
            .remove_if(&conn.match_id, |_, hub| hub.retire_if_empty())
            .is_some()
        {
            hub.push(Input::Stop);
        }
    }

    /// Seeds a new connection: the ring's run after `since` if it has it, else the snapshot.
    pub async fn seed(
        &self,
        conn: &Arc<Conn>,
        hub: &MatchHub,
        ring: Option<Vec<frame::Frame>>,
        since: Option<Resume>,
    ) -> bool {
        let seeded = self.seed_history(conn, hub, ring, since).await;
        if let Some(total) = seeded.then(|| self.viewers.total(conn.match_id)).flatten() {
            // The total was counted before this client came: it is at least this client.
            conn.offer(&viewers::viewers_message(conn.match_id, total.max(1)));
        }
        seeded
    }

    async fn seed_history(
        &self,
        conn: &Arc<Conn>,
        hub: &MatchHub,
        ring: Option<Vec<frame::Frame>>,
        since: Option<Resume>,
    ) -> bool {
        match (ring, since.and_then(Resume::pos)) {
            (Some(frames), Some(since)) => {
                conn.finish_seeding(since, frames);
                true
            }
            (_, resume) => match hub.snapshot_frame(&self.cache).await {
                Some(snapshot) => {
                    match resume {
                        // A client that heard this seq or a later one on another node before
                        // this one did (it moved here when its node went) already has the
                        // state: it is sent nothing until the next seq, rather than the same
                        // state again, or an older one.
                        Some(pos) if pos.0 == snapshot.epoch && pos.1 >= snapshot.seq => {
                            conn.finish_seeding(pos, Vec::new());
                        }
                        // A base below any position, so the snapshot is always taken.
                        _ => {
                            conn.finish_seeding((-1, -1), vec![snapshot]);
                        }
                    }
                    true
                }
                None => false,
            },
        }
    }

    /// Fills a connection's gap: from the ring if it can, else with the current snapshot.
    pub async fn resync(&self, conn: &Arc<Conn>, hub: &MatchHub) {
        let last = conn.last();
        if let Some(frames) = hub.ring_after(last) {
            for f in &frames {
                conn.offer(f);
            }
            return;
        }
        metrics::counter!("crease_resyncs_total", "reason" => "client").increment(1);
        if let Some(snapshot) = hub.snapshot_frame(&self.cache).await {
            conn.offer(&snapshot);
        }
    }

    /// Pings every connection each heartbeat and closes WebSocket clients not heard from.
    pub async fn run_heartbeat(self: Arc<Self>) {
        let ws_ping = frame::Frame::control(
            frame::ws_frame(frame::OP_PING, b""),
            Bytes::from_static(b": ping\n\n"),
        );
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let now = self.now_secs();
            let mut reaped = 0u64;
            for hub in self.all() {
                for conn in hub.connections() {
                    if conn.is_ws() && now.saturating_sub(conn.last_heard()) > DEAD_AFTER.as_secs()
                    {
                        conn.kill();
                        reaped += 1;
                    } else {
                        conn.offer(&ws_ping);
                    }
                }
            }
            self.ticker.offer(&ws_ping);
            if reaped > 0 {
                metrics::counter!("crease_reaped_total").increment(reaped);
            }
        }
    }
}

/// Where a client resumes: the resume token `EPOCH:SEQ` (an SSE event's id), or a bare `SEQ`
/// from a client that predates epochs. A bare seq cannot say which history it counts in (after
/// a restore the same seq names another state), so it is answered with a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    pub epoch: Option<i64>,
    pub seq: i64,
}

impl Resume {
    /// `EPOCH:SEQ` or `SEQ`, each a number of 0 or more.
    pub fn parse(token: &str) -> Option<Resume> {
        let number = |s: &str| s.parse::<i64>().ok().filter(|n| *n >= 0);
        match token.trim().split_once(':') {
            Some((epoch, seq)) => Some(Resume {
                epoch: Some(number(epoch)?),
                seq: number(seq)?,
            }),
            None => Some(Resume {
                epoch: None,
                seq: number(token.trim())?,
            }),
        }
    }

    /// The position the ring can resume from: only a token that names its epoch has one.
    fn pos(self) -> Option<(i64, i64)> {
        Some((self.epoch?, self.seq))
    }
}

/// What a node does with each bus message: L1 learns the seq first (so a snapshot read
/// afterwards is at least this new), then the match's hub and the ticker get it.
pub struct NodeSink {
    pub hubs: Arc<Hubs>,
    /// Which bus carries messages, for the `crease_bus_in_use` gauge.
    pub in_use: Arc<crate::bus::BusInUse>,
}

impl BusSink for NodeSink {
    fn deliver(&self, msg: BusMessage) {
        self.hubs.cache.note(msg.match_id, msg.epoch, msg.seq);
        self.hubs.cache.refresh_soon(msg.match_id);
        self.hubs.ticker.publish(&msg);
        if let Some(hub) = self.hubs.matches.get(&msg.match_id).map(|h| h.clone()) {
            hub.push(Input::Message(msg, Instant::now()));
        }
    }

    fn deliver_to_viewers(&self, msg: BusMessage) {
        self.hubs.cache.note(msg.match_id, msg.epoch, msg.seq);
        if let Some(hub) = self.hubs.matches.get(&msg.match_id).map(|h| h.clone()) {
            hub.push(Input::Message(msg, Instant::now()));
        }
    }

    fn deliver_summary(&self, msg: BusMessage) {
        self.hubs.cache.note(msg.match_id, msg.epoch, msg.seq);
        self.hubs.cache.refresh_soon(msg.match_id);
        self.hubs.ticker.publish(&msg);
    }

    fn watched(&self) -> Vec<i64> {
        self.hubs.matches.iter().map(|h| *h.key()).collect()
    }

    fn interest(&self) -> Arc<tokio::sync::Notify> {
        self.hubs.interest.clone()
    }

    fn resync(&self, match_id: i64) {
        self.hubs.cache.l1().forget_snapshot(match_id);
        if let Some(hub) = self.hubs.matches.get(&match_id).map(|h| h.clone()) {
            hub.push(Input::Resync);
        }
    }

    fn resync_all(&self) {
        self.hubs.cache.l1().clear_snapshots();
        for hub in self.hubs.all() {
            hub.push(Input::Resync);
        }
    }

    fn set_live(&self, live: bool) {
        self.hubs.cache.set_bus_live(live);
        self.in_use.set_primary(live);
    }

    fn hint(&self, match_id: i64, epoch: i64, seq: i64) {
        self.hubs.hints.offer(match_id, (epoch, seq));
    }

    fn set_fallback_live(&self, live: bool) {
        self.in_use.set_fallback(live);
    }
}

#[cfg(test)]
mod tests {
    use super::Resume;

    #[test]
    fn resume_tokens_name_their_epoch_or_not() {
        let r = |epoch, seq| Some(Resume { epoch, seq });
        assert_eq!(Resume::parse("1700:12"), r(Some(1700), 12));
        assert_eq!(Resume::parse("12"), r(None, 12));
        assert_eq!(Resume::parse("-1"), None);
        assert_eq!(Resume::parse("1700:-1"), None);
        assert_eq!(Resume::parse("x:1"), None);
        assert_eq!(Resume::parse(""), None);
    }
}
