//! Shared test scaffolding: what only these tests use (live clients, a cuttable Redis, a Redis
//! of a test's own) beside the workspace's test kit, which starts the nodes and databases.

pub use crease_testkit::{app, db, process as node_process, scorer};

pub mod live_client;
pub mod receiver;
pub mod redis_proxy;
pub mod redis_server;

/// The `crease` binary these tests start as separate nodes.
pub const CREASE: &str = env!("CARGO_BIN_EXE_crease");

/// A bundled Cricsheet match (`data/cricsheet/NAME`): its text, and the text as JSON, whose
/// own fields are a test's expected figures.
pub fn bundled_match(name: &str) -> (String, serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/cricsheet")
        .join(name);
    let text = std::fs::read_to_string(path).expect("the match file");
    let json = serde_json::from_str(&text).expect("JSON");
    (text, json)
}

/// The seqs of the deliveries among events posted with [`app::TestApp::post_events`].
pub fn ball_seqs(posted: &[(&str, i64)]) -> Vec<i64> {
    posted
        .iter()
        .filter(|(route, _)| *route == "balls")
        .map(|(_, seq)| *seq)
        .collect()
}
