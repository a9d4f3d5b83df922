//! The read path, measured by the node's own metrics: a warm `/live` never reaches the
//! database, `--cache off` always does, and a crowd of cold readers costs one load.
//!
//! nextest runs each test in its own process and the Prometheus recorder is process-wide, so
//! the deltas read here belong to this test's node (and the test's own pool, left idle while
//! counting).

use crease::config::CacheMode;
use futures::future::join_all;
use reqwest::StatusCode;

use crate::support::app::{spawn_app, AppOptions, RedisMode, StoreKind, TestApp};

const DB_QUERIES: &str = "crease_db_queries_total";
const READS: &str = "crease_reads_total";

async fn reads(app: &TestApp, tier: &str) -> f64 {
    app.metric(READS, &[("tier", tier)]).await
}

/// A node with a match three balls in, its snapshot warm in L1.
async fn warm_node(opts: AppOptions) -> (TestApp, i64) {
    let redis = !matches!(opts.redis, RedisMode::Off);
    let app = spawn_app(opts).await;
    if redis {
        // A bus (re)subscription drops L1; let it happen before anything is measured.
        app.wait_redis_up().await;
    }
    let mut f = app.started_match(20).await;
    app.score(&mut f, 3).await;
    let first = app.live(f.id).await;
    assert_eq!(first.status, StatusCode::OK);
    (app, f.id)
}

/// Statements the node sent that no request asked for: the webhook sender looks for due
/// deliveries twice a second on every node, and prunes its log hourly, whatever the readers do.
const BACKGROUND_OPS: [&str; 3] = ["claim_deliveries", "finish_delivery", "prune_deliveries"];

/// Statements sent on behalf of requests: every one, less the background's.
async fn request_queries(app: &TestApp) -> f64 {
    let mut n = app.metric(DB_QUERIES, &[]).await;
    for op in BACKGROUND_OPS {
        n -= app.metric(DB_QUERIES, &[("op", op)]).await;
    }
    n
}

async fn thousand_warm_reads_query_nothing(opts: AppOptions) {
    let (app, id) = warm_node(opts).await;
    let expected = app.live(id).await.body;
    let db_before = request_queries(&app).await;
    let l1_before = reads(&app, "l1").await;

    for _ in 0..1_000 {
        let res = app.live(id).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("x-cache"), Some("l1"));
        assert_eq!(res.body, expected);
    }

    assert_eq!(
        request_queries(&app).await,
        db_before,
        "a warm read sent a statement to the database"
    );
    assert_eq!(reads(&app, "l1").await - l1_before, 1_000.0);
    assert!(db_before > 0.0, "the counter is live: ingest was counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn warm_reads_make_no_database_queries_postgres_redis() {
    thousand_warm_reads_query_nothing(
        AppOptions::new(StoreKind::Postgres).redis(RedisMode::Direct),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn warm_reads_make_no_database_queries_sqlite() {
    thousand_warm_reads_query_nothing(AppOptions::new(StoreKind::Sqlite)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_off_reads_every_time_from_the_database() {
    let (app, id) = warm_node(AppOptions::new(StoreKind::Postgres).cache(CacheMode::Off)).await;
    let snapshots_before = app.metric(DB_QUERIES, &[("op", "snapshot")]).await;
    let db_reads_before = reads(&app, "db").await;
    let l1_before = reads(&app, "l1").await;

    for _ in 0..100 {
        let res = app.live(id).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("x-cache"), Some("db"));
    }

    let snapshots = app.metric(DB_QUERIES, &[("op", "snapshot")]).await - snapshots_before;
    assert_eq!(snapshots, 100.0, "one snapshot query per read");
    assert_eq!(reads(&app, "db").await - db_reads_before, 100.0);
    assert_eq!(reads(&app, "l1").await, l1_before);
}

/// Drops every snapshot from the node's L1, as a restart of it would.
fn restart_l1(app: &TestApp) {
    app.state.cache.l1().clear_snapshots();
}

async fn fifty_concurrent_cold_reads(app: &TestApp, id: i64) -> Vec<bytes::Bytes> {
    let answers = join_all((0..50).map(|_| app.live(id))).await;
    answers
        .into_iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::OK, "{a:?}");
            a.body
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cold_reads_are_coalesced_into_one_query() {
    let (app, id) = warm_node(AppOptions::new(StoreKind::Postgres)).await;
    let stored = app.stored(id).await.1.expect("a stored snapshot");
    restart_l1(&app);
    let snapshots_before = app.metric(DB_QUERIES, &[("op", "snapshot")]).await;
    let db_reads_before = reads(&app, "db").await;

    let bodies = fifty_concurrent_cold_reads(&app, id).await;

    assert!(bodies.iter().all(|b| b[..] == stored[..]));
    let snapshots = app.metric(DB_QUERIES, &[("op", "snapshot")]).await - snapshots_before;
    assert_eq!(snapshots, 1.0, "50 cold readers, one database load");
    assert_eq!(reads(&app, "db").await - db_reads_before, 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cold_reads_with_redis_load_once_from_redis() {
    let (app, id) = warm_node(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Direct)).await;
    let stored = app.stored(id).await.1.expect("a stored snapshot");
    restart_l1(&app);
    let db_before = request_queries(&app).await;
    let redis_reads_before = reads(&app, "redis").await;

    let bodies = fifty_concurrent_cold_reads(&app, id).await;

    assert!(bodies.iter().all(|b| b[..] == stored[..]));
    assert_eq!(
        request_queries(&app).await,
        db_before,
        "Redis held the snapshot: the database was not asked"
    );
    assert_eq!(reads(&app, "redis").await - redis_reads_before, 1.0);
}

/// On a node that did not store the ball, the polls after it are answered from memory: the
/// bus message makes that node reload its copy from Redis once, before anyone asks.
#[tokio::test]
async fn a_node_that_did_not_store_the_ball_answers_the_next_poll_from_l1() {
    use crate::support::node_process::{Node, Shared};
    use crate::support::CREASE;
    let shared = Shared::new(CREASE).await;
    let redis = format!("redis://{}", crate::support::redis_proxy::redis_addr());
    let scorer = Node::start(&shared, Some(&redis), &[]).await;
    let reader = Node::start(&shared, Some(&redis), &[]).await;
    let mut f = scorer.started_match().await;
    let live = reader.url(&format!("/api/matches/{}/live", f.id));
    // The reader is asked once, so it holds the match.
    crate::support::app::eventually("the reader to serve the match", || async {
        let res = reader.client.get(&live).send().await.ok()?;
        (res.status() == StatusCode::OK).then_some(())
    })
    .await;
    for ball in 1..=5 {
        let seq = scorer.score(&mut f, 1).await;
        crate::support::app::eventually("the reader to reload the ball", || async {
            let n = reader.metric("crease_l1_refreshes_total", &[]).await;
            (n >= ball as f64).then_some(())
        })
        .await;
        let res = reader.client.get(&live).send().await.expect("GET /live");
        assert_eq!(res.headers()["x-cache"], "l1", "ball {ball}");
        let body: serde_json::Value = res.json().await.expect("JSON");
        assert_eq!(body["seq"], seq, "ball {ball}");
    }
}
