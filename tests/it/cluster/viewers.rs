//! Live viewer counts: each node reports its own, every node serves the total, and a node that
//! dies leaves it within a couple of cadences. On the shared cluster and on one Redis alike.

use std::time::Duration;

use crease_testkit::redis_cluster::{shard_subscribers, shared_cluster};
use crease_testkit::wait::eventually;

use crate::support::live_client::LiveClient;
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

/// A short cadence for the test's sake; the default is 5 s.
const CADENCE_MS: &str = "300";

async fn total_in_list(node: &Node, match_id: i64) -> Option<u64> {
    let list = node.get_json("/api/matches").await;
    list.as_array()?.iter().find(|m| m["id"] == match_id)?["viewers"].as_u64()
}

async fn counts_survive_a_node_dying(redis_url: &str) {
    let shared = Shared::new(CREASE).await;
    let env = [("CREASE_VIEWER_COUNT_MS", CADENCE_MS)];
    let a = Node::start(&shared, Some(redis_url), &env).await;
    let mut b = Node::start(&shared, Some(redis_url), &env).await;
    let f = a.started_match().await;

    let mut on_a = vec![
        LiveClient::ws(&a.base, f.id, None).await,
        LiveClient::sse(&a.base, f.id, None).await,
        LiveClient::ws(&a.base, f.id, None).await,
    ];
    let mut on_b = vec![
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    for c in on_a.iter_mut().chain(on_b.iter_mut()) {
        c.next().await;
    }
    for node in [&a, &b] {
        eventually("each node lists the five viewers of both", || async {
            (total_in_list(node, f.id).await == Some(5)).then_some(())
        })
        .await;
    }
    // Pushed to the clients too, on either node and transport.
    for c in on_a.iter_mut().chain(on_b.iter_mut()) {
        while c.viewers.last() != Some(&5) {
            let _ = tokio::time::timeout(Duration::from_millis(200), c.next()).await;
        }
    }

    b.kill();
    let died = std::time::Instant::now();
    for c in &mut on_a {
        while c.viewers.last() != Some(&3) {
            let _ = tokio::time::timeout(Duration::from_millis(200), c.next()).await;
            assert!(
                died.elapsed() < Duration::from_secs(10),
                "{}: totals after node B died: {:?}",
                c.label,
                c.viewers
            );
        }
    }
    eprintln!(
        "the dead node's viewers left the total {} ms after it died (cadence {CADENCE_MS} ms)",
        died.elapsed().as_millis()
    );
    assert_eq!(total_in_list(&a, f.id).await, Some(3));
    drop(on_b);
}

#[tokio::test]
async fn viewer_counts_on_a_cluster_follow_viewers_and_a_dead_node() {
    counts_survive_a_node_dying(&shared_cluster().await).await;
}

#[tokio::test]
async fn viewer_counts_on_one_redis_follow_viewers_and_a_dead_node() {
    let url = format!("redis://{}", crate::support::redis_proxy::redis_addr());
    counts_survive_a_node_dying(&url).await;
}

#[tokio::test]
async fn a_node_leaves_a_match_channel_a_while_after_its_last_viewer() {
    let cluster = shared_cluster().await;
    let first = cluster.split(',').next().expect("a node").to_owned();
    let shared = Shared::new(CREASE).await;
    let a = Node::start(
        &shared,
        Some(&cluster),
        &[("CREASE_SHARD_LINGER_MS", "500")],
    )
    .await;
    let f = a.started_match().await;
    let channel = format!("{}{{match:{}}}", shared.redis_prefix, f.id);
    // Redis's own count of the channel's subscribers, and the node's gauge of what it holds.
    let subscribed = |n: i64| {
        let (first, channel, a) = (&first, &channel, &a);
        async move {
            (shard_subscribers(first, channel).await == n
                && a.metric("crease_bus_sharded_channels", &[]).await == n as f64)
                .then_some(())
        }
    };
    let mut c = LiveClient::ws(&a.base, f.id, None).await;
    c.next().await;
    eventually("the node subscribes to the watched match", || subscribed(1)).await;
    c.close().await;
    eventually(
        "the node leaves the channel once the linger is over",
        || subscribed(0),
    )
    .await;
    // Back again on the next viewer.
    let mut c = LiveClient::sse(&a.base, f.id, None).await;
    c.next().await;
    eventually("the node subscribes again", || subscribed(1)).await;
}

#[tokio::test]
async fn without_redis_a_node_counts_its_own_viewers() {
    use crate::support::app::{spawn_app, AppOptions, StoreKind};
    let app =
        spawn_app(AppOptions::new(StoreKind::Sqlite).configure(|c| c.viewer_count_ms = 200)).await;
    let f = app.started_match(20).await;
    let mut clients = vec![
        LiveClient::ws(&app.base, f.id, None).await,
        LiveClient::sse(&app.base, f.id, None).await,
    ];
    for c in &mut clients {
        c.next().await;
        while c.viewers.last() != Some(&2) {
            let _ = tokio::time::timeout(Duration::from_millis(200), c.next()).await;
        }
    }
    let listed = app.get("/api/matches").await.json();
    let row = listed
        .as_array()
        .and_then(|l| l.iter().find(|m| m["id"] == f.id))
        .cloned()
        .expect("the match is listed");
    assert_eq!(row["viewers"], 2, "{row}");
}
