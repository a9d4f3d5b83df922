//! Crease on a real Redis Cluster (three primaries, three replicas): nodes run as processes of
//! the built binary with `REDIS_URL` naming the cluster's nodes, so snapshots are hash-tagged by
//! match and messages travel by sharded pub/sub. The shared cluster (started by the test
//! command) carries the tests that do not break it; a test that kills a primary or moves a slot
//! starts a cluster of its own.

mod failover;
mod fanout;

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

/// The `ticker` messages of a node's `/api/ticker` stream (at `base`), read until `until` holds.
async fn ticker_until(base: &str, until: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/ticker"))
        .send()
        .await
        .expect("ticker");
    let mut stream = eventsource_stream::Eventsource::eventsource(res.bytes_stream());
    let mut seen = Vec::new();
    while !until(&seen) {
        let event = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .unwrap_or_else(|_| panic!("the ticker went quiet after {seen:?}"))
            .expect("ticker open")
            .expect("an event");
        if let Ok(v) = serde_json::from_str::<Value>(&event.data) {
            seen.push(v);
        }
    }
    seen
}
