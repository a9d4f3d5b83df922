//! Redis outages, played with a cuttable proxy in front of the real Redis, on Postgres: reads
//! and ingest carry on from the database, nothing is lost, the score never goes backwards, and
//! Redis is repaired before it is read again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;
use reqwest::StatusCode;
use tokio::task::JoinHandle;

use crate::support::app::{
    eventually, spawn_app, AppOptions, Fixture, RedisMode, StoreKind, TestApp,
};
use crate::support::redis_proxy::RedisProxy;

/// What a reader polling `/live` saw, in order.
#[derive(Default, Debug)]
struct Seen {
    reads: usize,
    /// `(previous, now)` for every read whose seq was below one seen before.
    regressions: Vec<(i64, i64)>,
    /// Non-200 answers (status, body).
    failures: Vec<(StatusCode, String)>,
    tiers: Vec<String>,
}

impl Seen {
    /// Every read answered, and the score never went backwards.
    fn assert_clean(&self) {
        assert!(
            self.failures.is_empty(),
            "reads failed: {:?}",
            self.failures
        );
        assert!(
            self.regressions.is_empty(),
            "the score went backwards: {:?}",
            self.regressions
        );
    }
}

/// A scorer node on Redis directly and a viewer node whose Redis goes through a proxy, sharing
/// Postgres, with a match three balls in that the viewer has heard.
async fn scorer_and_viewer_behind_proxy() -> (RedisProxy, TestApp, TestApp, Fixture) {
    let proxy = RedisProxy::start().await;
    let scorer = spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Direct)).await;
    scorer.wait_redis_up().await;
    let viewer = scorer.peer(RedisMode::Via(proxy.url())).await;
    viewer.wait_redis_up().await;

    let mut f = scorer.started_match(20).await;
    scorer.score(&mut f, 3).await;
    eventually("the other node to hear the balls", || async {
        (viewer.live_json(f.id).await["seq"] == 4).then_some(())
    })
    .await;
    (proxy, scorer, viewer, f)
}

/// Polls `/live` until `stop`, checking that the seq never goes down.
fn spawn_reader(app: &TestApp, match_id: i64, stop: Arc<AtomicBool>) -> JoinHandle<Seen> {
    let client = app.client.clone();
    let url = app.url(&format!("/api/matches/{match_id}/live"));
    tokio::spawn(async move {
        let mut seen = Seen::default();
        let mut highest = 0;
        while !stop.load(Ordering::Acquire) {
            let res = client.get(&url).send().await.expect("the node answers");
            let status = res.status();
            let tier = res
                .headers()
                .get("x-cache")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            let body = res.bytes().await.expect("body");
            seen.reads += 1;
            if status != StatusCode::OK {
                seen.failures
                    .push((status, String::from_utf8_lossy(&body).into_owned()));
                continue;
            }
            let seq = serde_json::from_slice::<serde_json::Value>(&body).expect("JSON")["seq"]
                .as_i64()
                .expect("seq");
            if seq < highest {
                seen.regressions.push((highest, seq));
            }
            highest = highest.max(seq);
            if seen.tiers.last() != Some(&tier) {
                seen.tiers.push(tier);
            }
            // A steady trickle, not a flood: the point is to interleave with everything else.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        seen
    })
}

/// The snapshot Redis holds for a match, read straight from Redis (not through the proxy).
async fn redis_snapshot(app: &TestApp, match_id: i64) -> Option<Vec<u8>> {
    let mut c = app.redis_direct().await;
    c.get(format!("{}match:{match_id}:live", app.redis_prefix))
        .await
        .expect("GET")
}

/// Waits until Redis, the database and `/live` all hold the same snapshot, and returns it.
async fn wait_consistent(app: &TestApp, match_id: i64) -> Vec<u8> {
    let stored = app.stored(match_id).await.1.expect("a stored snapshot");
    eventually("Redis to hold the database's snapshot", || async {
        (redis_snapshot(app, match_id).await.as_deref() == Some(&stored[..])).then_some(())
    })
    .await;
    let live = app.live(match_id).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(
        live.body[..],
        stored[..],
        "/live serves the database's snapshot"
    );
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_and_ingest_survive_a_redis_cut_and_redis_is_repaired() {
    let proxy = RedisProxy::start().await;
    let app =
        spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Via(proxy.url()))).await;
    app.wait_redis_up().await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 10).await;
    wait_consistent(&app, f.id).await;

    let stop = Arc::new(AtomicBool::new(false));
    let reader = spawn_reader(&app, f.id, stop.clone());

    let db_reads = app.metric("crease_reads_total", &[("tier", "db")]).await;
    proxy.cut();
    // Counted, not looked for in this loop's own answers: with Redis down L1 is still trusted
    // for a second after each load, so most reads (the reader's too) come from L1, and which
    // one falls to the database is a race.
    eventually(
        "a read answered from the database during the cut",
        || async {
            let res = app.live(f.id).await;
            assert_eq!(res.status, StatusCode::OK, "{res:?}");
            let now = app.metric("crease_reads_total", &[("tier", "db")]).await;
            (now > db_reads).then_some(())
        },
    )
    .await;
    assert_eq!(app.readyz().await["redis"], "down");

    let mut seq = app.live_json(f.id).await["seq"].as_i64().expect("seq");
    for _ in 0..100 {
        let runs = f.innings.next_runs();
        let res = app
            .post_ball(f.id, &app.admin_token, &f.innings.ball_with(runs))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
        f.innings.accept(runs);
        let stored_seq = res.json()["seq"].as_i64().expect("seq");
        assert_eq!(stored_seq, seq + 1, "seqs are consecutive");
        seq = stored_seq;
    }
    let during = app.live(f.id).await;
    assert_eq!(during.status, StatusCode::OK);
    assert_ne!(during.header("x-cache"), Some("redis"));
    assert_eq!(during.json()["seq"], seq);
    assert_eq!(during.json()["innings"][0]["runs"], f.innings.runs);
    assert_eq!(
        app.events(f.id).await.len() as i64,
        seq,
        "every ball stored"
    );

    proxy.restore();
    eventually("readyz to report redis up", || async {
        (app.readyz().await["redis"] == "up").then_some(())
    })
    .await;
    let snapshot = wait_consistent(&app, f.id).await;
    let snapshot: serde_json::Value = serde_json::from_slice(&snapshot).expect("JSON");
    assert_eq!(snapshot["seq"], seq);

    // Reads keep flowing after the return, from Redis or L1, and agree with the database.
    app.wait_redis_up().await;
    eventually(
        "a read after the return that is not from the database",
        || async {
            let res = app.live(f.id).await;
            assert_eq!(res.json()["seq"], seq);
            (res.header("x-cache") != Some("db")).then_some(())
        },
    )
    .await;

    stop.store(true, Ordering::Release);
    let seen = reader.await.expect("reader task");
    seen.assert_clean();
    assert!(seen.reads > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn node_starts_with_redis_down_and_serves_from_the_database() {
    let proxy = RedisProxy::start().await;
    proxy.cut();
    let app =
        spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Via(proxy.url()))).await;

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    assert_eq!(ready.json()["redis"], "down");

    let mut f = app.started_match(20).await;
    app.score(&mut f, 5).await;
    eventually("a read answered from the database", || async {
        let res = app.live(f.id).await;
        assert_eq!(res.status, StatusCode::OK, "{res:?}");
        assert_eq!(res.json()["seq"], 6);
        (res.header("x-cache") == Some("db")).then_some(())
    })
    .await;
    assert_eq!(
        app.live_json(f.id).await["innings"][0]["runs"],
        f.innings.runs
    );
    assert_eq!(
        redis_snapshot(&app, f.id).await,
        None,
        "nothing reached Redis"
    );

    // When Redis arrives, it is filled from the database before it is trusted.
    proxy.restore();
    app.wait_redis_up().await;
    wait_consistent(&app, f.id).await;
}

/// A hung Redis (connections open, no answers) is the harder failure: every call must give up
/// on its own timeout, so ingest and reads carry on instead of waiting for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hung_redis_stalls_nothing_and_is_repaired_on_return() {
    let proxy = RedisProxy::start().await;
    let app =
        spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Via(proxy.url()))).await;
    app.wait_redis_up().await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 5).await;
    wait_consistent(&app, f.id).await;

    let stop = Arc::new(AtomicBool::new(false));
    let reader = spawn_reader(&app, f.id, stop.clone());

    proxy.stall();
    app.score(&mut f, 30).await;
    eventually("readyz to report redis down while it hangs", || async {
        (app.readyz().await["redis"] == "down").then_some(())
    })
    .await;
    // This node's own ingest keeps its L1 current, so reads may come from L1 or the database;
    // never from the hung Redis, and always at the latest seq.
    let res = app.live(f.id).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["seq"], 36);
    assert_ne!(res.header("x-cache"), Some("redis"));
    assert_eq!(app.events(f.id).await.len(), 36, "every ball stored");

    proxy.restore();
    app.wait_redis_up().await;
    let snapshot = wait_consistent(&app, f.id).await;
    let snapshot: serde_json::Value = serde_json::from_slice(&snapshot).expect("JSON");
    assert_eq!(snapshot["seq"], 36);
    assert_eq!(snapshot["innings"][0]["runs"], f.innings.runs);

    stop.store(true, Ordering::Release);
    let seen = reader.await.expect("reader task");
    seen.assert_clean();
}

/// Two nodes behind a load balancer; one loses Redis (and with it the bus) while the other
/// keeps scoring. The cut-off node must not go on serving its last score: it catches up from
/// the database, and hears the bus again once Redis returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_cut_off_from_redis_catches_up_from_the_database() {
    let (proxy, scorer, viewer, mut f) = scorer_and_viewer_behind_proxy().await;

    let stop = Arc::new(AtomicBool::new(false));
    let reader = spawn_reader(&viewer, f.id, stop.clone());

    proxy.cut();
    scorer.score(&mut f, 6).await;
    eventually("the cut-off node to catch up from the database", || async {
        let live = viewer.live_json(f.id).await;
        (live["seq"] == 10 && live["innings"][0]["runs"] == f.innings.runs).then_some(())
    })
    .await;

    proxy.restore();
    viewer.wait_redis_up().await;
    scorer.score(&mut f, 1).await;
    eventually("the bus to carry balls to the returned node", || async {
        (viewer.live_json(f.id).await["seq"] == 11).then_some(())
    })
    .await;
    wait_consistent(&viewer, f.id).await;

    stop.store(true, Ordering::Release);
    let seen = reader.await.expect("reader task");
    seen.assert_clean();
}

/// As above, but the cut-off node's Redis hangs instead of closing: its subscription looks
/// alive and simply goes quiet. The node must still catch up rather than trust its L1 forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_whose_redis_hangs_catches_up_from_the_database() {
    let (proxy, scorer, viewer, mut f) = scorer_and_viewer_behind_proxy().await;

    proxy.stall();
    scorer.score(&mut f, 6).await;
    eventually("the node with a hung Redis to catch up", || async {
        (viewer.live_json(f.id).await["seq"] == 10).then_some(())
    })
    .await;

    proxy.restore();
    viewer.wait_redis_up().await;
    wait_consistent(&viewer, f.id).await;
}
