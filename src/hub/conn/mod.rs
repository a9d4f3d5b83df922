//! One client's connection as the hub sees it: what it has been sent, what is queued for it,
//! and the rule that keeps its seqs gapless, duplicate-free and its memory bounded.
//!
//! A WebSocket client is written to directly by whoever offers it a frame (the match's
//! fan-out, or its own task), with a non-blocking write under the connection's own lock, so an
//! up-to-date client costs one syscall per message and no task wake-up. Only a backlog waits
//! for the connection's task. An SSE client's queue is drained by its response body.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::frame::{Frame, FrameKind};

mod gapless;
mod write;

use gapless::{admit, Admit};

/// A client holding more than this many queued messages, or bytes, is lagging.
const MAX_QUEUED_FRAMES: usize = 256;
const MAX_QUEUED_BYTES: usize = 1 << 20;
/// A client that lags twice within this window is closed as too slow.
const LAG_WINDOW: Duration = Duration::from_secs(30);
/// Frames gathered into one vectored write.
const MAX_IOVECS: usize = 64;

pub enum Transport {
    /// `deflate`: the client negotiated permessage-deflate, and gets the compressed frames.
    Ws {
        stream: Arc<TcpStream>,
        deflate: bool,
    },
    /// `gzip`: the response is a gzip stream, and the queue holds gzip segments.
    Sse { gzip: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Written, queued or rightly dropped.
    Fine,
    /// The client fell behind and will be resynced with a snapshot.
    Resync,
    /// The client fell behind twice: it is being closed.
    TooSlow,
}

struct Queued {
    seq: i64,
    epoch: i64,
    kind: FrameKind,
    bytes: Bytes,
}

struct Inner {
    /// Subscribed, but the first snapshot (or ring run) is not in yet: hold messages.
    seeding: bool,
    /// The `(epoch, seq)` of the last message queued or sent; the next delta must be the same
    /// epoch's next seq, and only a snapshot moves a client to another epoch.
    last: (i64, i64),
    /// The `(epoch, seq)` of the last message whose bytes began to leave (written, or popped by
    /// the SSE body): what the client has, or will have, once queued frames are dropped.
    sent: (i64, i64),
    queue: VecDeque<Queued>,
    /// Bytes of the queue's head already written (a partial write).
    head_written: usize,
    queued_bytes: usize,
    /// The connection's task must fill a gap, from the ring or with a snapshot.
    resync: bool,
    last_lag: Option<Instant>,
    /// A close was queued (or the peer is gone): accept nothing more.
    closing: bool,
    /// The socket failed or was closed: the task should stop.
    dead: bool,
}

pub struct Conn {
    pub id: u64,
    pub match_id: i64,
    transport: Transport,
    inner: Mutex<Inner>,
    /// Wakes the connection's task (backlog, resync, close) or SSE body.
    pub wake: Notify,
    /// Seconds since the hub's epoch when the client was last heard from (WebSocket reads).
    last_heard: AtomicU64,
}

impl Conn {
    pub fn new(id: u64, match_id: i64, transport: Transport, now_secs: u64) -> Self {
        Self {
            id,
            match_id,
            transport,
            inner: Mutex::new(Inner {
                seeding: true,
                last: (0, 0),
                sent: (0, 0),
                queue: VecDeque::new(),
                head_written: 0,
                queued_bytes: 0,
                resync: false,
                last_lag: None,
                closing: false,
                dead: false,
            }),
            wake: Notify::new(),
            last_heard: AtomicU64::new(now_secs),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock means a panic mid-update elsewhere; the queue is still well-formed.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_ws(&self) -> bool {
        matches!(self.transport, Transport::Ws { .. })
    }

    /// Whether the SSE body is a gzip stream.
    pub fn gzip(&self) -> bool {
        matches!(self.transport, Transport::Sse { gzip: true })
    }

    /// Whether the client negotiated permessage-deflate.
    pub fn deflate(&self) -> bool {
        matches!(self.transport, Transport::Ws { deflate: true, .. })
    }

    pub fn heard(&self, now_secs: u64) {
        self.last_heard.store(now_secs, Ordering::Relaxed);
    }

    pub fn last_heard(&self) -> u64 {
        self.last_heard.load(Ordering::Relaxed)
    }

    pub fn last(&self) -> (i64, i64) {
        self.lock().last
    }

    fn bytes_of<'f>(&self, frame: &'f Frame) -> &'f Bytes {
        match self.transport {
            Transport::Ws { deflate: true, .. } if !frame.ws_deflated.is_empty() => {
                &frame.ws_deflated
            }
            Transport::Ws { .. } => &frame.ws,
            Transport::Sse { gzip: true } => &frame.sse_gzip,
            Transport::Sse { gzip: false } => &frame.sse,
        }
    }

    /// A last frame given in its plain form, as this connection sends it.
    fn as_sent(&self, plain: Bytes) -> Bytes {
        match self.transport {
            Transport::Sse { gzip: true } => super::deflate::Segment::encode(&plain),
            _ => plain,
        }
    }

    /// Offers a frame under the gapless rule: a delta must follow the last seq of the same
    /// epoch (older ones, and any of an older epoch, are dropped; a jump, or a newer epoch,
    /// asks the task to resync); a snapshot later than the last `(epoch, seq)` replaces
    /// everything queued, even at a lower seq when its epoch is newer. Control frames go as
    /// they are.
    pub fn offer(&self, frame: &Frame) -> Outcome {
        let mut g = self.lock();
        if g.closing || g.dead {
            return Outcome::Fine;
        }
        match admit(&mut g, frame) {
            Admit::Take => {}
            Admit::Skip => return Outcome::Fine,
            Admit::Resync => {
                drop(g);
                self.wake.notify_one();
                return Outcome::Fine;
            }
        }
        let bytes = self.bytes_of(frame);
        let mut written = 0;
        if let (Transport::Ws { stream, .. }, false, true) =
            (&self.transport, g.seeding, g.queue.is_empty())
        {
            // The common case, an up-to-date client: one write straight from the shared frame,
            // with no queue entry and no refcount traffic.
            match write::whole(stream, bytes) {
                write::Direct::Whole => {
                    if frame.kind != FrameKind::Control {
                        g.sent = frame.pos();
                    }
                    return Outcome::Fine;
                }
                write::Direct::Part(n) => written = n,
                write::Direct::Dead => {
                    g.dead = true;
                    drop(g);
                    self.wake.notify_one();
                    return Outcome::Fine;
                }
            }
        }
        g.queued_bytes += bytes.len();
        g.queue.push_back(Queued {
            seq: frame.seq,
            epoch: frame.epoch,
            kind: frame.kind,
            bytes: bytes.clone(),
        });
        if written > 0 {
            // A partial write (the queue was empty, so this is its head): the frame has begun
            // to leave and must be finished whole.
            g.head_written = written;
        }
        if g.seeding {
            // Held until seeding ends; a flood while seeding is still bounded.
            return if g.queue.len() > MAX_QUEUED_FRAMES {
                self.lagged(&mut g)
            } else {
                Outcome::Fine
            };
        }
        self.push_out(g)
    }

    /// Ends seeding: `initial` (a snapshot, or the ring's run after the client's seq) goes
    /// first, then whatever arrived meanwhile that follows it.
    pub fn finish_seeding(&self, base: (i64, i64), initial: Vec<Frame>) -> Outcome {
        let mut g = self.lock();
        let early: Vec<Queued> = g.queue.drain(..).collect();
        g.queued_bytes = 0;
        g.head_written = 0;
        g.seeding = false;
        g.last = base;
        drop(g);
        let mut outcome = Outcome::Fine;
        for f in &initial {
            outcome = self.offer(f);
        }
        for q in early {
            outcome = self.offer(&Frame::as_queued(q.seq, q.epoch, q.kind, q.bytes));
        }
        if outcome == Outcome::Fine {
            self.push_out(self.lock())
        } else {
            outcome
        }
    }

    /// Drops what the client has not started to receive. The client now has messages only up
    /// to `sent` (or the half-written head), so that is where it must be resumed from;
    /// keeping `last` at the newest dropped message would resume it past a gap.
    fn drop_unwritten(g: &mut Inner) {
        let keep_head = g.head_written > 0;
        let head = if keep_head { g.queue.pop_front() } else { None };
        g.queue.clear();
        g.queued_bytes = 0;
        if !g.seeding {
            g.last = g.sent;
        }
        if let Some(head) = head {
            if head.kind != FrameKind::Control {
                g.last = (head.epoch, head.seq);
            }
            g.queued_bytes = head.bytes.len();
            g.queue.push_back(head);
        }
    }

    fn lagged(&self, g: &mut Inner) -> Outcome {
        let now = Instant::now();
        let again = g
            .last_lag
            .is_some_and(|t| now.duration_since(t) < LAG_WINDOW);
        g.last_lag = Some(now);
        Self::drop_unwritten(g);
        if again {
            // Centrifugo's 3008 "slow", in the 4000s range the protocol leaves to applications.
            let last = match self.transport {
                Transport::Ws { .. } => super::frame::ws_close(4008, "too slow"),
                Transport::Sse { .. } => {
                    self.as_sent(Bytes::from_static(b": closed: too slow, reconnect\n\n"))
                }
            };
            push_last(g, last);
            metrics::counter!("crease_slow_closes_total").increment(1);
            Outcome::TooSlow
        } else {
            g.resync = true;
            metrics::counter!("crease_resyncs_total", "reason" => "lag").increment(1);
            Outcome::Resync
        }
    }

    /// Writes what it can now (WebSocket) or hands the queue to the body (SSE); checks bounds.
    fn push_out(&self, mut g: MutexGuard<'_, Inner>) -> Outcome {
        if let Transport::Ws { stream, .. } = &self.transport {
            write::queue(stream, &mut g);
        }
        let over = g.queue.len() > MAX_QUEUED_FRAMES || g.queued_bytes > MAX_QUEUED_BYTES;
        let outcome = if over {
            self.lagged(&mut g)
        } else {
            Outcome::Fine
        };
        let wake = !g.queue.is_empty() || g.resync || g.closing || g.dead;
        drop(g);
        if wake {
            self.wake.notify_one();
        }
        outcome
    }

    /// Writes the backlog (called by the connection's task when the socket is writable).
    /// Returns whether a backlog remains.
    pub fn flush(&self) -> bool {
        let mut g = self.lock();
        if let Transport::Ws { stream, .. } = &self.transport {
            write::queue(stream, &mut g);
        }
        !g.queue.is_empty() && !g.dead
    }

    /// Queues a last frame (a WebSocket close, or a final SSE event, plain) and accepts nothing
    /// after.
    pub fn close_with(&self, last: Bytes) {
        let last = self.as_sent(last);
        let mut g = self.lock();
        if g.closing || g.dead {
            return;
        }
        push_last(&mut g, last);
        self.push_out(g);
    }

    /// Marks the connection gone (peer closed, write failed, or dropped).
    pub fn kill(&self) {
        let mut g = self.lock();
        g.dead = true;
        g.closing = true;
        g.queue.clear();
        drop(g);
        self.wake.notify_one();
    }

    /// Whether a last frame was queued (or the connection is gone): nothing more will be sent.
    pub fn is_closing(&self) -> bool {
        self.lock().closing
    }

    /// Whether the connection has nothing left to do: closing with its queue written, or dead.
    pub fn finished(&self) -> bool {
        let g = self.lock();
        g.dead || (g.closing && g.queue.is_empty())
    }

    pub fn take_resync(&self) -> bool {
        let mut g = self.lock();
        std::mem::take(&mut g.resync) && !g.closing
    }

    /// The next SSE bytes to send, if any.
    pub fn pop(&self) -> Option<Bytes> {
        let mut g = self.lock();
        let q = g.queue.pop_front()?;
        g.queued_bytes -= q.bytes.len();
        if q.kind != FrameKind::Control {
            g.sent = (q.epoch, q.seq);
        }
        Some(q.bytes)
    }
}

/// Queues the connection's last frame; nothing is accepted after it.
fn push_last(g: &mut Inner, last: Bytes) {
    g.queued_bytes += last.len();
    g.queue.push_back(Queued {
        seq: 0,
        epoch: 0,
        kind: FrameKind::Control,
        bytes: last,
    });
    g.closing = true;
}

#[cfg(test)]
mod tests;
