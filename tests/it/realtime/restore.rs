//! The database restored from a backup (or failed over to a replica that lagged) while Redis
//! keeps the history it lost: the database wins. The nodes move the match to a new epoch,
//! overwrite Redis and L1 with the database's snapshot, and every viewer gets it and every
//! ball after it, however far ahead of it the lost history's seqs were.

use reqwest::StatusCode;

use crate::support::db::postgres_copy;
use crate::support::live_client::{Item, LiveClient, Msg};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

/// What a viewer received after the restore: messages of older epochs (which a client
/// ignores), then, in the database's epoch, a snapshot first and every seq after it once, in
/// order, up to `last`.
fn assert_follows(label: &str, msgs: &[Msg], epoch: i64, last: i64) {
    let seqs: Vec<(i64, i64, &str)> = msgs
        .iter()
        .map(|m| (m.epoch, m.seq, m.kind.as_str()))
        .collect();
    let start = msgs
        .iter()
        .position(|m| m.epoch == epoch)
        .unwrap_or_else(|| panic!("{label}: nothing of epoch {epoch}: {seqs:?}"));
    assert!(
        msgs[..start].iter().all(|m| m.epoch < epoch),
        "{label}: a later epoch before the database's: {seqs:?}"
    );
    assert!(
        msgs[start].is_snapshot(),
        "{label}: the new epoch opened with a {}: {seqs:?}",
        msgs[start].kind
    );
    for pair in msgs[start..].windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(b.epoch, epoch, "{label}: epochs went back: {seqs:?}");
        assert!(
            b.seq == a.seq + 1 || (b.is_snapshot() && b.seq > a.seq),
            "{label}: {} {} after {}: {seqs:?}",
            b.kind,
            b.seq,
            a.seq
        );
    }
    assert_eq!(msgs.last().map(|m| m.seq), Some(last), "{label}: {seqs:?}");
}

/// Reads until the viewer stands at `(epoch, seq)`; a close first fails the test, and so does
/// silence (the bug this guards against: a viewer that hears nothing after the restore).
async fn until_pos(c: &mut LiveClient, epoch: i64, seq: i64) {
    while c
        .received
        .last()
        .is_none_or(|m| (m.epoch, m.seq) < (epoch, seq))
    {
        if let Item::End(code) = c.next().await {
            panic!("{}: ended ({code:?}) at {:?}", c.label, c.resume_token());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_database_wins_over_the_history_redis_kept() {
    let shared = Shared::new(CREASE).await;
    let redis = super::redis_url();
    let a = Node::start(&shared, Some(&redis), &[]).await;
    let b = Node::start(&shared, Some(&redis), &[]).await;
    let mut f = a.started_match().await;
    let at = a.score(&mut f, 6).await;

    // The backup, taken at seq `at`.
    let backup = postgres_copy(&shared.db).await;
    let model_at_backup = f.innings.clone();

    // Thirty balls more, followed by viewers on both nodes and both transports: the history
    // the restore will lose.
    let mut viewers = vec![
        LiveClient::ws(&a.base, f.id, None).await,
        LiveClient::sse(&a.base, f.id, None).await,
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    let lost = a.score(&mut f, 30).await;
    assert_eq!(lost, at + 30);
    for v in &mut viewers {
        v.until_seq(lost).await;
    }
    let lost_epoch = viewers[0].received.last().expect("a message").epoch;
    // Redis comes to hold the lost history (a write-through that timed out is repaired).
    crate::support::app::eventually("Redis to hold the match as the viewers saw it", || async {
        let body = shared.redis_snapshot(f.id).await?;
        let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
        (v["epoch"].as_i64() == Some(lost_epoch) && v["seq"].as_i64() == Some(lost)).then_some(())
    })
    .await;

    // The database goes back to the backup; Redis is left as it is; the nodes restart on the
    // restored database, and the viewers come back to them from where they were.
    drop((a, b));
    let tokens: Vec<(bool, String)> = viewers
        .iter()
        .map(|v| {
            let token = v.resume_token().expect("a message");
            (v.label.starts_with("ws"), token)
        })
        .collect();
    drop(viewers);
    let restored = Shared {
        bin: CREASE,
        db: backup,
        redis_prefix: shared.redis_prefix.clone(),
    };
    let nodes = [
        Node::start_logged(&restored, Some(&redis)).await,
        Node::start_logged(&restored, Some(&redis)).await,
    ];
    let mut viewers = Vec::new();
    for (i, (ws, token)) in tokens.iter().enumerate() {
        let base = &nodes[i / 2].base;
        viewers.push(if *ws {
            LiveClient::ws(base, f.id, Some(token)).await
        } else {
            LiveClient::sse(base, f.id, Some(token)).await
        });
    }

    // Ten balls on the restored history: every one stored after `at`.
    f.innings = model_at_backup;
    for i in 1..=10 {
        let seq = nodes[0].score(&mut f, 1).await;
        assert_eq!(seq, at + i);
    }
    let last = at + 10;
    let stored = restored
        .db
        .snapshot(f.id)
        .await
        .expect("snapshot")
        .expect("a stored snapshot");
    assert_eq!(stored.seq, last);
    assert!(
        stored.epoch > lost_epoch,
        "the restored history has a new epoch"
    );
    let truth: serde_json::Value = serde_json::from_slice(&stored.body).expect("JSON");
    assert_eq!(
        truth["epoch"], stored.epoch,
        "the stored body names its epoch"
    );
    assert_eq!(truth["innings"][0]["runs"], f.innings.runs);

    // Every viewer reaches the database's last ball, in the database's epoch, gaplessly.
    for v in &mut viewers {
        until_pos(v, stored.epoch, last).await;
        assert_follows(&v.label, &v.received, stored.epoch, last);
        let end = v.received.last().expect("a message");
        let summary = end.json["line"]["sum"]
            .as_str()
            .or(end.json["summary"].as_str());
        assert_eq!(summary, truth["summary"].as_str(), "{}", v.label);
    }

    // `/live` is the database's snapshot on every node, and so is Redis.
    for node in &nodes {
        let live = crate::support::app::eventually("/live to equal the database", || async {
            let res = node
                .client
                .get(node.url(&format!("/api/matches/{}/live", f.id)))
                .send()
                .await
                .ok()?;
            (res.status() == StatusCode::OK).then_some(())?;
            let body = res.bytes().await.ok()?;
            (body[..] == stored.body[..]).then_some(body)
        })
        .await;
        assert!(!live.is_empty());
    }
    assert_eq!(
        restored.redis_snapshot(f.id).await.as_deref(),
        Some(&stored.body[..])
    );

    // What happened is counted once (the nodes race to the same change; one makes it) and logged.
    let mut changes = 0.0;
    for node in &nodes {
        changes += node.metric("crease_epoch_changes_total", &[]).await;
    }
    assert_eq!(changes, 1.0, "one epoch change across the nodes");
    assert!(
        nodes.iter().any(|n| n
            .log()
            .contains("the caches held a history the database does not")),
        "a node logs the change"
    );
}

/// A database restored to before a match's first ball, with Redis still holding the lost
/// innings: the nodes find it when they start, before any ball is scored, and serve the
/// database's opening state rather than the lost score.
#[tokio::test]
async fn a_restore_to_before_the_first_ball_is_caught_when_the_nodes_start() {
    let shared = Shared::new(CREASE).await;
    let redis = super::redis_url();
    let a = Node::start(&shared, Some(&redis), &[]).await;
    let mut f = a.created_match().await;
    let backup = postgres_copy(&shared.db).await;
    a.start_innings(&f).await;
    let lost = a.score(&mut f, 5).await;
    // A write-through that timed out on a loaded machine is repaired by the node's watchdog:
    // either way Redis comes to hold the innings the restore will lose.
    let held: serde_json::Value =
        crate::support::app::eventually("Redis to hold the innings", || async {
            let body = shared.redis_snapshot(f.id).await?;
            let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
            (v["seq"].as_i64() == Some(lost)).then_some(v)
        })
        .await;

    drop(a);
    let restored = Shared {
        bin: CREASE,
        db: backup,
        redis_prefix: shared.redis_prefix.clone(),
    };
    let node = Node::start(&restored, Some(&redis), &[]).await;
    let live: serde_json::Value =
        crate::support::app::eventually("Redis to hold the database's opening state", || async {
            let body = restored.redis_snapshot(f.id).await?;
            let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
            (v["seq"] == 0).then_some(v)
        })
        .await;
    assert!(
        live["epoch"].as_i64() > held["epoch"].as_i64(),
        "a new epoch"
    );
    let served = node.get_json(&format!("/api/matches/{}/live", f.id)).await;
    assert_eq!(served["seq"], 0);
    assert_eq!(served["epoch"], live["epoch"]);
}
