//! Redis cut mid-match: clients on both nodes keep up through Postgres NOTIFY (by snapshots),
//! never see a seq twice or go back, and once Redis is back it holds the database's snapshot.

use crate::support::app::eventually;
use crate::support::live_client::{assert_never_back, LiveClient};
use crate::support::node_process::{Node, Shared};
use crate::support::redis_proxy::RedisProxy;
use crate::support::CREASE;

async fn wait_bus(node: &Node, bus: &str) {
    eventually(
        &format!("{} to carry messages on {bus}", node.base),
        || async { (node.metric("crease_bus_in_use", &[("bus", bus)]).await >= 1.0).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn clients_on_both_nodes_keep_every_ball_through_notify_while_redis_is_cut() {
    let shared = Shared::new(CREASE).await;
    let proxy = RedisProxy::start().await;
    let a = Node::start(&shared, Some(&proxy.url()), &[]).await;
    let b = Node::start(&shared, Some(&proxy.url()), &[]).await;
    for node in [&a, &b] {
        wait_bus(node, "redis").await;
    }
    let mut f = a.started_match().await;
    let mut clients = vec![
        LiveClient::ws(&a.base, f.id, None).await,
        LiveClient::sse(&a.base, f.id, None).await,
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    let seq = a.score(&mut f, 5).await;
    for c in &mut clients {
        c.until_seq(seq).await;
    }

    proxy.cut();
    for node in [&a, &b] {
        wait_bus(node, "pg_notify").await;
    }
    let seq = a.score(&mut f, 10).await;
    for c in &mut clients {
        c.until_seq(seq).await;
        assert_eq!(c.last_seq(), Some(seq), "{}", c.label);
        assert_never_back(&c.label, &c.received);
    }
    assert!(
        b.metric("crease_resyncs_total", &[("reason", "hint")])
            .await
            >= 1.0,
        "node B recovered the cut's balls through NOTIFY hints"
    );

    proxy.restore();
    for node in [&a, &b] {
        wait_bus(node, "redis").await;
    }
    let last = a.score(&mut f, 10).await;
    for c in &mut clients {
        c.until_seq(last).await;
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
        assert_never_back(&c.label, &c.received);
    }

    let stored = shared
        .db
        .snapshot(f.id)
        .await
        .expect("snapshot")
        .expect("a stored snapshot");
    assert_eq!(stored.seq, last);
    eventually("Redis to hold the database's snapshot", || async {
        (shared.redis_snapshot(f.id).await.as_deref() == Some(&stored.body[..])).then_some(())
    })
    .await;
}
