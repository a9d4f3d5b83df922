//! The accounting itself, against a tiny fake node that misbehaves on purpose: it answers the
//! poster's `/live` and POSTs like Crease, but its WebSocket skips one seq and sends another
//! twice. The tool must report exactly that.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use common::{loadtest, report, u};

const BASE: i64 = 10;
const DROPPED: i64 = 12;
const REPEATED: i64 = 13;

struct Fake {
    seq: AtomicI64,
    balls: broadcast::Sender<i64>,
}

async fn serve(listener: TcpListener, fake: Arc<Fake>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let fake = fake.clone();
        tokio::spawn(async move {
            let mut peek = [0u8; 256];
            let n = stream.peek(&mut peek).await.unwrap_or(0);
            if peek[..n].windows(4).any(|w| w == b"/ws ") {
                websocket(stream, fake).await;
            } else {
                http(stream, fake).await;
            }
        });
    }
}

/// Pings the client and reads its next frame: whether it was the pong with the same payload.
async fn answers_ping(ws: &mut WebSocketStream<TcpStream>, payload: &'static [u8]) -> bool {
    if ws
        .send(Message::Ping(payload.to_vec().into()))
        .await
        .is_err()
    {
        return false;
    }
    matches!(ws.next().await, Some(Ok(Message::Pong(p))) if &p[..] == payload)
}

async fn websocket(stream: TcpStream, fake: Arc<Fake>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    // A client that does not answer a ping with its payload is never seeded, and the run's
    // connected count shows it.
    if !answers_ping(&mut ws, b"are you there").await {
        return;
    }
    // Subscribe before the snapshot, as Crease does, so no ball falls between them.
    let mut rx = fake.balls.subscribe();
    let seq = fake.seq.load(Ordering::SeqCst);
    let snapshot = format!(r#"{{"type":"snapshot","match_id":1,"seq":{seq},"status":"live"}}"#);
    if ws.send(Message::text(snapshot)).await.is_err() {
        return;
    }
    let mut pinged = false;
    while let Ok(seq) = rx.recv().await {
        // Again once the client is long open, so the pong comes from wherever it reads then.
        if !std::mem::replace(&mut pinged, true) && !answers_ping(&mut ws, b"still there").await {
            return;
        }
        let msg = format!(r#"{{"type":"ball","match_id":1,"seq":{seq},"ball":{{}}}}"#);
        let times = match seq {
            DROPPED => 0,
            REPEATED => 2,
            _ => 1,
        };
        for _ in 0..times {
            if ws.send(Message::text(msg.clone())).await.is_err() {
                return;
            }
        }
    }
}

/// One request per connection: `/live` gives the seq, any POST scores the next one.
async fn http(mut stream: TcpStream, fake: Arc<Fake>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let (status, body) = if head.starts_with("post ") {
        let seq = fake.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = fake.balls.send(seq);
        ("201 Created", format!(r#"{{"match_id":1,"seq":{seq}}}"#))
    } else {
        let seq = fake.seq.load(Ordering::SeqCst);
        ("200 OK", format!(r#"{{"match_id":1,"seq":{seq}}}"#))
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skipped_seq_is_missing_and_a_repeated_one_duplicated() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fake = Arc::new(Fake {
        seq: AtomicI64::new(BASE),
        balls: broadcast::channel(64).0,
    });
    tokio::spawn(serve(listener, fake));
    let clients = 3;
    let out = loadtest(&[
        "fanout",
        "--url",
        &url,
        "--match",
        "1",
        "--clients",
        &clients.to_string(),
        "--balls",
        "5",
        "--interval-ms",
        "5",
        "--token",
        "t",
        "--drain-secs",
        "2",
        "--sources",
        "1",
        "--json",
    ])
    .await;
    let r = report(&out);
    assert_eq!(u(&r, "connected"), clients, "{r}");
    assert_eq!(u(&r, "expected"), clients * 5, "{r}");
    assert_eq!(u(&r, "received"), clients * 4, "{r}");
    assert_eq!(u(&r, "missing"), clients, "{r}");
    assert_eq!(u(&r, "duplicated"), clients, "{r}");
    assert_eq!(u(&r, "out_of_order"), 0, "{r}");
    assert_eq!(r["latency"]["count"].as_u64(), Some(clients * 4), "{r}");
}
