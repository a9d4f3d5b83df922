//! The fault matrix: one real match per fault, played on two nodes with viewers on each, with
//! the fault striking mid-match. Each test checks that every event was stored once, that every
//! viewer applied each seq once and in order, that `/live` never went backwards, and that Redis
//! equals the database after recovery; with `CREASE_FAULT_REPORT=path` it appends its row of
//! the README's table there (`scripts/fault-matrix.sh`).

mod match_scorer;
mod observers;
mod scenario;
mod verdict;

use scenario::{run, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed() {
    run(Fault::RedisKilled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hung() {
    run(Fault::RedisHung).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cut() {
    run(Fault::RedisCut).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_empty() {
    run(Fault::RedisRestartedEmpty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_cut() {
    run(Fault::DatabaseCut).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_restored_from_older_copy() {
    run(Fault::DatabaseRestoredFromOlderCopy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_sigkill() {
    run(Fault::NodeSigkill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_graceful_shutdown() {
    run(Fault::NodeGracefulShutdown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorer_response_dropped() {
    run(Fault::ScorerResponseDropped).await;
}
