//! `crease-loadtest floor`: every message written is read back and timed, in two processes.

mod common;

use common::{loadtest, report, u};

#[tokio::test]
async fn floor_delivers_and_times_every_message() {
    let out = loadtest(&[
        "floor",
        "--sockets",
        "40",
        "--rounds",
        "5",
        "--interval-ms",
        "20",
        "--bytes",
        "300",
        "--json",
    ])
    .await;
    let r = report(&out);
    assert_eq!(u(&r, "expected"), 200, "{r}");
    assert_eq!(u(&r, "received"), 200, "{r}");
    assert_eq!(r["latency"]["count"].as_u64(), Some(200), "{r}");
    assert!(r["latency"]["max_us"].as_u64() > Some(0), "{r}");
}

#[tokio::test]
async fn floor_refuses_messages_too_short_for_their_timestamp() {
    let out = loadtest(&["floor", "--sockets", "2", "--bytes", "4"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bytes"));
}
