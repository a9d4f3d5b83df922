//! One match's fan-out on this node: its connections, its ring of recent messages, and the
//! worker that takes bus messages in order and hands each one's bytes to every connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::mpsc;

use super::conn::{Conn, Outcome};
use super::frame::{Frame, FrameKind};
use super::ring::Ring;
use crate::bus::BusMessage;
use crate::cache::SnapshotCache;
use crate::message;

/// Messages a match's worker may have waiting; past this the bus reader drops and resyncs.
pub const QUEUE: usize = 1024;
/// Recent messages kept for resuming clients.
pub const RING: usize = 512;
/// Connections one task writes to before the rest are split across tasks (and cores).
const CHUNK: usize = 1024;

pub enum Input {
    Message(BusMessage, Instant),
    /// Something may have been missed: send every client a fresh snapshot.
    Resync,
    /// The fallback bus said this `(epoch, seq)` was stored, a grace period ago: if it has
    /// still not come through here, it (or more) was missed, so resync from the store.
    Hint((i64, i64)),
    Stop,
}

struct State {
    conns: HashMap<u64, Arc<Conn>>,
    /// The connections as a shared list, rebuilt only after one joins or leaves.
    list: Option<Arc<Vec<Arc<Conn>>>>,
    ring: Ring,
    /// The last `(epoch, seq)` handed to connections (`(0, 0)`: none yet on this node).
    last: (i64, i64),
    /// Removed from the registry: a connection must attach to the hub that replaced it.
    retired: bool,
}

pub struct MatchHub {
    pub match_id: i64,
    state: Mutex<State>,
    tx: mpsc::Sender<Input>,
    overflowed: AtomicBool,
    /// The highest `(epoch, seq)` handed to the worker: a NOTIFY hint for it, or anything
    /// older, needs nothing, however far behind the worker's fan-out is.
    heard: Mutex<(i64, i64)>,
    latest_snapshot: Mutex<Option<Frame>>,
}

impl MatchHub {
    pub fn new(match_id: i64) -> (Arc<Self>, mpsc::Receiver<Input>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let hub = Arc::new(Self {
            match_id,
            state: Mutex::new(State {
                conns: HashMap::new(),
                list: None,
                ring: Ring::new(RING),
                last: (0, 0),
                retired: false,
            }),
            tx,
            overflowed: AtomicBool::new(false),
            heard: Mutex::new((0, 0)),
            latest_snapshot: Mutex::new(None),
        });
        (hub, rx)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn heard(&self) -> (i64, i64) {
        *self.heard.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands a bus message to the worker without waiting; a full queue drops it and marks the
    /// match for a resync, so the bus reader never blocks on one busy match.
    pub fn push(&self, input: Input) {
        if let Input::Message(msg, _) = &input {
            let mut heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
            *heard = (*heard).max((msg.epoch, msg.seq));
        }
        if self.tx.try_send(input).is_err() && !self.overflowed.swap(true, Ordering::AcqRel) {
            metrics::counter!("crease_bus_dropped_total").increment(1);
        }
    }

    /// Subscribes a connection. Returns `Err(())` if this hub was retired (attach to the new
    /// one), else the ring's frames after `since` when it holds all of them.
    #[allow(clippy::result_unit_err)]
    pub fn attach(
        &self,
        conn: Arc<Conn>,
        since: Option<(i64, i64)>,
    ) -> Result<Option<Vec<Frame>>, ()> {
        let mut s = self.lock();
        if s.retired {
            return Err(());
        }
        s.conns.insert(conn.id, conn);
        s.list = None;
        Ok(since.and_then(|n| s.ring.after(n)))
    }

    pub fn detach(&self, conn_id: u64) {
        let mut s = self.lock();
        if s.conns.remove(&conn_id).is_some() {
            s.list = None;
        }
    }

    /// Retires the hub if it has no connections; the registry calls this under its entry lock.
    pub fn retire_if_empty(&self) -> bool {
        let mut s = self.lock();
        if s.conns.is_empty() {
            s.retired = true;
        }
        s.retired
    }

    /// How many clients watch the match on this node.
    pub fn viewers(&self) -> usize {
        self.lock().conns.len()
    }

    pub fn connections(&self) -> Vec<Arc<Conn>> {
        self.lock().conns.values().cloned().collect()
    }

    pub fn ring_after(&self, pos: (i64, i64)) -> Option<Vec<Frame>> {
        self.lock().ring.after(pos)
    }

    /// The snapshot message for the match's current state, built once per seq on this node.
    pub async fn snapshot_frame(&self, cache: &SnapshotCache) -> Option<Frame> {
        let (snap, _) = cache.current(self.match_id).await.ok()??;
        {
            let held = self
                .latest_snapshot
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(f) = held.as_ref().filter(|f| f.pos() == snap.pos()) {
                return Some(f.clone());
            }
        }
        let frame = Frame::message(
            snap.pos(),
            FrameKind::Snapshot,
            &message::snapshot_message_from_body(&snap.body),
        );
        let mut held = self
            .latest_snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if held.as_ref().is_none_or(|f| f.pos() < frame.pos()) {
            *held = Some(frame.clone());
        }
        Some(frame)
    }

    /// The worker: one per match, so the match's messages are handled strictly in order.
    pub async fn run(self: Arc<Self>, mut rx: mpsc::Receiver<Input>, cache: Arc<SnapshotCache>) {
        while let Some(input) = rx.recv().await {
            match input {
                Input::Stop => return,
                Input::Resync => self.resync(&cache).await,
                Input::Hint(pos) => {
                    if self.lock().last < pos {
                        metrics::counter!("crease_resyncs_total", "reason" => "hint").increment(1);
                        self.resync(&cache).await;
                    }
                }
                Input::Message(msg, received) => {
                    let last = self.lock().last;
                    let pos = (msg.epoch, msg.seq);
                    if last != (0, 0) && pos <= last {
                        // Both buses deliver; the second copy is a duplicate. Or it belongs to
                        // a history the match has moved on from.
                        continue;
                    }
                    if msg.is_snapshot() {
                        // A new epoch's first message: everyone takes it, whatever their seq.
                        let frame = Frame::message(pos, FrameKind::Snapshot, &msg.payload);
                        let list = {
                            let mut s = self.lock();
                            s.ring.clear();
                            s.last = pos;
                            self.list(&mut s)
                        };
                        fan_out(list, frame).await;
                        continue;
                    }
                    if last != (0, 0) && (msg.epoch != last.0 || msg.seq > last.1 + 1) {
                        metrics::counter!("crease_resyncs_total", "reason" => "gap").increment(1);
                        self.resync(&cache).await;
                        continue;
                    }
                    let frame = Frame::message(pos, FrameKind::Delta, &msg.payload);
                    let list = {
                        let mut s = self.lock();
                        s.ring.push(frame.clone());
                        s.last = pos;
                        self.list(&mut s)
                    };
                    fan_out(list, frame).await;
                    metrics::histogram!("crease_fanout_seconds").record(received.elapsed());
                }
            }
            if self.overflowed.swap(false, Ordering::AcqRel) {
                self.resync(&cache).await;
            }
        }
    }

    fn list(&self, s: &mut State) -> Arc<Vec<Arc<Conn>>> {
        s.list
            .get_or_insert_with(|| Arc::new(s.conns.values().cloned().collect()))
            .clone()
    }

    async fn resync(&self, cache: &SnapshotCache) {
        let Some(frame) = self.snapshot_frame(cache).await else {
            return;
        };
        let list = {
            let mut s = self.lock();
            if frame.pos() <= s.last {
                return;
            }
            s.ring.clear();
            s.last = frame.pos();
            self.list(&mut s)
        };
        fan_out(list, frame).await;
    }
}

/// Offers one frame to every connection; large audiences are split across tasks so both
/// cores write. Returns once every connection has it (written or queued), so the next
/// message can never overtake this one on any socket.
pub async fn fan_out(list: Arc<Vec<Arc<Conn>>>, frame: Frame) {
    let n = list.len();
    if n == 0 {
        return;
    }
    if n <= CHUNK {
        offer_range(&list, 0..n, &frame);
    } else {
        let mut tasks = Vec::with_capacity(n / CHUNK);
        for start in (CHUNK..n).step_by(CHUNK) {
            let (list, frame) = (list.clone(), frame.clone());
            tasks.push(tokio::spawn(async move {
                offer_range(&list, start..(start + CHUNK).min(n), &frame);
            }));
        }
        offer_range(&list, 0..CHUNK, &frame);
        for t in tasks {
            let _ = t.await;
        }
    }
    metrics::counter!("crease_messages_sent_total").increment(n as u64);
}

fn offer_range(list: &[Arc<Conn>], range: std::ops::Range<usize>, frame: &Frame) {
    for conn in &list[range] {
        if conn.offer(frame) == Outcome::TooSlow {
            tracing::debug!(
                conn_id = conn.id,
                match_id = conn.match_id,
                "closing a slow client"
            );
        }
    }
}
