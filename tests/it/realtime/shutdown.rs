//! A node stopped with SIGTERM tells its clients to reconnect (WebSocket close 1012, SSE a last
//! `retry:` and the end of the stream); they resume on another node from their last seq with
//! no gap.

use crate::support::live_client::{assert_resumed, LiveClient};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

#[tokio::test]
async fn sigterm_drains_clients_who_resume_on_the_other_node_without_a_gap() {
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut b = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = a.started_match().await;
    // A client of A's keeps the match's ring there for the others to resume from.
    let mut anchor = LiveClient::ws(&a.base, f.id, None).await;
    let mut clients = vec![
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    let seq = a.score(&mut f, 5).await;
    anchor.until_seq(seq).await;
    for c in &mut clients {
        c.until_seq(seq).await;
    }

    b.terminate();
    for c in &mut clients {
        let code = c.until_end().await;
        if c.label.starts_with("ws") {
            assert_eq!(code, Some(1012), "{}", c.label);
        } else {
            assert_eq!(code, None, "{}", c.label);
            assert_eq!(
                c.retries(),
                2,
                "{}: the opening and the last retry",
                c.label
            );
        }
    }
    assert!(b.wait_exit().await, "node B exits cleanly after draining");

    let mut resumed = Vec::new();
    for c in &clients {
        let last = c.last_seq().expect("a seq");
        let token = c.resume_token();
        let again = if c.label.starts_with("ws") {
            LiveClient::ws(&a.base, f.id, token.as_deref()).await
        } else {
            LiveClient::sse(&a.base, f.id, token.as_deref()).await
        };
        resumed.push((last, again));
    }
    let end = a.score(&mut f, 5).await;
    for (since, c) in &mut resumed {
        c.until_seq(end).await;
        assert_resumed(&c.label, *since, &c.received);
    }
}
