//! One churning viewer: connects to a match over WebSocket or SSE, checks that every message
//! follows the one before (the next seq, or a snapshot at least as new), leaves after a random
//! lifetime as a phone does (the socket simply closed), and connects again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::scorer::Clock;
use super::window::Windows;
use crate::fanout::proto::{drain_sse_data, head, is_viewers};
use crate::fanout::ws_client::{Status, WsClient};
use crate::net::{connect_from, source_of, Node};
use crate::sys::mono_ns;

/// How long a connection may take to deliver its snapshot.
const SEED_TIMEOUT: Duration = Duration::from_secs(15);
/// The pause after a failed connection, so a refusing node is not hammered.
const BACKOFF: Duration = Duration::from_secs(1);

/// What every viewer shares.
pub struct Crowd {
    pub nodes: Vec<Node>,
    pub clocks: Vec<Arc<Clock>>,
    pub sse_share: f64,
    pub life_ms: (u64, u64),
    pub sources: usize,
    pub windows: Arc<Windows>,
    /// Viewers holding a seeded connection now.
    pub open: AtomicU64,
    pub stop: CancellationToken,
}

/// A small deterministic generator: a viewer's choices differ per slot and repeat per run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Viewer `slot`'s life: connect, watch, leave, again, until the crowd stops.
pub async fn run(slot: usize, crowd: Arc<Crowd>, first_after: Duration) {
    let mut rng =
        Rng(0x9e37_79b9_7f4a_7c15 ^ (slot as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9));
    let stopped = tokio::select! {
        _ = tokio::time::sleep(first_after) => false,
        _ = crowd.stop.cancelled() => true,
    };
    if stopped {
        return;
    }
    let mut attempt = slot;
    while !crowd.stop.is_cancelled() {
        let m = rng.below(crowd.clocks.len() as u64) as usize;
        let node = &crowd.nodes[rng.below(crowd.nodes.len() as u64) as usize];
        let sse = rng.unit() < crowd.sse_share;
        let (lo, hi) = crowd.life_ms;
        let life = Duration::from_millis(lo + rng.below(hi.saturating_sub(lo) + 1));
        let source = source_of(attempt, crowd.sources);
        attempt += 1;
        let mut conn = Conn::new(&crowd, &crowd.clocks[m]);
        let ended = tokio::select! {
            r = tokio::time::timeout(life, conn.watch(node, source, sse)) => match r {
                Err(_) => End::Left,
                Ok(Err(e)) => End::Failed(e),
                Ok(Ok(())) => End::Failed("the server ended the stream".into()),
            },
            _ = crowd.stop.cancelled() => End::Left,
        };
        let seeded = conn.last.is_some();
        if seeded {
            crowd.open.fetch_sub(1, Ordering::AcqRel);
        }
        match (ended, seeded) {
            (End::Left, true) => crowd.windows.count(|t| t.leaves += 1),
            (End::Failed(_), true) => crowd.windows.count(|t| t.dropped += 1),
            (_, false) => {
                crowd.windows.count(|t| t.connect_failures += 1);
                tokio::select! {
                    _ = tokio::time::sleep(BACKOFF) => {}
                    _ = crowd.stop.cancelled() => {}
                }
            }
        }
    }
}

enum End {
    Left,
    Failed(#[allow(dead_code)] String),
}

/// One connection's view of its match.
struct Conn<'a> {
    crowd: &'a Crowd,
    clock: &'a Clock,
    /// The seq of the last message applied; `None` until the snapshot.
    last: Option<i64>,
}

impl<'a> Conn<'a> {
    fn new(crowd: &'a Crowd, clock: &'a Clock) -> Self {
        Conn {
            crowd,
            clock,
            last: None,
        }
    }

    async fn watch(
        &mut self,
        node: &Node,
        source: std::net::Ipv4Addr,
        sse: bool,
    ) -> Result<(), String> {
        let stream = tokio::time::timeout(SEED_TIMEOUT, connect_from(source, node.addr))
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| format!("connect: {e}"))?;
        if sse {
            self.sse(node, stream).await
        } else {
            self.ws(node, stream).await
        }
    }

    fn on_message(&mut self, msg: &[u8]) {
        if is_viewers(msg) {
            return;
        }
        let windows = &self.crowd.windows;
        let Some((snapshot, seq)) = head(msg) else {
            windows.count(|t| t.unparsed += 1);
            return;
        };
        let Some(last) = self.last else {
            if snapshot {
                self.last = Some(seq);
                self.crowd.open.fetch_add(1, Ordering::AcqRel);
                windows.count(|t| t.connects += 1);
            } else {
                windows.count(|t| t.unparsed += 1);
            }
            return;
        };
        if snapshot {
            if seq < last {
                windows.count(|t| t.backwards += 1);
            } else {
                windows.count(|t| t.resyncs += 1);
                self.last = Some(seq);
            }
        } else if seq == last + 1 {
            self.last = Some(seq);
            let latency = self
                .clock
                .posted_at(seq)
                .map(|start| mono_ns().saturating_sub(start) / 1_000);
            windows.delivered(latency);
        } else if seq <= last {
            windows.count(|t| {
                if seq == last {
                    t.duplicates += 1
                } else {
                    t.backwards += 1
                }
            });
        } else {
            windows.count(|t| t.gaps += 1);
            self.last = Some(seq);
        }
    }

    async fn ws(&mut self, node: &Node, stream: TcpStream) -> Result<(), String> {
        let path = format!("/api/matches/{}/ws", self.clock.match_id);
        // A soak's viewers are browsers, which offer permessage-deflate.
        let handshake = WsClient::handshake(stream, &node.host, &path, true);
        let mut ws = tokio::time::timeout(SEED_TIMEOUT, handshake)
            .await
            .map_err(|_| "handshake timed out".to_owned())??;
        loop {
            match ws.parse(|msg, _| self.on_message(msg))? {
                Status::Open => {}
                Status::Closed(code, reason) => return Err(format!("closed: {code:?} {reason}")),
            }
            ws.flush().await?;
            let read = if self.last.is_some() {
                ws.read().await?
            } else {
                tokio::time::timeout(SEED_TIMEOUT, ws.read())
                    .await
                    .map_err(|_| "no snapshot in time".to_owned())??
            };
            if !read {
                return Err("connection ended".into());
            }
        }
    }

    async fn sse(&mut self, node: &Node, stream: TcpStream) -> Result<(), String> {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        // The connection's task ends with this viewer's connection, however it ends.
        let done = CancellationToken::new();
        let _end_with_me = done.clone().drop_guard();
        tokio::spawn(async move {
            tokio::select! {
                _ = conn => {}
                _ = done.cancelled() => {}
            }
        });
        let req = hyper::Request::get(format!("/api/matches/{}/stream", self.clock.match_id))
            .header(hyper::header::HOST, &node.host)
            .header(hyper::header::ACCEPT, "text/event-stream")
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let res = tokio::time::timeout(SEED_TIMEOUT, sender.send_request(req))
            .await
            .map_err(|_| "no answer".to_owned())?
            .map_err(|e| format!("request: {e}"))?;
        if res.status() != hyper::StatusCode::OK {
            return Err(format!("status {}", res.status()));
        }
        let mut body = res.into_body();
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        loop {
            let frame = if self.last.is_some() {
                body.frame().await
            } else {
                tokio::time::timeout(SEED_TIMEOUT, body.frame())
                    .await
                    .map_err(|_| "no snapshot in time".to_owned())?
            };
            match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        buf.extend_from_slice(&data);
                        drain_sse_data(&mut buf, |data| self.on_message(data));
                    }
                }
                Some(Err(e)) => return Err(format!("read: {e}")),
                None => return Err("stream ended".into()),
            }
        }
    }
}
