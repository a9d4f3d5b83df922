//! What the loadtest tests share: a real Crease node in this process (SQLite, the bundled live
//! match imported part-way) and a way to run the built `crease-loadtest` against it.

#![allow(dead_code)]

use std::process::Output;
use std::time::Duration;

use crease_testkit::app::{spawn_app_on, AppOptions, StoreKind, TestApp};
use crease_testkit::db::sqlite_store;
use serde_json::Value;

#[allow(unused_imports)] // Not every test binary that includes this module posts.
pub use crease_testkit::ADMIN_TOKEN;

pub struct Node {
    pub url: String,
    pub match_id: i64,
    pub seq: i64,
    /// Stopped, and its database removed, when the test is done with it.
    _app: TestApp,
}

/// A node serving the bundled live match, imported up to its `live_at`-th delivery.
pub async fn spawn_node(live_at: usize) -> Node {
    let db = sqlite_store().await;
    let scoring = crease::fixtures::offline_scoring(&db.store);
    let imported = crease::fixtures::import_text(
        &db.store,
        &scoring,
        crease::fixtures::bundled::LIVE.json,
        Some(live_at),
    )
    .await
    .expect("import");
    let opts = AppOptions::new(StoreKind::Sqlite)
        .configure(|config| config.max_connections_per_address = 10_000);
    let app = spawn_app_on(db, opts).await;
    Node {
        url: app.base.clone(),
        match_id: imported.match_id,
        seq: imported.seq,
        _app: app,
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
