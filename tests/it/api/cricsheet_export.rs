//! `GET /api/matches/{id}/cricsheet` and `crease export ID`: a real match (the 2023 IPL final:
//! impact-player replacements and a rain-revised target) posted through the API, one of its
//! catches then corrected to another fielder, and written out as Cricsheet. The file gives back
//! each of the original file's deliveries as it was, bar the correction, which it carries as
//! it stands; replayed through the engine (`crease scorecard`), the file is the state `/live`
//! serves.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crate::support::CREASE;
use crease_testkit::on_both_stores;

on_both_stores!(a_posted_match_exports_as_it_stands,);

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
