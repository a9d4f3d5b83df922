//! Faults of the cluster itself, each on a cluster of the test's own: a primary killed (its
//! replica promoted) and a slot migrated, both in the middle of a match being scored.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crease_testkit::redis_cluster::PrivateCluster;

use crate::support::app::Fixture;
use crate::support::live_client::{assert_never_back, LiveClient};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

enum Fault {
    KillPrimary,
    MigrateSlot,
}

/// Two nodes on a private cluster, viewers of one match on both (WebSocket and SSE), a ball
/// posted to A every 100 ms and `/live` polled on B throughout; the fault strikes after ten
/// balls, while the balls keep coming.
async fn a_match_through(fault: Fault) -> serde_json::Value {
    let mut cluster = PrivateCluster::start().await;
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&cluster.urls()), &[]).await;
    let b = Node::start(&shared, Some(&cluster.urls()), &[]).await;
    let mut f: Fixture = a.started_match().await;
    let match_id = f.id;
    let key = format!("{}{{match:{}}}:live", shared.redis_prefix, match_id);

    let mut clients = vec![
        LiveClient::ws(&a.base, match_id, None).await,
        LiveClient::sse(&a.base, match_id, None).await,
        LiveClient::ws(&b.base, match_id, None).await,
        LiveClient::sse(&b.base, match_id, None).await,
    ];
    for c in &mut clients {
        c.next().await;
    }
    let polling = Arc::new(AtomicBool::new(true));
    let poller = {
        let (url, polling) = (
            b.url(&format!("/api/matches/{}/live", match_id)),
            polling.clone(),
        );
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut seqs = Vec::new();
            while polling.load(Ordering::Acquire) {
                if let Ok(res) = http.get(&url).send().await {
                    if let Ok(v) = res.json::<serde_json::Value>().await {
                        if let Some(seq) = v["seq"].as_i64() {
                            seqs.push(seq);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seqs
        })
    };

    a.score(&mut f, 10).await;
    let a = Arc::new(a);
    let scorer = {
        let a = a.clone();
        tokio::spawn(async move {
            let mut last = 0;
            for _ in 0..30 {
                last = a.score(&mut f, 1).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            last
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    match fault {
        Fault::KillPrimary => {
            let dead = cluster.kill_primary_of(&key).await;
            eprintln!("killed the primary at port {dead}");
        }
        Fault::MigrateSlot => {
            let to = cluster.migrate_slot_of(&key).await;
            eprintln!("moved the match's slot to the primary at port {to}");
        }
    }
    let last = scorer.await.expect("scorer");

    for mut c in clients {
        c.until_seq(last).await;
        assert_never_back(&c.label, &c.received);
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
    }
    polling.store(false, Ordering::Release);
    let polled = poller.await.expect("poller");
    assert!(
        polled.windows(2).all(|w| w[0] <= w[1]),
        "/live went backwards: {polled:?}"
    );
    let stored = shared
        .db
        .strings_raw(&format!(
            "SELECT count(*)::text || ' ' || max(seq)::text FROM match_events WHERE match_id = {}",
            match_id
        ))
        .await;
    assert_eq!(
        stored,
        vec![format!("{last} {last}")],
        "every event stored once, at seqs 1..={last}"
    );
    let live = format!("/api/matches/{}/live", match_id);
    crease_testkit::wait::eventually("node B's /live is at the last ball", || async {
        (b.get_json(&live).await["seq"] == last).then_some(())
    })
    .await;
    let ready = b.get_json("/readyz").await;
    eprintln!(
        "node B after the fault: {ready}; resyncs {}",
        b.metric("crease_resyncs_total", &[("reason", "hint")])
            .await
    );
    ready
}

#[tokio::test]
async fn a_primary_killed_mid_match_loses_no_ball_and_no_client_falls_behind() {
    let ready = a_match_through(Fault::KillPrimary).await;
    assert_eq!(ready["redis"], "up", "{ready}");
    assert!(
        ready["redis_cluster"]["connections_lost"].as_u64() >= Some(1),
        "the node's health says a shard was lost: {ready}"
    );
}

#[tokio::test]
async fn a_slot_migrated_mid_match_loses_no_ball_and_no_client_falls_behind() {
    let ready = a_match_through(Fault::MigrateSlot).await;
    assert_eq!(ready["redis"], "up", "{ready}");
    assert!(
        ready["redis_cluster"]["slots_moved"].as_u64() >= Some(1),
        "the node's health says the slot moved: {ready}"
    );
}

#[tokio::test]
async fn while_the_whole_cluster_hangs_the_database_serves_and_every_ball_still_arrives() {
    let cluster = PrivateCluster::start().await;
    let shared = Shared::new(CREASE).await;
    let a = Node::start(&shared, Some(&cluster.urls()), &[]).await;
    let b = Node::start(&shared, Some(&cluster.urls()), &[]).await;
    let mut f: Fixture = a.started_match().await;
    let mut clients = vec![
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    for c in &mut clients {
        c.next().await;
    }
    a.score(&mut f, 5).await;

    cluster.signal_all(true);
    let during = a.score(&mut f, 10).await;
    for c in &mut clients {
        c.until_seq(during).await;
    }
    crease_testkit::wait::eventually("node B reports Redis down", || async {
        (b.get_json("/readyz").await["redis"] == "down").then_some(())
    })
    .await;
    let live = format!("/api/matches/{}/live", f.id);
    assert_eq!(
        b.get_json(&live).await["seq"],
        during,
        "/live from the database"
    );

    cluster.signal_all(false);
    crease_testkit::wait::eventually("node B sees Redis again", || async {
        (b.get_json("/readyz").await["redis"] == "up").then_some(())
    })
    .await;
    let last = a.score(&mut f, 5).await;
    for mut c in clients {
        c.until_seq(last).await;
        assert_never_back(&c.label, &c.received);
        assert_eq!(c.last_seq(), Some(last), "{}", c.label);
    }
    crease_testkit::wait::eventually("node B's /live is at the last ball", || async {
        (b.get_json(&live).await["seq"] == last).then_some(())
    })
    .await;
}
