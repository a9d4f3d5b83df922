//! Fan-out across nodes: every ball posted to one node reaches every client of another, in
//! order, exactly once.

use crate::support::live_client::{assert_gapless, assert_never_back, LiveClient};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

#[tokio::test]
async fn fifty_clients_on_node_b_receive_every_ball_posted_to_node_a() {
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let b = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = a.started_match().await;

    let mut clients = Vec::new();
    for i in 0..50 {
        clients.push(if i % 2 == 0 {
            LiveClient::ws(&b.base, f.id, None).await
        } else {
            LiveClient::sse(&b.base, f.id, None).await
        });
    }
    // Every client is subscribed once it has its snapshot; balls posted after that must all come.
    for c in &mut clients {
        c.next().await;
    }
    let last = a.score(&mut f, 30).await;
    assert_eq!(last, 31, "innings start plus 30 balls");

    let readers = clients.into_iter().map(|mut c| {
        tokio::spawn(async move {
            c.until_seq(last).await;
            c
        })
    });
    for reader in readers {
        let c = reader.await.expect("reader");
        assert_gapless(&c.label, &c.received);
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
        assert!(
            c.received.iter().all(|m| m.match_id == f.id),
            "{}: another match's message",
            c.label
        );
    }
    // NOTIFY heard every event on B, and it carried no message while Redis was healthy.
    let hints = b
        .metric("crease_bus_messages_total", &[("bus", "pg_notify")])
        .await;
    assert!(hints >= 30.0, "node B heard {hints} NOTIFY hints");
    eprintln!(
        "node B: hint resyncs while Redis was healthy: {}",
        b.metric("crease_resyncs_total", &[("reason", "hint")])
            .await
    );
}

#[tokio::test]
async fn without_redis_postgres_nodes_fan_out_through_notify_alone() {
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, None, &[]).await;
    let b = Node::start(&shared, None, &[]).await;
    let mut f = a.started_match().await;
    let mut clients = vec![
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    for c in &mut clients {
        c.next().await;
    }
    let last = a.score(&mut f, 10).await;
    for c in &mut clients {
        c.until_seq(last).await;
        assert_never_back(&c.label, &c.received);
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
    }
    let live = b.get_json(&format!("/api/matches/{}/live", f.id)).await;
    assert_eq!(
        live["seq"], last,
        "node B's /live follows the other node's balls"
    );
    assert_eq!(
        b.metric("crease_bus_in_use", &[("bus", "pg_notify")]).await,
        1.0
    );
}
