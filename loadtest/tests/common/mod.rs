//! What the loadtest tests share: a real Crease node in this process (SQLite, the bundled live
//! match imported part-way) and a way to run the built `crease-loadtest` against it.

#![allow(dead_code)]

use std::process::Output;
use std::time::Duration;

use crease::config::ServeConfig;
use crease::startup::App;
use crease::store::Store;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "test-admin-token";

pub struct Node {
    pub url: String,
    pub match_id: i64,
    pub seq: i64,
    stop: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A node serving the bundled live match, imported up to its `live_at`-th delivery.
pub async fn spawn_node(live_at: usize) -> Node {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite:{}?mode=rwc", dir.path().join("crease.db").display());
    let mut config = ServeConfig::for_tests(&db);
    config.max_connections_per_address = 10_000;
    let store = Store::open(&config.store).await.expect("store");
    let scoring = crease::fixtures::offline_scoring(&store);
    let imported = crease::fixtures::import_text(
        &store,
        &scoring,
        crease::fixtures::bundled::LIVE.json,
        Some(live_at),
    )
    .await
    .expect("import");
    drop(store);
    let app = App::build(config).await.expect("the node builds");
    let url = format!("http://{}", app.addr());
    let stop = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    Node {
        url,
        match_id: imported.match_id,
        seq: imported.seq,
        stop,
        _dir: dir,
    }
}

/// Runs the built binary with `args`, bounded in time.
pub async fn loadtest(args: &[&str]) -> Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_crease-loadtest"))
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("crease-loadtest finished in time")
        .expect("crease-loadtest ran")
}

/// The JSON report of a successful run.
pub fn report(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "crease-loadtest failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}
