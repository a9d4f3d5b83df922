//! A WebSocket connection's task: seeds the client, reads what it sends (pings, pongs, close),
//! writes any backlog when the socket drains, and ends on close, death or shutdown.
//!
//! Live messages do not pass through this task: the match's fan-out writes them straight to
//! the socket ([`Conn::offer`]). The task holds no read buffer while the client is quiet.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::TcpStream;
use tracing::Instrument;

use super::conn::{Conn, Transport};
use super::frame::{ws_close, ws_frame, Frame, OP_PONG};
use super::frame_budget::FrameBudget;
use super::match_hub::MatchHub;
use super::ws_proto::{parse, ClientFrame, Reassembly, MAX_CLIENT_PAYLOAD};
use super::Hubs;

/// How long a closing connection may take to deliver its last frames.
const CLOSE_DRAIN: Duration = Duration::from_secs(2);
/// How often a closing connection looks whether the client has taken its last bytes.
const UNDELIVERED_POLL: Duration = Duration::from_millis(20);

/// What a connection keeps of what its client sent: the message in progress, and how many
/// more frames it may send.
struct Incoming {
    message: Reassembly,
    budget: FrameBudget,
}

enum Read {
    Open,
    Closing,
    Gone,
}

pub async fn run(
    hubs: Arc<Hubs>,
    match_id: i64,
    since: Option<super::Resume>,
    stream: TcpStream,
    already_read: Bytes,
    deflate: bool,
    slot: impl Send + 'static,
) {
    let conn_id = hubs.next_conn_id();
    let span = tracing::debug_span!("ws", match_id, conn_id);
    async move {
        let _slot = slot;
        let _ = stream.set_nodelay(true);
        let stream = Arc::new(stream);
        let conn = Arc::new(Conn::new(
            conn_id,
            match_id,
            Transport::Ws {
                stream: stream.clone(),
                deflate,
            },
            hubs.now_secs(),
        ));
        let (hub, ring) = hubs.attach(&conn, since);
        metrics::gauge!("crease_connections", "transport" => "ws").increment(1.0);
        // Boxed: seeding and resyncing may read the store, and those futures are large; inline
        // they would size every idle connection's task for the rare moment they run.
        if !Box::pin(hubs.seed(&conn, &hub, ring, since)).await {
            conn.close_with(ws_close(1011, "match unavailable"));
        }
        let mut pending: Vec<u8> = already_read.to_vec();
        let mut incoming = Incoming {
            message: Reassembly::default(),
            budget: FrameBudget::new(Instant::now()),
        };
        // The upgrade's leftover bytes share hyper's whole read buffer (8 KiB): held for the
        // life of the connection they would be most of what an idle client costs.
        drop(already_read);
        if !pending.is_empty()
            && matches!(
                handle_frames(&mut pending, &mut incoming, &conn),
                Read::Gone
            )
        {
            conn.kill();
        }
        serve(&hubs, &conn, &hub, &stream, pending, incoming).await;
        conn.kill();
        hubs.detach(&conn);
        metrics::gauge!("crease_connections", "transport" => "ws").decrement(1.0);
    }
    .instrument(span)
    .await
}

/// The connection's life after seeding: reads from the client, writes its backlog, resyncs it
/// when it fell behind, and returns when it closed, died or the node is shutting down.
async fn serve(
    hubs: &Hubs,
    conn: &Arc<Conn>,
    hub: &MatchHub,
    stream: &TcpStream,
    mut pending: Vec<u8>,
    mut incoming: Incoming,
) {
    let shutdown = hubs.shutdown.token();
    loop {
        let backlog = conn.flush();
        // Checked after the flush: a closing connection whose last frame that flush wrote
        // is done, and nothing else would wake this task to notice.
        if conn.finished() {
            break;
        }
        if conn.is_closing() {
            // Closed from the fan-out (4008, too slow): the close frame sits behind a full
            // socket buffer that this client may never read. It gets the grace of any close.
            Box::pin(drain(conn, stream)).await;
            break;
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                conn.close_with(ws_close(1012, "server restarting; reconnect"));
                Box::pin(drain(conn, stream)).await;
                break;
            }
            ready = stream.readable() => {
                if ready.is_err() {
                    break;
                }
                match read_some(stream, &mut pending, &mut incoming, conn, hubs) {
                    Read::Open => {}
                    Read::Closing => {
                        Box::pin(drain(conn, stream)).await;
                        break;
                    }
                    Read::Gone => break,
                }
            }
            _ = stream.writable(), if backlog => {}
            _ = conn.wake.notified() => {
                if conn.take_resync() {
                    Box::pin(hubs.resync(conn, hub)).await;
                }
            }
        }
    }
}

/// Reads what is there without blocking and acts on every whole frame.
fn read_some(
    stream: &TcpStream,
    pending: &mut Vec<u8>,
    incoming: &mut Incoming,
    conn: &Conn,
    hubs: &Hubs,
) -> Read {
    let mut buf = [0u8; 2048];
    loop {
        match stream.try_read(&mut buf) {
            Ok(0) => return Read::Gone,
            Ok(n) => {
                conn.heard(hubs.now_secs());
                pending.extend_from_slice(&buf[..n]);
                if pending.len() > MAX_CLIENT_PAYLOAD + 16 + buf.len() {
                    conn.close_with(ws_close(1009, "message too big"));
                    return Read::Closing;
                }
                match handle_frames(pending, incoming, conn) {
                    Read::Open => continue,
                    other => return other,
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if pending.is_empty() {
                    // Give the memory back: a quiet client should cost nothing here.
                    *pending = Vec::new();
                }
                return Read::Open;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Read::Gone,
        }
    }
}

fn handle_frames(pending: &mut Vec<u8>, incoming: &mut Incoming, conn: &Conn) -> Read {
    loop {
        let outcome = parse(pending, conn.deflate()).and_then(|parsed| {
            let Some((frame, used)) = parsed else {
                return Ok(None);
            };
            pending.drain(..used);
            if !incoming.budget.take(Instant::now()) {
                metrics::counter!("crease_ws_floods_total").increment(1);
                conn.close_with(ws_close(1008, "too many frames"));
                return Ok(Some(Read::Closing));
            }
            match frame {
                ClientFrame::Ping(payload) => {
                    conn.offer(&Frame::control(ws_frame(OP_PONG, &payload), Bytes::new()));
                }
                ClientFrame::Pong => {}
                ClientFrame::Data {
                    opcode,
                    fin,
                    compressed,
                    payload,
                } => incoming.message.push(opcode, fin, compressed, payload)?,
                ClientFrame::Close(code) => {
                    // RFC 6455 §5.5.1: echo the code the client gave, else close normally.
                    conn.close_with(ws_close(code.unwrap_or(1000), ""));
                    return Ok(Some(Read::Closing));
                }
            }
            Ok(Some(Read::Open))
        });
        match outcome {
            Ok(None) => return Read::Open,
            Ok(Some(Read::Open)) => {}
            Ok(Some(other)) => return other,
            Err(e) => {
                let (code, why) = e.close_code();
                conn.close_with(ws_close(code, why));
                return Read::Closing;
            }
        }
    }
}

/// Writes the last queued frames (a close) for a little while, then gives up. A client that
/// has not taken them by then is reset, not closed: a plain close would leave the kernel
/// holding the unread bytes (and the socket, in FIN-WAIT) for as long as the client lingers.
async fn drain(conn: &Conn, stream: &TcpStream) {
    let delivered = tokio::time::timeout(CLOSE_DRAIN, async {
        while conn.flush() {
            if stream.writable().await.is_err() {
                return;
            }
        }
        // Handed to the kernel is not delivered: behind a client that stopped reading, the
        // close frame and what came before it stay in the send buffer.
        while undelivered(stream) > 0 {
            tokio::time::sleep(UNDELIVERED_POLL).await;
        }
    })
    .await
    .is_ok();
    if !delivered {
        metrics::counter!("crease_ws_resets_total").increment(1);
        // SO_LINGER 0: the close that follows sends RST and frees the send buffer at once.
        let _ = stream.set_zero_linger();
    }
}

/// Bytes the kernel still holds for the client: unsent, or sent and not acknowledged.
#[cfg(target_os = "linux")]
fn undelivered(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ) writes one int through the pointer; the descriptor is a live
    // TCP socket, borrowed for the call.
    let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut n) };
    if rc == 0 {
        n.max(0) as usize
    } else {
        0
    }
}

/// Elsewhere the kernel is not asked: a written close frame counts as delivered.
#[cfg(not(target_os = "linux"))]
fn undelivered(_: &TcpStream) -> usize {
    0
}
