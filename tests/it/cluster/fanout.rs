//! Fan-out across nodes on the shared cluster.

use crease_testkit::redis_cluster::shared_cluster;

use crate::support::live_client::{assert_gapless, LiveClient};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

#[tokio::test]
async fn balls_posted_to_one_node_reach_every_client_of_another_by_sharded_pub_sub() {
    let cluster = shared_cluster().await;
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&cluster), &[]).await;
    let b = Node::start(&shared, Some(&cluster), &[]).await;
    let mut f = a.started_match().await;
    let mut unwatched = a.started_match().await;

    let mut clients = Vec::new();
    for i in 0..20 {
        clients.push(if i % 2 == 0 {
            LiveClient::ws(&b.base, f.id, None).await
        } else {
            LiveClient::sse(&b.base, f.id, None).await
        });
    }
    for c in &mut clients {
        c.next().await;
    }
    let ticker = {
        let stream = super::ticker(&b.base).await;
        let (id, other) = (f.id, unwatched.id);
        tokio::spawn(super::read_until(stream, move |seen| {
            let of = |m: i64| {
                seen.iter()
                    .any(|t| t["match_id"] == m && t["type"] == "ticker")
            };
            of(id) && of(other)
        }))
    };
    // The node hears the summary of a match none of its clients watches, so its /live follows.
    let _ = b
        .get_json(&format!("/api/matches/{}/live", unwatched.id))
        .await;
    let last = a.score(&mut f, 20).await;
    let other_last = a.score(&mut unwatched, 3).await;

    for mut c in clients {
        c.until_seq(last).await;
        assert_gapless(&c.label, &c.received);
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
    }
    let seen = ticker.await.expect("ticker reader");
    assert!(seen
        .iter()
        .any(|t| t["match_id"] == f.id && t["summary"].is_string()));
    // Served from node B's memory, which only the ticker channel can tell is stale.
    let live = format!("/api/matches/{}/live", unwatched.id);
    crease_testkit::wait::eventually(
        "node B's /live of a match it has no viewer of follows",
        || async { (b.get_json(&live).await["seq"] == other_last).then_some(()) },
    )
    .await;

    let ready = b.get_json("/readyz").await;
    assert_eq!(ready["redis"], "up", "{ready}");
    assert_eq!(ready["bus"], "redis", "{ready}");
    assert!(ready["redis_cluster"].is_object(), "{ready}");
    // Sharded, by match: the node never saw the unwatched match's full messages.
    let full = b
        .metric("crease_bus_messages_total", &[("bus", "redis")])
        .await;
    assert!(
        (20.0..23.0).contains(&full),
        "node B heard {full} full messages; 20 balls of the watched match were posted"
    );
}
