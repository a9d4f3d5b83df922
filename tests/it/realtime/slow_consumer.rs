//! A client that stops reading must cost the node a bounded amount of memory, be resynced or
//! closed as too slow, and never hold back another client of the same match.
//!
//! 10,000 balls through the engine would take minutes, so the messages are published straight
//! on the node's bus (Redis `PUBLISH {prefix}match:{id}`), shaped like real `ball` messages.

use tokio::sync::watch;

use crate::support::app::eventually;
use crate::support::live_client::{assert_never_back, Item, LiveClient, RawWs};
use crate::support::node_process::{redis_direct, Node, Shared};
use crate::support::CREASE;

const MESSAGES: i64 = 10_000;
/// Published per round; the normal client catches up between rounds, so neither it nor the
/// match's worker queue (1024) is ever the one that falls behind.
const BATCH: i64 = 250;

/// A `ball` message of about 1 KB, as the engine would publish for `seq` of `epoch`.
fn ball_message(match_id: i64, epoch: i64, seq: i64) -> String {
    let commentary =
        "Full and straight, driven firmly back past the bowler for a couple. ".repeat(12);
    format!(
        r#"{{"type":"ball","match_id":{match_id},"seq":{seq},"epoch":{epoch},"ball":{{"batter":"Hawks 1","non_striker":"Hawks 2","bowler":"Owls 11","runs":{{"batter":2,"extras":0,"total":2}}}},"line":{{"st":"in_progress","sum":"Hawks {seq}/0","c":{{"at":"0.1","text":"{commentary}"}}}}}}"#
    )
}

/// The node's bus for one match, written to straight from Redis.
struct Bus {
    redis: redis::aio::MultiplexedConnection,
    channel: String,
    match_id: i64,
    epoch: i64,
}

impl Bus {
    async fn of(shared: &Shared, match_id: i64, epoch: i64) -> Bus {
        Bus {
            redis: redis_direct().await,
            channel: format!("{}match:{match_id}", shared.redis_prefix),
            match_id,
            epoch,
        }
    }

    /// Publishes a ball message for each seq, in one round trip.
    async fn publish(&mut self, seqs: std::ops::RangeInclusive<i64>) {
        let mut pipe = redis::pipe();
        for seq in seqs {
            pipe.cmd("PUBLISH")
                .arg(&self.channel)
                .arg(ball_message(self.match_id, self.epoch, seq))
                .ignore();
        }
        let () = pipe.query_async(&mut self.redis).await.expect("PUBLISH");
    }

    /// Publishes batches after seq 1 until the node's `metric` (with `labels`) counts one, the
    /// `normal` client getting each batch before the next; then checks the bus dropped nothing.
    async fn publish_until(
        mut self,
        node: &Node,
        mut normal: LiveClient,
        (metric, labels): (&str, &[(&str, &str)]),
    ) {
        let mut seq = 1;
        while node.metric(metric, labels).await < 1.0 {
            assert!(seq < MESSAGES, "no {metric} after {seq} messages");
            self.publish(seq + 1..=seq + BATCH).await;
            seq += BATCH;
            normal.until_seq(seq).await;
        }
        assert_eq!(node.metric("crease_bus_dropped_total", &[]).await, 0.0);
    }
}

#[tokio::test]
async fn a_client_that_reads_nothing_is_bounded_and_does_not_hold_back_others() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let mut f = node.started_match().await;
    let start = node.score(&mut f, 3).await;

    let mut slow = LiveClient::ws_small_buffer(&node.base, f.id).await;
    let epoch = match slow.next().await {
        Item::Msg(m) if m.is_snapshot() => m.epoch,
        other => panic!("a snapshot first, not {other:?}"),
    };
    let mut normal = LiveClient::ws(&node.base, f.id, None).await;
    normal.until_seq(start).await;

    let (progress_tx, mut progress) = watch::channel(start);
    let last = start + MESSAGES;
    let reader = tokio::spawn(async move {
        while normal.last_seq() < Some(last) {
            if let Item::End(code) = normal.next().await {
                panic!("the normal client was closed ({code:?})");
            }
            let _ = progress_tx.send(normal.last_seq().unwrap_or(0));
        }
        normal
    });

    let mut bus = Bus::of(&shared, f.id, epoch).await;
    let baseline = node.rss_kib();
    let mut peak = baseline;
    let mut seq = start;
    while seq < last {
        let batch = BATCH.min(last - seq);
        bus.publish(seq + 1..=seq + batch).await;
        seq += batch;
        let target = seq;
        tokio::time::timeout(
            crate::support::app::DEADLINE,
            progress.wait_for(|s| *s >= target),
        )
        .await
        .expect("the normal client keeps up")
        .expect("reader alive");
        peak = peak.max(node.rss_kib());
    }
    let normal = reader.await.expect("reader");

    // The normal client: every message, in order, once.
    let seqs = normal.seqs();
    let expected: Vec<i64> = (seqs[0]..=last).collect();
    assert_eq!(seqs, expected, "the normal client saw a gap or a duplicate");
    assert!(normal.received[1..].iter().all(|m| m.kind == "ball"));

    // The slow client was resynced (it lagged) and then closed (it lagged again).
    let resyncs = node
        .metric("crease_resyncs_total", &[("reason", "lag")])
        .await;
    let closes = node.metric("crease_slow_closes_total", &[]).await;
    assert!(resyncs >= 1.0, "lag resyncs: {resyncs}");
    assert!(closes >= 1.0, "slow closes: {closes}");

    // Memory: the slow connection may hold at most 256 frames / 1 MiB queued, the ring 512
    // messages in two encodings (~1 MiB), the match's worker queue up to 1024 messages
    // (~1 MiB). 10,000 messages kept for the slow client would be ~10 MiB per encoding.
    // 6 MiB over the idle baseline leaves room for allocator slack and no room for that.
    let grown = peak.saturating_sub(baseline);
    eprintln!("node RSS: baseline {baseline} KiB, peak {peak} KiB, grown {grown} KiB");
    assert!(grown < 6 * 1024, "the node grew by {grown} KiB");

    // Read what the slow client was left with: a prefix of the stream, never a gap or a
    // repeat, then its end.
    let code = slow.until_end().await;
    // It reads only long after its close's grace, so the 4008 frame that waited behind its
    // full buffer was given up and the socket reset: the stream ends with no close frame.
    assert!(
        matches!(code, Some(4008) | None),
        "{}: {code:?}",
        slow.label
    );
    assert_never_back(&slow.label, &slow.received);
    let got = slow.received.len();
    assert!(
        got < MESSAGES as usize,
        "the slow client got {got} messages"
    );
    drop(normal);
    eventually("the slow connection to be gone", || async {
        (node
            .metric("crease_connections", &[("transport", "ws")])
            .await
            <= 0.0)
            .then_some(())
    })
    .await;
}

/// A client closed as too slow whose socket buffer is full cannot even take its close frame.
/// After the close's grace the node resets the socket: it does not hold it (and the kernel
/// memory of the unread bytes) until the client reads or the heartbeat reaps it.
///
/// Each batch is published only once a reading client has had all of the last: published
/// faster than the node takes them, messages overflow the match's worker queue and are dropped,
/// and the resyncs that follow (from a store that holds none of these made-up messages) keep
/// the slow client from ever lagging twice in a row.
#[tokio::test]
async fn a_client_closed_as_too_slow_that_never_reads_is_reset() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, Some(&super::redis_url()), &[]).await;
    let f = node.started_match().await;
    let mut raw = RawWs::connect_small_buffer(&node.base, f.id).await;
    let normal = LiveClient::ws(&node.base, f.id, None).await;

    // The raw client reads nothing, not even its snapshot: the epoch comes from `/live`.
    let epoch = node.get_json(&format!("/api/matches/{}/live", f.id)).await["epoch"]
        .as_i64()
        .expect("the snapshot's epoch");
    let bus = Bus::of(&shared, f.id, epoch).await;
    bus.publish_until(&node, normal, ("crease_slow_closes_total", &[]))
        .await;

    // The client has read nothing, and the node lets go of it all the same.
    eventually("the too-slow connection to be let go", || async {
        let ws = node
            .metric("crease_connections", &[("transport", "ws")])
            .await;
        (ws <= 0.0).then_some(())
    })
    .await;
    assert!(node.metric("crease_ws_resets_total", &[]).await >= 1.0);
    // When it does read, what was queued ends in a reset (or EOF), not a socket left open.
    raw.read_to_end().await;
}

/// An SSE client that reads nothing lags and is marked for a resync, which its stream's body
/// would run, but hyper stops polling a body whose client takes nothing. The write timeout
/// lets go of it instead: the connection is reset, while a WebSocket viewer of the match gets
/// every message.
#[tokio::test]
async fn an_sse_client_that_reads_nothing_is_reset_after_the_write_timeout() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(
        &shared,
        Some(&super::redis_url()),
        &[("CREASE_WRITE_TIMEOUT_MS", "1000")],
    )
    .await;
    let f = node.started_match().await;
    let host = node.base.trim_start_matches("http://");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut silent = socket
        .connect(host.parse().expect("base is http://ip:port"))
        .await
        .expect("connect");
    let request = format!(
        "GET /api/matches/{}/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n",
        f.id
    );
    tokio::io::AsyncWriteExt::write_all(&mut silent, request.as_bytes())
        .await
        .expect("request");
    eventually("the silent SSE client to be attached", || async {
        let sse = node
            .metric("crease_connections", &[("transport", "sse")])
            .await;
        (sse >= 1.0).then_some(())
    })
    .await;
    let normal = LiveClient::ws(&node.base, f.id, None).await;

    let epoch = node.get_json(&format!("/api/matches/{}/live", f.id)).await["epoch"]
        .as_i64()
        .expect("the snapshot's epoch");
    let bus = Bus::of(&shared, f.id, epoch).await;
    bus.publish_until(
        &node,
        normal,
        ("crease_resyncs_total", &[("reason", "lag")]),
    )
    .await;

    // Let go: not only detached from the match, but the TCP connection itself given up (the
    // one left is the connection asking for the metrics).
    eventually("the silent SSE connection to be let go", || async {
        let sse = node
            .metric("crease_connections", &[("transport", "sse")])
            .await;
        let tcp = node.metric("crease_tcp_connections", &[]).await;
        (sse <= 0.0 && tcp <= 1.0).then_some(())
    })
    .await;
    assert!(node.metric("crease_write_stalls_total", &[]).await >= 1.0);
    drop(silent);
}
