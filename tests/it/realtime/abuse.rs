//! Clients that mean harm: floods of frames, headers sent a byte at a time, huge request
//! targets and headers. Each is cut off or refused, the node's memory stays bounded, and a
//! viewer connected all along keeps receiving balls.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::app::{Fixture, DEADLINE};
use crate::support::live_client::{Item, LiveClient, RawWs};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

/// A viewer of the match, past its snapshot.
async fn viewer(node: &Node, f: &Fixture) -> LiveClient {
    let mut viewer = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(viewer.next().await, Item::Msg(m) if m.is_snapshot()));
    viewer
}

/// Scores a ball and waits for the viewer to receive it.
async fn still_receives(node: &Node, f: &mut Fixture, viewer: &mut LiveClient, after: &str) {
    let seq = node.score(f, 1).await;
    tokio::time::timeout(DEADLINE, viewer.until_seq(seq))
        .await
        .unwrap_or_else(|_| panic!("the viewer stopped receiving after {after}"));
}

/// `n` masked client frames of `b0` with `payload`, as one write.
fn frames(n: usize, b0: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut one = vec![b0, 0x80 | payload.len() as u8];
    one.extend_from_slice(&mask);
    one.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    one.repeat(n)
}

#[tokio::test]
async fn a_flood_of_client_frames_is_closed_with_1008_and_others_keep_receiving() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let mut f = node.started_match().await;
    let mut viewer = viewer(&node, &f).await;

    // Far past the burst, as fast as a socket takes them.
    for (what, b0, payload) in [("pings", 0x89, &b"hi"[..]), ("text", 0x81, b"{}")] {
        let mut raw = RawWs::connect(&node.base, f.id).await;
        // The node may close before it has read them all.
        let _ = raw.stream.write_all(&frames(500, b0, payload)).await;
        assert_eq!(raw.close_code().await, Some(1008), "a flood of {what}");
        still_receives(&node, &mut f, &mut viewer, what).await;
    }
    assert_eq!(node.metric("crease_ws_floods_total", &[]).await, 2.0);

    // A client inside its budget is not cut: a few pings, then its own close, echoed.
    let mut raw = RawWs::connect(&node.base, f.id).await;
    raw.stream
        .write_all(&frames(10, 0x89, b"hi"))
        .await
        .expect("write");
    raw.send_frame(0x88, &1000u16.to_be_bytes()).await;
    assert_eq!(raw.close_code().await, Some(1000));
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_at_the_header_timeout() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[("CREASE_HEADER_TIMEOUT_MS", "1000")]).await;
    let mut f = node.started_match().await;
    let mut viewer = viewer(&node, &f).await;

    let mut slow = TcpStream::connect(node.base.trim_start_matches("http://"))
        .await
        .expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\nx-pad: ")
        .await
        .expect("write");
    // A byte every 50 ms for as long as the node listens: a header that would take an hour to
    // reach the head's size limit, so only the header timeout can end it.
    let cut = tokio::time::timeout(DEADLINE, async {
        let mut answer = Vec::new();
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        let mut chunk = [0u8; 1024];
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if slow.write_all(b"a").await.is_err() {
                        return answer;
                    }
                }
                read = slow.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => return answer,
                    Ok(n) => answer.extend_from_slice(&chunk[..n]),
                },
            }
        }
    })
    .await
    .expect("the node cuts a client that never finishes its headers");
    let answer = String::from_utf8_lossy(&cut);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    still_receives(&node, &mut f, &mut viewer, "a slow-loris").await;
}

/// Writes `request` and reads the answer: its status, its head in lower case, and its body as
/// JSON. The node answers, and closes, before it has read the whole request: the client stops
/// at the end of the answer rather than read on into the reset that follows.
async fn refused(base: &str, request: &[u8]) -> (u16, String, serde_json::Value) {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .expect("connect");
    let _ = stream.write_all(request).await;
    let mut buf = Vec::new();
    let whole = |buf: &[u8]| -> Option<(String, Vec<u8>)> {
        let at = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&buf[..at]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))?
            .trim()
            .parse()
            .ok()?;
        let body = buf.get(at + 4..at + 4 + len)?;
        Some((head, body.to_vec()))
    };
    let (head, body) = tokio::time::timeout(DEADLINE, async {
        loop {
            if let Some(done) = whole(&buf) {
                return done;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => panic!("no whole answer: {:.300}", String::from_utf8_lossy(&buf)),
            }
        }
    })
    .await
    .expect("the node answers");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:.200}"));
    let doc = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    (status, head, doc)
}

#[tokio::test]
async fn huge_targets_and_headers_are_refused_as_problems_in_bounded_memory() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let mut f = node.started_match().await;
    let mut viewer = viewer(&node, &f).await;

    let long_uri = format!(
        "GET /api/matches?q={} HTTP/1.1\r\nHost: a\r\n\r\n",
        "q".repeat(64 * 1024)
    );
    let huge_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: a\r\nx-big: {}\r\n\r\n",
        "b".repeat(70 * 1024)
    );
    let cases = [
        (long_uri.as_bytes(), 414, "/problems/uri-too-long"),
        (huge_header.as_bytes(), 431, "/problems/headers-too-large"),
    ];
    // Once each before measuring, so the baseline holds what a first refusal allocates.
    for (request, status, kind) in cases {
        let (got, head, doc) = refused(&node.base, request).await;
        assert_eq!(got, status, "{head}");
        assert!(head.contains("content-type: application/problem+json"));
        assert_eq!(doc["type"], kind, "{doc}");
    }
    let baseline = node.rss_kib();
    for _ in 0..250 {
        for (request, status, _) in cases {
            assert_eq!(refused(&node.base, request).await.0, status);
        }
    }
    // 500 heads of 64–70 KiB went by: kept, they would be 33 MiB. What may remain is
    // allocator slack, a few MiB at most.
    let grown = node.rss_kib().saturating_sub(baseline);
    eprintln!("node RSS: baseline {baseline} KiB, grown {grown} KiB");
    assert!(grown < 8 * 1024, "the node grew by {grown} KiB");
    still_receives(&node, &mut f, &mut viewer, "huge heads").await;
}
