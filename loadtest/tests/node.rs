//! The tool against a real node at small scale: every message accounted for, over WebSocket
//! and SSE, in one process and across workers; `read` and `idle` report what they saw.

mod common;

use common::{loadtest, report, spawn_node, u, ADMIN_TOKEN};

async fn fanout_accounts_for_every_message(
    workers: &str,
    sse_share: &str,
    compress: bool,
) -> serde_json::Value {
    let node = spawn_node(150).await;
    let pid = std::process::id().to_string();
    let match_id = node.match_id.to_string();
    let mut args = vec![
        "fanout",
        "--url",
        &node.url,
        "--match",
        &match_id,
        "--clients",
        "100",
        "--balls",
        "50",
        "--interval-ms",
        "5",
        "--sse-share",
        sse_share,
        "--workers",
        workers,
        "--sources",
        "4",
        "--token",
        ADMIN_TOKEN,
        "--node-pid",
        &pid,
        "--drain-secs",
        "20",
        "--json",
    ];
    if compress {
        args.push("--compress");
    }
    let r = report(&loadtest(&args).await);
    assert_eq!(u(&r, "clients"), 100, "{r}");
    assert_eq!(u(&r, "connected"), 100, "{r}");
    assert_eq!(u(&r, "failed"), 0, "{r}");
    assert_eq!(u(&r, "posted"), 50, "{r}");
    assert_eq!(r["first_seq"].as_i64(), Some(node.seq + 1));
    assert_eq!(u(&r, "expected"), 100 * 50, "{r}");
    assert_eq!(u(&r, "received"), 100 * 50, "{r}");
    assert_eq!(u(&r, "missing"), 0, "{r}");
    assert_eq!(u(&r, "duplicated"), 0, "{r}");
    assert_eq!(u(&r, "out_of_order"), 0, "{r}");
    assert_eq!(r["latency"]["count"].as_u64(), Some(5_000), "{r}");
    assert!(r["node_cpu_us_per_msg"].as_f64().is_some(), "{r}");
    assert!(u(&r, "generator_cpu_us") > 0, "{r}");
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_websocket_in_one_process() {
    fanout_accounts_for_every_message("1", "0", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_websocket_and_sse_in_two_workers() {
    fanout_accounts_for_every_message("2", "0.3", false).await;
}

/// With `--compress` every client is compressed (deflate on WebSocket, gzip on SSE), every
/// message still arrives, and the bytes on the wire per message are fewer than plain ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_clients_account_for_every_message_in_fewer_bytes() {
    for sse_share in ["0", "1"] {
        let plain = fanout_accounts_for_every_message("1", sse_share, false).await;
        let z = fanout_accounts_for_every_message("1", sse_share, true).await;
        assert_eq!(u(&plain, "compressed"), 0, "{plain}");
        assert_eq!(u(&z, "compressed"), 100, "{z}");
        let bytes = |r: &serde_json::Value| r["wire_bytes_per_msg"].as_f64().expect("wire bytes");
        assert!(
            bytes(&z) < bytes(&plain) * 0.8,
            "SSE share {sse_share}: {} compressed against {} plain",
            bytes(&z),
            bytes(&plain)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_without_json() {
    let node = spawn_node(150).await;
    let out = loadtest(&[
        "fanout",
        "--url",
        &node.url,
        "--match",
        &node.match_id.to_string(),
        "--clients",
        "5",
        "--balls",
        "3",
        "--burst",
        "--token",
        ADMIN_TOKEN,
    ])
    .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("expected / received") && text.contains("15 / 15"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_counts_statuses_and_cache_tiers() {
    let node = spawn_node(150).await;
    let m = node.match_id.to_string();
    let r = report(
        &loadtest(&[
            "read",
            "--url",
            &node.url,
            "--match",
            &m,
            "--connections",
            "4",
            "--seconds",
            "1",
            "--json",
        ])
        .await,
    );
    let ok = r["status"]["200"].as_u64().unwrap_or(0);
    assert!(ok > 0 && ok == u(&r, "requests"), "{r}");
    assert_eq!(
        r["x_cache"]
            .as_object()
            .map(|m| m.values().filter_map(|v| v.as_u64()).sum::<u64>()),
        Some(ok),
        "{r}"
    );
    assert_eq!(u(&r, "errors"), 0, "{r}");

    let r = report(
        &loadtest(&[
            "read",
            "--url",
            &node.url,
            "--match",
            &m,
            "--connections",
            "2",
            "--seconds",
            "1",
            "--etag",
            "--json",
        ])
        .await,
    );
    assert!(r["status"]["304"].as_u64().unwrap_or(0) > 0, "{r}");
    assert!(r["status"].get("200").is_none(), "{r}");

    // Past states: every answer a 200, replayed or kept, none from the live tiers.
    let r = report(
        &loadtest(&[
            "read",
            "--url",
            &node.url,
            "--match",
            &m,
            "--connections",
            "2",
            "--seconds",
            "1",
            "--past",
            "150",
            "--json",
        ])
        .await,
    );
    let ok = r["status"]["200"].as_u64().unwrap_or(0);
    assert!(ok > 0 && ok == u(&r, "requests"), "{r}");
    let tiers = r["x_cache"].as_object().expect("tiers");
    assert!(tiers.keys().all(|k| k == "replay" || k == "past"), "{r}");
    assert!(tiers.contains_key("replay"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_reports_memory_per_connection() {
    let node = spawn_node(150).await;
    let pid = std::process::id().to_string();
    let r = report(
        &loadtest(&[
            "idle",
            "--url",
            &node.url,
            "--match",
            &node.match_id.to_string(),
            "--clients",
            "50",
            "--hold-secs",
            "1",
            "--node-pid",
            &pid,
            "--json",
        ])
        .await,
    );
    assert_eq!(u(&r, "connected"), 50, "{r}");
    assert!(r["node_kib_per_connection"].as_f64().is_some(), "{r}");
}

#[tokio::test]
async fn refuses_targets_outside_loopback() {
    let out = loadtest(&[
        "read",
        "--url",
        "http://10.1.2.3:80",
        "--match",
        "1",
        "--seconds",
        "1",
    ])
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
