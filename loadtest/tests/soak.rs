//! `soak` at small scale against a real node: viewers arrive and leave many times over, the
//! match is scored throughout, nothing is lost or repeated, and each window reports the node.

mod common;

use common::{loadtest, report, spawn_node, u, ADMIN_TOKEN};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_churns_viewers_scores_throughout_and_loses_nothing() {
    let node = spawn_node(150).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.json");
    std::fs::write(&file, crease::fixtures::bundled::LIVE.json).unwrap();
    let marker = dir.path().join("midway-ran");
    let pid = std::process::id().to_string();
    let out = loadtest(&[
        "soak",
        "--url",
        &node.url,
        "--match",
        &format!("{}={}", node.match_id, file.display()),
        "--clients",
        "30",
        "--lifetime-secs",
        "0.5,2",
        "--sse-share",
        "0.5",
        "--interval-ms",
        "50",
        "--duration-secs",
        "6",
        "--window-secs",
        "2",
        "--sources",
        "4",
        "--midway",
        &format!("touch {}", marker.display()),
        "--node-pid",
        &pid,
        "--token",
        ADMIN_TOKEN,
        "--json",
    ])
    .await;
    let r = report(&out);
    let totals = &r["totals"];
    // Lifetimes of at most 2 s over 6 s: every slot connected more than once.
    assert!(u(totals, "connects") > 30, "{totals}");
    assert!(u(totals, "leaves") > 0, "{totals}");
    for fault in ["gaps", "duplicates", "backwards", "unparsed"] {
        assert_eq!(u(totals, fault), 0, "{fault}: {totals}");
    }
    assert!(u(totals, "delivered") > 0, "{totals}");

    // The balls it says it posted are the ones the node holds.
    let m = &r["matches"][0];
    assert_eq!(m["first_seq"].as_i64(), Some(node.seq + 1), "{m}");
    let last = m["last_seq"].as_i64().unwrap();
    assert_eq!(u(totals, "posted") as i64, last - node.seq, "{totals} {m}");
    let live: Value = reqwest::get(format!("{}/api/matches/{}/live", node.url, node.match_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["seq"].as_i64(), Some(last));

    assert!(marker.exists(), "the midway command did not run");
    assert_eq!(r["midway_status"], "ok");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{r}");
    for row in rows {
        let n = &row["nodes"][0];
        assert!(
            u(n, "rss_kib") > 0 && u(n, "open_files") > 0 && u(n, "threads") > 0,
            "{n}"
        );
    }
    assert!(rows.iter().any(|row| row.get("event").is_some()), "{r}");
}
