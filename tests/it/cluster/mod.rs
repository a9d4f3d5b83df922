//! Crease on a real Redis Cluster (three primaries, three replicas): nodes run as processes of
//! the built binary with `REDIS_URL` naming the cluster's nodes, so snapshots are hash-tagged by
//! match and messages travel by sharded pub/sub. The shared cluster (started by the test
//! command) carries the tests that do not break it; a test that kills a primary or moves a slot
//! starts a cluster of its own.

mod failover;
mod fanout;
mod viewers;

use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

/// A node's `/api/ticker` stream (at `base`), connected: what is published from now on reaches it.
async fn ticker(base: &str) -> impl futures::Stream<Item = Value> + Send + Unpin {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/ticker"))
        .send()
        .await
        .expect("ticker");
    assert!(res.status().is_success(), "ticker: {}", res.status());
    Box::pin(
        eventsource_stream::Eventsource::eventsource(res.bytes_stream())
            .filter_map(|e| async move { serde_json::from_str::<Value>(&e.ok()?.data).ok() }),
    )
}

/// The stream's messages, read until `until` holds.
async fn read_until(
    mut stream: impl futures::Stream<Item = Value> + Unpin,
    until: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut seen = Vec::new();
    while !until(&seen) {
        let v = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .unwrap_or_else(|_| panic!("the ticker went quiet after {seen:?}"))
            .expect("ticker open");
        seen.push(v);
    }
    seen
}
