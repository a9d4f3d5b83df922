//! Limits at the edge: too many connections from one address, oversized and unmasked frames,
//! a bad `since`, an unknown match. Each is refused clearly and the node stays up.

use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::live_client::{Item, LiveClient, RawWs};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

async fn problem(res: reqwest::Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "a problem document"
    );
    res.json().await.expect("problem JSON")
}

#[tokio::test]
async fn connections_over_the_per_address_cap_get_a_503_problem() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(
        &shared,
        None,
        &[
            ("CREASE_MAX_CONNECTIONS_PER_ADDRESS", "4"),
            // The held connections send nothing: on a loaded machine the default header
            // timeout could close them before the test reaches its refusals.
            ("CREASE_HEADER_TIMEOUT_MS", "600000"),
        ],
    )
    .await;
    let addr = node.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    // A client with no idle pool, so each request is one new connection.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let refused = problem(
        client
            .get(node.url("/healthz"))
            .send()
            .await
            .expect("answered"),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert_eq!(refused["status"], 503);
    drop(held);
    crate::support::app::eventually("a slot to free up", || async {
        let res = client.get(node.url("/healthz")).send().await.ok()?;
        (res.status() == StatusCode::OK).then_some(())
    })
    .await;
}

/// Thousands of viewers behind one address (a stadium's carrier NAT) fill its cap; the scorer
/// posting from the same address still gets through, and viewers already in see the ball.
#[tokio::test]
async fn a_scorer_behind_an_address_full_of_viewers_still_scores() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(
        &shared,
        None,
        &[
            ("CREASE_MAX_CONNECTIONS_PER_ADDRESS", "4"),
            // The held connections send nothing: on a loaded machine the default header
            // timeout could close them before the test reaches its refusals.
            ("CREASE_HEADER_TIMEOUT_MS", "600000"),
        ],
    )
    .await;
    let f = node.started_match().await;
    let mut viewer = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(viewer.next().await, Item::Msg(m) if m.is_snapshot()));
    let addr = node.base.trim_start_matches("http://").to_owned();
    // Past the cap and into the reserve, so what follows meets both.
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let ball_path = node.url(&format!("/api/matches/{}/balls", f.id));

    // A viewer, and a write with no token, are refused as before.
    problem(
        fresh
            .get(node.url("/healthz"))
            .send()
            .await
            .expect("answered"),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    let runs = f.innings.next_runs();
    let anonymous = fresh
        .post(&ball_path)
        .json(&f.innings.ball_with(runs))
        .send()
        .await
        .expect("answered");
    problem(anonymous, StatusCode::SERVICE_UNAVAILABLE).await;

    // The scorer's ball is stored and reaches the viewer.
    let scored = fresh
        .post(&ball_path)
        .bearer_auth(crate::support::app::ADMIN_TOKEN)
        .json(&f.innings.ball_with(runs))
        .send()
        .await
        .expect("answered");
    assert_eq!(scored.status(), StatusCode::CREATED);
    let seq = scored.json::<serde_json::Value>().await.expect("JSON")["seq"]
        .as_i64()
        .expect("seq");
    viewer.until_seq(seq).await;
    drop(held);
}

#[tokio::test]
async fn bad_frames_are_closed_with_their_codes_and_the_node_stays_up() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = node.started_match().await;
    let mut viewer = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(viewer.next().await, Item::Msg(m) if m.is_snapshot()));

    // A 1 MB message: far past what a client may send.
    let mut ws = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(ws.next().await, Item::Msg(m) if m.is_snapshot()));
    let code = ws
        .send_then_end(Message::Binary(vec![7u8; 1 << 20].into()))
        .await;
    assert_eq!(code, Some(1009));

    // An unmasked frame breaks the protocol.
    let mut raw = RawWs::connect(&node.base, f.id).await;
    raw.stream
        .write_all(&[0x81, 0x02, b'h', b'i'])
        .await
        .expect("write");
    assert_eq!(raw.close_code().await, Some(1002));

    // Still serving, and the viewer connected all along still receives.
    let live = node.get_json(&format!("/api/matches/{}/live", f.id)).await;
    assert_eq!(live["seq"], 1);
    let mut ws = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(ws.next().await, Item::Msg(m) if m.is_snapshot()));
    let seq = node.score(&mut f, 1).await;
    viewer.until_seq(seq).await;
}

/// A case: what it is, the frames sent (first byte, payload), and the close code it earns.
type BrokenRule = (&'static str, Vec<(u8, Vec<u8>)>, u16);

/// RFC 6455 §7.4.1 and §8.1: each broken rule has its own close code, and a close code that
/// may not be sent is itself a protocol error.
#[tokio::test]
async fn frames_that_break_rfc_6455_are_closed_with_the_rfc_codes() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let mut f = node.started_match().await;
    let mut viewer = LiveClient::ws(&node.base, f.id, None).await;
    assert!(matches!(viewer.next().await, Item::Msg(m) if m.is_snapshot()));
    let mut cases: Vec<BrokenRule> = vec![
        (
            "invalid UTF-8 text",
            vec![(0x81, vec![b'o', 0xC3, 0x28])],
            1007,
        ),
        (
            "invalid UTF-8 across fragments",
            vec![(0x01, b"ok ".to_vec()), (0x80, vec![0xFF])],
            1007,
        ),
        (
            "continuation with no start",
            vec![(0x80, b"x".to_vec())],
            1002,
        ),
        (
            "a new message inside a fragmented one",
            vec![(0x01, b"x".to_vec()), (0x81, b"y".to_vec())],
            1002,
        ),
        ("binary message", vec![(0x82, vec![1, 2, 3])], 1003),
        (
            "close reason not UTF-8",
            vec![(0x88, vec![0x03, 0xE8, 0xFF])],
            1007,
        ),
    ];
    for code in [999u16, 1004, 1005, 1006, 1015, 2000, 5000] {
        cases.push((
            "invalid close code",
            vec![(0x88, code.to_be_bytes().to_vec())],
            1002,
        ));
    }
    for (what, frames, expected) in cases {
        let mut raw = RawWs::connect(&node.base, f.id).await;
        for (b0, payload) in &frames {
            raw.send_frame(*b0, payload).await;
        }
        assert_eq!(raw.close_code().await, Some(expected), "{what}: {frames:?}");
    }

    // What the RFC allows is not refused: valid text, fragmented, with a ping between the
    // fragments, then a close with an application code, echoed.
    let mut raw = RawWs::connect(&node.base, f.id).await;
    raw.send_frame(0x81, "Six! ".as_bytes()).await;
    raw.send_frame(0x01, &[b'e', 0xC3]).await;
    raw.send_frame(0x89, b"hi").await;
    raw.send_frame(0x80, &[0xA9]).await;
    raw.send_frame(0x88, &4000u16.to_be_bytes()).await;
    assert_eq!(raw.close_code().await, Some(4000));

    let live = node.get_json(&format!("/api/matches/{}/live", f.id)).await;
    assert_eq!(live["seq"], 1);
    let seq = node.score(&mut f, 1).await;
    viewer.until_seq(seq).await;
}

#[tokio::test]
async fn bad_since_and_unknown_matches_are_refused_before_any_upgrade() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let f = node.started_match().await;
    let upgrade = |url: String| {
        node.client
            .get(url)
            .header("Connection", "Upgrade")
            .header("Upgrade", "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
    };
    for bad in ["-1", "abc"] {
        let ws = upgrade(node.url(&format!("/api/matches/{}/ws?since={bad}", f.id)))
            .await
            .expect("answered");
        problem(ws, StatusCode::BAD_REQUEST).await;
        let sse = node
            .client
            .get(node.url(&format!("/api/matches/{}/stream?since={bad}", f.id)))
            .send()
            .await
            .expect("answered");
        problem(sse, StatusCode::BAD_REQUEST).await;
    }
    let sse = node
        .client
        .get(node.url(&format!("/api/matches/{}/stream", f.id)))
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect("answered");
    problem(sse, StatusCode::BAD_REQUEST).await;

    let ws = upgrade(node.url("/api/matches/987654/ws"))
        .await
        .expect("answered");
    problem(ws, StatusCode::NOT_FOUND).await;
    let sse = node
        .client
        .get(node.url("/api/matches/987654/stream"))
        .send()
        .await
        .expect("answered");
    problem(sse, StatusCode::NOT_FOUND).await;
}
