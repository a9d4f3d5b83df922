//! Resuming: a client back from a short absence gets exactly what it missed from the ring; one
//! whose seq the node no longer holds gets a snapshot equal to `/live`.

use crate::support::live_client::{assert_gapless, assert_resumed, Item, LiveClient, Msg};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

async fn take(c: &mut LiveClient, n: usize) -> Vec<Msg> {
    let from = c.received.len();
    while c.received.len() < from + n {
        if let Item::End(code) = c.next().await {
            panic!("{}: ended ({code:?})", c.label);
        }
    }
    c.received[from..].to_vec()
}

#[tokio::test]
async fn a_client_back_after_twenty_balls_gets_exactly_those_twenty() {
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let b = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = a.started_match().await;
    let n = a.score(&mut f, 5).await;

    // Keeps the match's hub (and its ring) alive on B while the others are away.
    let mut anchor = LiveClient::ws(&b.base, f.id, None).await;
    let mut ws = LiveClient::ws(&b.base, f.id, None).await;
    let mut sse = LiveClient::sse(&b.base, f.id, None).await;
    for c in [&mut anchor, &mut ws, &mut sse] {
        c.until_seq(n).await;
        assert_gapless(&c.label, &c.received);
    }
    ws.close().await;
    drop(sse);

    let last = a.score(&mut f, 20).await;
    assert_eq!(last, n + 20);
    anchor.until_seq(last).await;

    let since = format!("{}:{n}", anchor.received[0].epoch);
    let mut ws = LiveClient::ws(&b.base, f.id, Some(&since)).await;
    let mut sse = LiveClient::sse(&b.base, f.id, Some(&since)).await;
    let mut sse_q = LiveClient::sse_query(&b.base, f.id, &since).await;
    for c in [&mut ws, &mut sse, &mut sse_q] {
        let got = take(c, 20).await;
        assert_resumed(&c.label, n, &got);
    }
    // Nothing more was queued for them: the next message each gets is the next ball.
    let next = a.score(&mut f, 1).await;
    for c in [&mut ws, &mut sse, &mut sse_q] {
        let got = take(c, 1).await;
        assert_eq!(got[0].seq, next, "{}", c.label);
        assert_resumed(&c.label, n, &c.received);
    }
}

#[tokio::test]
async fn a_client_older_than_the_ring_gets_a_snapshot_equal_to_live() {
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let b = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = a.started_match().await;
    let n = a.score(&mut f, 5).await;
    let mut ws = LiveClient::ws(&b.base, f.id, None).await;
    ws.until_seq(n).await;
    let ws_token = ws.resume_token().expect("a message");
    drop(ws);

    // B restarts: its rings are gone, so nothing after `n` can be replayed to a client.
    drop(b);
    let last = a.score(&mut f, 20).await;
    let b = Node::start(&shared, Some(&super::redis_url()), &[]).await;

    // A bare seq, as a client from before epochs sends: a snapshot either way.
    let mut ws = LiveClient::ws(&b.base, f.id, Some(&n.to_string())).await;
    let mut sse = LiveClient::sse(&b.base, f.id, Some(&ws_token)).await;
    let live = b.get_json(&format!("/api/matches/{}/live", f.id)).await;
    assert_eq!(live["seq"], last);
    for c in [&mut ws, &mut sse] {
        c.until_seq(last).await;
        let first = &c.received[0];
        assert!(first.is_snapshot(), "{}: got {}", c.label, first.kind);
        assert_eq!(c.received.len(), 1, "{}: only the snapshot", c.label);
        let mut state = first.json.clone();
        state.as_object_mut().expect("object").remove("type");
        assert_eq!(state, live, "{}: snapshot differs from /live", c.label);
    }
    let next = a.score(&mut f, 1).await;
    for c in [&mut ws, &mut sse] {
        c.until_seq(next).await;
        assert_gapless(&c.label, &c.received);
    }
}
