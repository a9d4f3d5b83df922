//! `GET /api/matches/{id}/cricsheet` and `crease export ID`: a real match (the 2023 IPL final:
//! impact-player replacements and a rain-revised target) posted through the API, one of its
//! catches then corrected to another fielder, and written out as Cricsheet. The file gives back
//! each of the original file's deliveries as it was, bar the correction, which it carries as
//! it stands; replayed through the engine (`crease scorecard`), the file is the state `/live`
//! serves.
//!
//! Then a match scored on the API with what Cricsheet has no field for (stoppages, commentary,
//! an umpires' decision, a new batter named before the next ball), exported mid-over and
//! imported again as a new match: the new match's `/live` is the first's.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crate::support::CREASE;
use crease_testkit::on_both_stores;

on_both_stores!(
    a_posted_match_exports_as_it_stands,
    an_exported_match_imports_as_it_stood,
);

const MATCH_FILE: &str = "t20_2023-05-29_gujarat_titans_v_chennai_super_kings.json";

/// The file's deliveries in order, each as the file writes it, with the fields the engine
/// models: not its replacements (whose `role` entries carry names the engine has no use for,
/// and which are compared on their own) nor its DRS reviews.
fn deliveries(file: &Value) -> Vec<Value> {
    let mut out = vec![];
    for innings in file["innings"].as_array().expect("innings") {
        for over in innings["overs"].as_array().expect("overs") {
            for d in over["deliveries"].as_array().expect("deliveries") {
                let mut d = d.clone();
                d.as_object_mut().expect("a delivery").retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "batter" | "bowler" | "non_striker" | "runs" | "extras" | "wickets"
                    )
                });
                out.push(d);
            }
        }
    }
    out
}

/// Every `replacements.match` entry of the file, in order.
fn brought_in(file: &Value) -> Vec<Value> {
    let mut out = vec![];
    for innings in file["innings"].as_array().expect("innings") {
        for over in innings["overs"].as_array().expect("overs") {
            for d in over["deliveries"].as_array().expect("deliveries") {
                if let Some(ms) = d["replacements"]["match"].as_array() {
                    out.extend(ms.iter().cloned());
                }
            }
        }
    }
    out
}

async fn export(app: &TestApp, id: i64) -> crate::support::app::Answer {
    app.get(&format!("/api/matches/{id}/cricsheet")).await
}

async fn a_posted_match_exports_as_it_stands(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let (id, seqs) = app.post_cricsheet(&text).await;
    let ball_seqs = crate::support::ball_seqs(&seqs);

    // The first catch, corrected to another fielder of the same side.
    let mut want = deliveries(&file);
    let k = want
        .iter()
        .position(|d| d["wickets"][0]["kind"] == "caught")
        .expect("a catch");
    let bowling = if file["innings"][0]["team"] == file["info"]["teams"][0] {
        &file["info"]["teams"][1]
    } else {
        &file["info"]["teams"][0]
    };
    let taker = &want[k]["wickets"][0]["fielders"][0]["name"];
    let other = file["info"]["players"][bowling.as_str().expect("a team")]
        .as_array()
        .expect("players")
        .iter()
        .find(|p| *p != taker && **p != want[k]["bowler"])
        .expect("another fielder")
        .clone();
    want[k]["wickets"][0]["fielders"] = json!([{ "name": other }]);
    let corrected = app
        .post_json(
            &format!("/api/matches/{id}/corrections"),
            Some(&app.admin_token),
            &json!({ "seq": ball_seqs[k], "action": "amend",
                     "event": { "kind": "ball", "data": want[k] } }),
        )
        .await;
    assert_eq!(corrected.status, StatusCode::CREATED, "{corrected:?}");

    let res = export(&app, id).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(
        res.header("content-disposition"),
        Some(format!("attachment; filename=\"crease-match-{id}.json\"").as_str())
    );
    let out = res.json();
    assert_eq!(out["meta"]["data_version"], "1.1.0");
    assert_eq!(deliveries(&out).len(), want.len(), "every delivery");
    for (i, (w, g)) in want.iter().zip(deliveries(&out)).enumerate() {
        assert_eq!(*w, g, "delivery {i}");
    }
    assert_eq!(brought_in(&out), brought_in(&file), "the impact players");
    assert_eq!(out["innings"][1]["target"], file["innings"][1]["target"]);
    assert_eq!(
        (
            &out["info"]["outcome"]["winner"],
            &out["info"]["outcome"]["by"]
        ),
        (
            &file["info"]["outcome"]["winner"],
            &file["info"]["outcome"]["by"]
        )
    );

    // Unchanged until the next event: the tag revalidates.
    let etag = res.header("etag").expect("an ETag").to_owned();
    let again = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{id}/cricsheet")))
                .header("If-None-Match", &etag),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // The command line writes the same file; replayed, it is the state /live serves.
    let dir = tempfile_dir();
    let written = dir.join("export.json");
    let status = tokio::process::Command::new(CREASE)
        .args(["export", &id.to_string(), "--out"])
        .arg(&written)
        .env("DATABASE_URL", &app.db.url)
        .status()
        .await
        .expect("crease export runs");
    assert!(status.success(), "crease export: {status}");
    let from_cli: Value =
        serde_json::from_slice(&std::fs::read(&written).expect("the file")).expect("JSON");
    assert_eq!(from_cli["innings"], out["innings"]);
    assert_eq!(from_cli["info"], out["info"]);
    let scored = tokio::process::Command::new(CREASE)
        .arg("scorecard")
        .arg(&written)
        .output()
        .await
        .expect("crease scorecard runs");
    assert!(scored.status.success(), "{scored:?}");
    let state: Value = serde_json::from_slice(&scored.stdout).expect("JSON");
    let live = app.live_json(id).await;
    assert_eq!(state["innings"], live["innings"]);
    assert_eq!(
        (&state["result"], &state["winner"]),
        (&live["result"], &live["winner"])
    );

    // A match that does not exist: a problem over HTTP, exit 2 from the command line.
    let missing = export(&app, id + 1000).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    let status = tokio::process::Command::new(CREASE)
        .args(["export", &(id + 1000).to_string()])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .await
        .expect("crease export runs");
    assert_eq!(status.status.code(), Some(2), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn an_exported_match_imports_as_it_stood(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let xi = |p: &str| (1..=11).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let created = app
        .post_json(
            "/api/matches",
            Some(&app.admin_token),
            &json!({ "title": "North v South", "format": "other", "overs": 3,
                     "balls_per_over": 6, "bowler_quota_overs": 1, "max_consecutive_overs": 1,
                     "teams": [{ "name": "North", "players": xi("N") },
                               { "name": "South", "players": xi("S") }] }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.json()["id"].as_i64().expect("id");
    let ball = |batter: &str, ns: &str, runs: u32| {
        json!({ "kind": "ball", "data": { "batter": batter, "non_striker": ns, "bowler": "S11",
                "runs": { "batter": runs, "extras": 0, "total": runs } } })
    };
    let mut said = ball("N1", "N2", 1);
    said["data"]["commentary"] = json!("Worked off the pads for one");
    let mut log = vec![
        json!({ "kind": "toss", "data": { "winner": "North", "decision": "bat" } }),
        json!({ "kind": "innings_start", "data": { "batting_team": "North", "striker": "N1",
                "non_striker": "N2", "bowler": "S11" } }),
        said,
        json!({ "kind": "interruption", "data": { "cause": "rain", "at": "14:05" } }),
        json!({ "kind": "resumption", "data": { "at": "14:40" } }),
        ball("N2", "N1", 4),
        caught_out("N2", "N1"),
        json!({ "kind": "new_batter", "data": { "batter": "N3" } }),
        ball("N3", "N1", 0),
        ball("N3", "N1", 2),
        ball("N3", "N1", 1),
        // S11 again, against the quota: the umpires allowed it.
        json!({ "kind": "bowler_change", "data": { "bowler": "S11" },
                "override": { "reason": "S10 off the field injured" } }),
        ball("N1", "N3", 6),
        caught_out("N1", "N3"),
        json!({ "kind": "new_batter", "data": { "batter": "N4" } }),
        json!({ "kind": "interruption", "data": { "cause": "bad_light", "at": "18:10" } }),
    ];
    let events: Vec<crease::domain::Recorded> = log
        .drain(..)
        .map(|e| serde_json::from_value(e).expect("an event"))
        .collect();
    app.post_events(id, &events).await;

    let res = export(&app, id).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let parsed = crease::domain::cricsheet::parse(std::str::from_utf8(&res.body).expect("UTF-8"))
        .expect("the export parses");
    assert!(
        parsed.from_crease_log,
        "the export's log agrees with its file"
    );
    let again = app.create_cricsheet_match(&parsed, None).await;
    app.post_events(again, &parsed.events).await;

    let (first, second) = (app.live_json(id).await, app.live_json(again).await);
    assert_eq!(first["interruption"]["since"], "18:10", "{first}");
    assert_eq!(first["stoppages"][0]["until"], "14:40");
    assert_eq!(first["overrides"][0]["reason"], "S10 off the field injured");
    assert_eq!(first["due"], json!([]), "N4 is in, before the next ball");
    assert!(
        first["commentary"]
            .as_array()
            .expect("commentary")
            .iter()
            .any(|c| c["text"] == "Worked off the pads for one"),
        "{first}"
    );
    // The same state, of another match with a log of its own.
    let bar_the_match = |v: &Value| {
        let mut v = v.clone();
        for key in ["match_id", "epoch", "seq"] {
            v.as_object_mut().expect("an object").remove(key);
        }
        v
    };
    assert_eq!(bar_the_match(&first), bar_the_match(&second));
}

/// A catch by S4 off S11, with `striker` out.
fn caught_out(striker: &str, non_striker: &str) -> Value {
    json!({ "kind": "ball", "data": { "batter": striker, "non_striker": non_striker,
            "bowler": "S11", "runs": { "batter": 0, "extras": 0, "total": 0 },
            "wickets": [{ "kind": "caught", "player_out": striker,
                          "fielders": [{ "name": "S4" }] }] } })
}

/// A directory of this test's own for the written file.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "crease-export-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}
