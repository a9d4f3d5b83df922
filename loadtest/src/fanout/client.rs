//! One viewer: a WebSocket or SSE connection to a match, counted by its [`Tracker`] until the
//! shard stops it. Every wait is bounded by the shard's stop token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::proto::{drain_sse_data, head, is_viewers};
use super::tracker::Tracker;
use super::ws_client::{Status, WsClient};
use crate::net::{connect_from, Node};
use crate::sys::mono_ns;

/// How long a connection may take to deliver its snapshot before it counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ws,
    Sse,
}

/// What every client of a shard shares.
pub struct Shared {
    pub match_id: i64,
    pub balls: usize,
    /// The shard's time zero (mono ns); receipts are µs after it.
    pub epoch_ns: u64,
    pub seeded: AtomicUsize,
    pub failed: AtomicUsize,
    /// Clients that have received every seq up to the final one.
    pub complete: AtomicUsize,
    /// The last seq posted, once posting is over.
    pub last_seq: watch::Receiver<Option<i64>>,
    pub stop: CancellationToken,
}

/// A finished client.
pub struct Outcome {
    pub transport: Transport,
    /// µs from the start of connecting to the snapshot; `None` if it never came.
    pub connect_us: Option<u64>,
    pub tracker: Tracker,
    pub error: Option<String>,
}

struct Run<'a> {
    shared: &'a Shared,
    tracker: Tracker,
    started_ns: u64,
    connect_us: Option<u64>,
    last_seq: watch::Receiver<Option<i64>>,
    done: bool,
}

impl Run<'_> {
    fn on_message(&mut self, msg: &[u8]) {
        if is_viewers(msg) {
            return;
        }
        let now = mono_ns();
        let at_us = (now.saturating_sub(self.shared.epoch_ns) / 1_000) as u32;
        let was_seeded = self.tracker.seeded();
        self.tracker.on_message(head(msg), at_us);
        if !was_seeded && self.tracker.seeded() {
            self.connect_us = Some((now - self.started_ns) / 1_000);
            self.shared.seeded.fetch_add(1, Ordering::AcqRel);
        }
        self.check_complete();
    }

    fn check_complete(&mut self) {
        let last = *self.last_seq.borrow();
        if !self.done && self.tracker.seeded() && last.is_some_and(|l| self.tracker.max_seq() >= l)
        {
            self.done = true;
            self.shared.complete.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn finish(self, transport: Transport, error: Option<String>) -> Outcome {
        if !self.tracker.seeded() {
            self.shared.failed.fetch_add(1, Ordering::AcqRel);
        }
        Outcome {
            transport,
            connect_us: self.connect_us,
            tracker: self.tracker,
            error,
        }
    }
}

pub async fn run(
    shared: Arc<Shared>,
    transport: Transport,
    node: Node,
    source: std::net::Ipv4Addr,
) -> Outcome {
    let mut run = Run {
        shared: &shared,
        tracker: Tracker::new(shared.balls),
        started_ns: mono_ns(),
        connect_us: None,
        last_seq: shared.last_seq.clone(),
        done: false,
    };
    let result = tokio::select! {
        r = async {
            let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect_from(source, node.addr))
                .await
                .map_err(|_| "connect timed out".to_owned())?
                .map_err(|e| format!("connect: {e}"))?;
            match transport {
                Transport::Ws => ws(&mut run, &node, stream).await,
                Transport::Sse => sse(&mut run, &node, stream).await,
            }
        } => r,
        _ = shared.stop.cancelled() => Ok(()),
    };
    // Errors after the shard said stop are the shutdown itself, not a finding.
    let error = result.err().filter(|_| !shared.stop.is_cancelled());
    run.finish(transport, error)
}

async fn ws(run: &mut Run<'_>, node: &Node, stream: TcpStream) -> Result<(), String> {
    let path = format!("/api/matches/{}/ws", run.shared.match_id);
    let mut ws = tokio::time::timeout(
        CONNECT_TIMEOUT,
        WsClient::handshake(stream, &node.host, &path),
    )
    .await
    .map_err(|_| "handshake timed out".to_owned())??;
    loop {
        // Bytes after the 101 may already hold the snapshot.
        match ws.parse(|msg| run.on_message(msg))? {
            Status::Open => {}
            Status::Closed(code, reason) => {
                return Err(format!("closed by the server: {code:?} {reason}"));
            }
        }
        ws.flush().await?;
        tokio::select! {
            read = ws.read() => {
                if !read? {
                    return Err("connection ended".into());
                }
            }
            changed = run.last_seq.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                run.check_complete();
            }
        }
    }
}

async fn sse(run: &mut Run<'_>, node: &Node, stream: TcpStream) -> Result<(), String> {
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let stop = run.shared.stop.clone();
    // The connection is driven by its own task, which ends with the shard.
    tokio::spawn(async move {
        tokio::select! {
            _ = conn => {}
            _ = stop.cancelled() => {}
        }
    });
    let req = hyper::Request::get(format!("/api/matches/{}/stream", run.shared.match_id))
        .header(hyper::header::HOST, &node.host)
        .header(hyper::header::ACCEPT, "text/event-stream")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let res = tokio::time::timeout(CONNECT_TIMEOUT, sender.send_request(req))
        .await
        .map_err(|_| "no answer".to_owned())?
        .map_err(|e| format!("request: {e}"))?;
    if res.status() != hyper::StatusCode::OK {
        return Err(format!("status {}", res.status()));
    }
    let mut body = res.into_body();
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        buf.extend_from_slice(&data);
                        drain_sse_data(&mut buf, |data| run.on_message(data));
                    }
                }
                Some(Err(e)) => return Err(format!("read: {e}")),
                None => return Err("stream ended".into()),
            },
            changed = run.last_seq.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                run.check_complete();
            }
        }
    }
}
