//! The Redis bus's publisher, against the real Redis: messages leave in the order they were
//! stored, a link marked down still carries them (down may only mean late answers on a busy
//! node), and what is queued when shutdown begins still goes out.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crease::bus::redis::RedisBus;
use crease::bus::BusMessage;
use crease::redis_link::RedisLink;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::support::app::{assert_redis_reachable, DEADLINE};
use crate::support::redis_proxy::redis_addr;

const MATCH: i64 = 7;

fn ball(seq: i64) -> BusMessage {
    BusMessage {
        match_id: MATCH,
        seq,
        epoch: 1,
        payload: Bytes::from(format!(
            r#"{{"type":"ball","match_id":{MATCH},"seq":{seq},"epoch":1,"ball":{{}}}}"#
        )),
    }
}

/// A bus on a link to the real Redis that has never been marked up (so it is down), its
/// publisher running, and a subscriber to the match's channel.
async fn bus_marked_down() -> (
    RedisBus,
    Arc<RedisLink>,
    CancellationToken,
    tokio::task::JoinHandle<()>,
    impl futures::Stream<Item = redis::Msg>,
) {
    let url = format!("redis://{}", redis_addr());
    assert_redis_reachable(&url).await;
    let prefix = format!("crease-t-{:016x}:", rand::random::<u64>());
    let link = Arc::new(RedisLink::new(&url, &prefix, Duration::from_millis(500)).expect("link"));
    link.mark_down();
    let mut pubsub = redis::Client::open(url)
        .expect("client")
        .get_async_pubsub()
        .await
        .expect("pubsub");
    pubsub
        .subscribe(format!("{prefix}match:{MATCH}"))
        .await
        .expect("subscribe");
    let (bus, publisher) = RedisBus::new(link.clone());
    let stop = CancellationToken::new();
    let task = tokio::spawn(publisher.run(stop.clone()));
    (bus, link, stop, task, pubsub.into_on_message())
}

async fn received(
    stream: &mut (impl futures::Stream<Item = redis::Msg> + Unpin),
    n: usize,
) -> Vec<i64> {
    let mut seqs = Vec::with_capacity(n);
    while seqs.len() < n {
        let msg = tokio::time::timeout(DEADLINE, stream.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} messages were published", seqs.len()))
            .expect("subscription open");
        let (_, seq) =
            crease::message::route_of(msg.get_payload_bytes()).expect("a routable message");
        seqs.push(seq);
    }
    seqs
}

#[tokio::test]
async fn a_link_marked_down_still_publishes_every_message_in_order() {
    let (bus, link, stop, task, stream) = bus_marked_down().await;
    let mut stream = Box::pin(stream);
    for seq in 1..=200 {
        bus.publish(ball(seq));
    }
    assert_eq!(
        received(&mut stream, 200).await,
        (1..=200).collect::<Vec<_>>()
    );
    assert!(!link.is_up(), "the link stayed marked down throughout");
    stop.cancel();
    task.await.expect("the publisher ends");
}

#[tokio::test]
async fn what_is_queued_at_shutdown_still_goes_out() {
    let (bus, _link, stop, task, stream) = bus_marked_down().await;
    let mut stream = Box::pin(stream);
    for seq in 1..=50 {
        bus.publish(ball(seq));
    }
    stop.cancel();
    // A scoring request finishing during the drain queues one more.
    bus.publish(ball(51));
    assert_eq!(
        received(&mut stream, 51).await,
        (1..=51).collect::<Vec<_>>()
    );
    task.await.expect("the publisher ends");
}
