//! The operator commands end to end: the built `crease` binary imports, seeds and replays into
//! real SQLite files and Postgres databases, and a real `crease serve` then serves what they
//! stored, figure for figure the same as `crease scorecard`.
//!
//! Postgres is `postgres://postgres@127.0.0.1:5432/postgres` unless `CREASE_TEST_PG_URL` says
//! otherwise; an unreachable server fails these tests rather than skipping them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crease::domain::{cricsheet, MatchEvent};
use crease_testkit::db::{postgres_empty, sqlite_empty, StoreKind};
use crease_testkit::on_both_stores;
use crease_testkit::process::{free_port, Node, Shared};
use crease_testkit::ADMIN_TOKEN as TOKEN;
use serde_json::Value;

const CREASE: &str = env!("CARGO_BIN_EXE_crease");
const T20: &str = "t20_2018-06-10_india_v_bangladesh.json";
/// A tie, a super over and a boundary-count result: the hardest finish to get through ingest.
const ODI: &str = "odi_2019-07-14_england_v_new_zealand.json";

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/cricsheet")
        .join(file)
}

fn random_name(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::random::<u64>())
}

/// A database of the test's own with no tables yet, as an operator's first command finds
/// it; removed on drop.
async fn empty_db(store: StoreKind) -> Shared {
    let db = match store {
        StoreKind::Postgres => postgres_empty().await,
        StoreKind::Sqlite => sqlite_empty().await,
    };
    Shared::on(CREASE, db)
}

async fn sqlite_db() -> Shared {
    empty_db(StoreKind::Sqlite).await
}

async fn postgres_db() -> Shared {
    empty_db(StoreKind::Postgres).await
}

/// Runs `crease ARGS` against `db`, with no Redis and no stray configuration from the caller.
fn crease(db: Option<&Shared>, args: &[&str]) -> Output {
    let mut cmd = Command::new(CREASE);
    cmd.args(args)
        .env_remove("REDIS_URL")
        .env_remove("CREASE_TOKEN")
        .env_remove("DATABASE_URL");
    if let Some(db) = db {
        cmd.env("DATABASE_URL", &db.db.url);
    }
    cmd.output().expect("run crease")
}

fn stdout_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn serve(db: &Shared) -> Node {
    Node::serve(db, &[]).await
}

async fn live_of(server: &Node, id: i64) -> Value {
    server.get_json(&format!("/api/matches/{id}/live")).await
}

/// Each innings' `[runs, wickets, balls]`.
fn figures(state: &Value) -> Vec<[u64; 3]> {
    state["innings"]
        .as_array()
        .expect("innings")
        .iter()
        .map(|i| ["runs", "wickets", "balls"].map(|k| i[k].as_u64().expect(k)))
        .collect()
}

fn scorecard(file: &str) -> Value {
    let out = crease(None, &["scorecard", data(file).to_str().expect("path")]);
    assert_ok(&out, "crease scorecard");
    serde_json::from_slice(&out.stdout).expect("scorecard JSON")
}

fn events(file: &str) -> Vec<MatchEvent> {
    let text = std::fs::read_to_string(data(file)).expect("read data file");
    cricsheet::parse(&text)
        .expect("parse")
        .events
        .into_iter()
        .map(|r| r.event)
        .collect()
}

on_both_stores!(
    imports_are_served_as_the_scorecard,
    live_at_then_replay,
    seed_fills_an_empty_database_once,
);

/// Imports the T20 and the ODI whole, then checks a server reads them as the scorecard does.
async fn imports_are_served_as_the_scorecard(store: StoreKind) {
    let db = &empty_db(store).await;
    let out = crease(
        Some(db),
        &[
            "import",
            data(T20).to_str().unwrap(),
            data(ODI).to_str().unwrap(),
        ],
    );
    assert_ok(&out, "crease import");
    let lines = stdout_lines(&out);
    let expected: Vec<Value> = [T20, ODI]
        .iter()
        .zip(1..)
        .map(|(f, id)| serde_json::json!({ "match_id": id, "seq": events(f).len() }))
        .collect();
    assert_eq!(lines, expected);

    let server = serve(db).await;
    for (file, id) in [(T20, 1), (ODI, 2)] {
        let live = live_of(&server, id).await;
        let card = scorecard(file);
        assert_eq!(figures(&live), figures(&card), "{file}");
        assert_eq!(live["result"], card["result"], "{file}");
        assert_eq!(live["status"], "finished");
    }
}

/// `--live-at 30` leaves the match live after its 30th delivery; `replay --match-id` posts
/// the rest through HTTP and ends where the scorecard does.
async fn live_at_then_replay(store: StoreKind) {
    let db = &empty_db(store).await;
    let all = events(T20);
    let thirtieth = all
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, MatchEvent::Ball(_)))
        .nth(29)
        .map(|(i, _)| i)
        .expect("30 deliveries");
    let legal = all[..=thirtieth]
        .iter()
        .filter(
            |e| matches!(e, MatchEvent::Ball(b) if b.extras.wides == 0 && b.extras.noballs == 0),
        )
        .count() as u64;

    let file = data(T20);
    let file = file.to_str().unwrap();
    let out = crease(Some(db), &["import", "--live-at", "30", file]);
    assert_ok(&out, "crease import --live-at 30");
    let seq = thirtieth as u64 + 1;
    assert_eq!(
        stdout_lines(&out),
        [serde_json::json!({ "match_id": 1, "seq": seq })]
    );

    let server = serve(db).await;
    let live = live_of(&server, 1).await;
    assert_eq!(live["seq"], seq);
    assert_eq!(live["status"], "in_progress");
    let balls: u64 = figures(&live).iter().map(|f| f[2]).sum();
    assert_eq!(balls, legal);

    // A wrong token is a 4xx: reported, not retried, exit 2, nothing posted.
    let refused = crease(
        None,
        &[
            "replay",
            file,
            "--url",
            &server.base,
            "--token",
            "wrong",
            "--match-id",
            "1",
            "--speed",
            "0",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));
    assert_eq!(live_of(&server, 1).await["seq"], seq);

    let out = crease(
        None,
        &[
            "replay",
            file,
            "--url",
            &server.base,
            "--token",
            TOKEN,
            "--match-id",
            "1",
            "--speed",
            "0",
        ],
    );
    assert_ok(&out, "crease replay --match-id");
    let total = all.len() as u64;
    assert_eq!(
        stdout_lines(&out),
        [serde_json::json!({ "match_id": 1, "seq": total, "posted": total - seq })]
    );
    let live = live_of(&server, 1).await;
    let card = scorecard(T20);
    assert_eq!(live["seq"], total);
    assert_eq!(figures(&live), figures(&card));
    assert_eq!(live["result"], card["result"]);
}

/// A new match created through the API and replayed whole, verbose: a line per event.
#[tokio::test]
async fn replay_creates_a_match_through_the_api() {
    let db = sqlite_db().await;
    let server = serve(&db).await;
    let file = data(T20);
    let out = crease(
        None,
        &[
            "replay",
            file.to_str().unwrap(),
            "--url",
            &server.base,
            "--token",
            TOKEN,
            "--speed",
            "0",
            "--verbose",
        ],
    );
    assert_ok(&out, "crease replay");
    let lines = stdout_lines(&out);
    let total = events(T20).len();
    assert_eq!(lines.len(), total + 1);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(
        lines[total],
        serde_json::json!({ "match_id": 1, "seq": total, "posted": total })
    );
    assert_eq!(
        figures(&live_of(&server, 1).await),
        figures(&scorecard(T20))
    );
}

async fn seed_fills_an_empty_database_once(store: StoreKind) {
    let db = &empty_db(store).await;
    let out = crease(Some(db), &["seed"]);
    assert_ok(&out, "crease seed");
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 4, "three finished matches and one live");
    let live: Vec<&Value> = lines.iter().filter(|l| l["status"] != "finished").collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["status"], "in_progress");

    let again = crease(Some(db), &["seed"]);
    assert_ok(&again, "second crease seed");
    assert!(again.stdout.is_empty());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing was seeded"));
}

#[tokio::test]
async fn bad_files_exit_2_and_store_nothing() {
    let db = sqlite_db().await;
    let dir = std::env::temp_dir().join(random_name("crease_cli_files_"));
    std::fs::create_dir_all(&dir).unwrap();

    // A real match with an unknown bowler on its 20th delivery: refused by the Laws.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(data(T20)).unwrap()).unwrap();
    doc["innings"][0]["overs"][3]["deliveries"][1]["bowler"] = "Nobody At All".into();
    let refused = dir.join("refused.json");
    std::fs::write(&refused, doc.to_string()).unwrap();
    let not_json = dir.join("not.json");
    std::fs::write(&not_json, "this is not JSON").unwrap();
    let not_cricsheet = dir.join("shape.json");
    std::fs::write(&not_cricsheet, r#"{"meta": {}, "hello": 1}"#).unwrap();
    let missing = dir.join("missing.json");

    for file in [&refused, &not_json, &not_cricsheet, &missing] {
        let out = crease(Some(&db), &["import", file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(out.stdout.is_empty());
        assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    }
    let out = crease(Some(&db), &["import", refused.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));

    // Nothing half-imported: the database is still empty, so a seed goes ahead.
    let out = crease(Some(&db), &["seed"]);
    assert_ok(&out, "crease seed after failed imports");
    assert_eq!(stdout_lines(&out).len(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve --demo` seeds an empty database and keeps its live match moving, ball by ball.
#[tokio::test]
async fn demo_seeds_and_keeps_a_match_moving() {
    let db = sqlite_db().await;
    let server = Node::serve(&db, &["--demo", "--demo-interval-ms", "20"]).await;
    let matches: Vec<Value> = server
        .client
        .get(format!("{}/api/matches", server.base))
        .send()
        .await
        .expect("GET /api/matches")
        .json()
        .await
        .expect("match list");
    assert_eq!(matches.len(), 4);
    let live: Vec<i64> = matches
        .iter()
        .filter(|m| m["live"] == true)
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(live.len(), 1, "{matches:?}");
    let first = live_of(&server, live[0]).await["seq"]
        .as_u64()
        .expect("seq");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = live_of(&server, live[0]).await["seq"]
            .as_u64()
            .expect("seq");
        if now > first + 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the demo match did not move");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `crease replay` started in the background, its output collected when it ends.
fn replay_in_background(urls: &str, file: &str) -> Child {
    Command::new(CREASE)
        .args(["replay", file, "--url", urls, "--token", TOKEN])
        .args(["--speed", "40", "--give-up-after", "60"])
        .env_remove("REDIS_URL")
        .env_remove("CREASE_TOKEN")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start crease replay")
}

/// Waits until `server` reports match 1 at `seq` or beyond.
async fn wait_for_seq(server: &Node, seq: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let res = server
            .client
            .get(format!("{}/api/matches/1/live", server.base))
            .send()
            .await;
        if let Ok(res) = res {
            if let Ok(live) = res.json::<Value>().await {
                if live["seq"].as_u64().is_some_and(|s| s >= seq) {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the replay never reached seq {seq}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The replay finished with every event of the file posted once, and `server` shows the card.
async fn assert_replayed_whole(replay: Child, server: &Node) {
    let out = replay.wait_with_output().expect("crease replay ends");
    assert_ok(&out, "crease replay");
    let total = events(T20).len() as u64;
    assert_eq!(
        stdout_lines(&out),
        [serde_json::json!({ "match_id": 1, "seq": total, "posted": total })]
    );
    let live = live_of(server, 1).await;
    // Seqs are consecutive, so the final seq at the file's length means nothing lost or doubled.
    assert_eq!(live["seq"], total);
    let card = scorecard(T20);
    assert_eq!(figures(&live), figures(&card));
    assert_eq!(live["result"], card["result"]);
}

/// A node killed mid-match: the replay moves to the other node it was given and finishes there.
#[tokio::test]
async fn replay_moves_to_another_node_when_one_dies() {
    let db = postgres_db().await;
    let mut first = serve(&db).await;
    let second = serve(&db).await;
    let file = data(T20);
    let urls = format!("{},{}", first.base, second.base);
    let replay = replay_in_background(&urls, file.to_str().unwrap());
    wait_for_seq(&second, 20).await;
    first.kill();
    assert_replayed_whole(replay, &second).await;
}

/// A node down for longer than a few retries, then back on the same address: the replay waits
/// it out and carries on.
#[tokio::test]
async fn replay_waits_out_a_node_restart() {
    let db = sqlite_db().await;
    let port = free_port();
    let mut node = Node::serve_on(&db, port).await;
    let file = data(T20);
    let replay = replay_in_background(&node.base.clone(), file.to_str().unwrap());
    wait_for_seq(&node, 20).await;
    node.kill();
    // Longer than the backoff's first six tries, which once were all a replay allowed.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let node = Node::serve_on(&db, port).await;
    assert_replayed_whole(replay, &node).await;
}

/// The README says logs go to stderr: stdout is kept for what a command prints as its result.
#[tokio::test]
async fn logs_go_to_stderr_and_leave_stdout_alone() {
    let db = sqlite_db().await;
    let mut cmd = Command::new(CREASE);
    cmd.arg("migrate")
        .env_remove("REDIS_URL")
        .env("DATABASE_URL", &db.db.url)
        .env("RUST_LOG", "info");
    let out = cmd.output().expect("run crease");
    assert_ok(&out, "crease migrate");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("migrations applied"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
