//! One viewer: a WebSocket or SSE connection to a match, counted by its [`Tracker`] until the
//! shard stops it. Every wait is bounded by the shard's stop token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use std::io::Write;

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
    /// Offer permessage-deflate, accept gzip.
    pub compress: bool,
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
    /// The node compressed this connection.
    pub compressed: bool,
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
    compressed: bool,
}

impl Run<'_> {
    /// One message, and the bytes it took on the wire (0 where they are counted elsewhere).
    fn on_message(&mut self, msg: &[u8], wire: usize) {
        if is_viewers(msg) {
            return;
        }
        let now = mono_ns();
        let at_us = (now.saturating_sub(self.shared.epoch_ns) / 1_000) as u32;
        let was_seeded = self.tracker.seeded();
        let received = self.tracker.counts.received;
        self.tracker.on_message(head(msg), at_us);
        if self.tracker.counts.received > received {
            self.tracker.counts.wire_bytes += wire as u64;
        }
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
            compressed: self.compressed,
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
        compressed: false,
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
        WsClient::handshake(stream, &node.host, &path, run.shared.compress),
    )
    .await
    .map_err(|_| "handshake timed out".to_owned())??;
    run.compressed = ws.deflate();
    loop {
        // Bytes after the 101 may already hold the snapshot.
        match ws.parse(|msg, wire| run.on_message(msg, wire))? {
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
    let mut req = hyper::Request::get(format!("/api/matches/{}/stream", run.shared.match_id))
        .header(hyper::header::HOST, &node.host)
        .header(hyper::header::ACCEPT, "text/event-stream");
    if run.shared.compress {
        req = req.header(hyper::header::ACCEPT_ENCODING, "gzip");
    }
    let req = req.body(Empty::<Bytes>::new()).map_err(|e| e.to_string())?;
    let res = tokio::time::timeout(CONNECT_TIMEOUT, sender.send_request(req))
        .await
        .map_err(|_| "no answer".to_owned())?
        .map_err(|e| format!("request: {e}"))?;
    if res.status() != hyper::StatusCode::OK {
        return Err(format!("status {}", res.status()));
    }
    run.compressed = res
        .headers()
        .get(hyper::header::CONTENT_ENCODING)
        .is_some_and(|v| v == "gzip");
    // A gzip body is inflated whole into the decoder's buffer, which then holds the SSE text.
    let mut gunzip = run
        .compressed
        .then(|| flate2::write::GzDecoder::new(Vec::with_capacity(4096)));
    let mut body = res.into_body();
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        if run.tracker.seeded() {
                            run.tracker.counts.wire_bytes += data.len() as u64;
                        }
                        let text = match &mut gunzip {
                            Some(g) => {
                                // flate2 keeps what it inflated until the next write unless
                                // flushed: the last event would wait for the next chunk.
                                g.write_all(&data)
                                    .and_then(|()| g.flush())
                                    .map_err(|e| format!("gunzip: {e}"))?;
                                g.get_mut()
                            }
                            None => {
                                buf.extend_from_slice(&data);
                                &mut buf
                            }
                        };
                        drain_sse_data(text, |data| run.on_message(data, 0));
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
