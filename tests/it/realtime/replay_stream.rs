//! `/stream?replay=SPEED`: a real match posted through the API, then watched again. The replay
//! is the live stream's messages in the log's order (a snapshot of the match as set up, one
//! message per event, then `end`), each ball's line at the figures summed from the Cricsheet
//! file's own deliveries; it writes nothing (no event stored, nothing published to the match's
//! live viewers), resumes from `Last-Event-ID`, answers `204` to a client already at its end,
//! and refuses a bad speed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crate::support::live_client::{Item, LiveClient};
use crease_testkit::on_both_stores;

on_both_stores!(a_stored_match_is_told_again_without_writing,);

const MATCH_FILE: &str = "t20_2018-06-10_india_v_bangladesh.json";

/// The innings (1-based), runs and wickets after each delivery of the file.
fn book(file: &Value) -> Vec<(u64, u64, u64)> {
    let mut out = vec![];
    for (i, innings) in file["innings"]
        .as_array()
        .expect("innings")
        .iter()
        .enumerate()
    {
        let (mut runs, mut wickets) = (0, 0);
        for over in innings["overs"].as_array().expect("overs") {
            for d in over["deliveries"].as_array().expect("deliveries") {
                runs += d["runs"]["total"].as_u64().expect("total");
                wickets += d["wickets"].as_array().map_or(0, Vec::len) as u64;
                out.push((i as u64 + 1, runs, wickets));
            }
        }
    }
    out
}

/// The events of an SSE body: `(id, data)` of each, comments and `retry:` left out.
fn events(body: &str) -> Vec<(Option<String>, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut id = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = Some(serde_json::from_str(v).expect("JSON data"));
                }
            }
            Some((id, data?))
        })
        .collect()
}

async fn replay(
    app: &TestApp,
    id: i64,
    query: &str,
    last_event_id: Option<&str>,
) -> (StatusCode, String) {
    let mut req = app
        .client
        .get(app.url(&format!("/api/matches/{id}/stream?{query}")));
    if let Some(l) = last_event_id {
        req = req.header("Last-Event-ID", l);
    }
    let res = req.send().await.expect("the node answers");
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(res.headers()["content-type"], "text/event-stream");
    }
    (status, res.text().await.expect("the whole body"))
}

async fn a_stored_match_is_told_again_without_writing(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let (id, seqs) = app.post_cricsheet(&text).await;
    let last = seqs.last().expect("events").1;
    let stored = app.events(id).await.len();
    let mut watcher = LiveClient::sse(&app.base, id, None).await;
    assert!(matches!(watcher.next().await, Item::Msg(m) if m.is_snapshot()));

    let (status, body) = replay(&app, id, "replay=10000", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let told = events(&body);
    let (first, rest) = told.split_first().expect("a first message");
    assert_eq!(first.1["type"], "snapshot");
    assert_eq!(first.1["seq"], 0);
    assert!(first.1["innings"].as_array().is_some_and(Vec::is_empty));
    let epoch = first.1["epoch"].as_i64().expect("epoch");
    let (end, messages) = rest.split_last().expect("an end");
    assert_eq!(
        end.1,
        json!({"type": "end", "match_id": id, "seq": last, "epoch": epoch})
    );
    let told_seqs: Vec<i64> = messages
        .iter()
        .map(|(_, m)| m["seq"].as_i64().expect("seq"))
        .collect();
    let want: Vec<i64> = seqs.iter().map(|(_, s)| *s).collect();
    assert_eq!(told_seqs, want, "one message per event, in order");
    for (id_line, m) in messages {
        assert_eq!(
            id_line.as_deref(),
            Some(format!("{epoch}:{}", m["seq"]).as_str())
        );
    }
    let balls: Vec<&Value> = messages
        .iter()
        .filter(|(_, m)| m["type"] == "ball")
        .map(|(_, m)| &m["line"])
        .collect();
    let figures = book(&file);
    assert_eq!(balls.len(), figures.len(), "one ball message per delivery");
    for (k, (line, (inn, runs, wickets))) in balls.iter().zip(&figures).enumerate() {
        assert_eq!(
            (&line["inn"], &line["r"], &line["w"]),
            (&json!(inn), &json!(runs), &json!(wickets)),
            "delivery {k}"
        );
    }
    let live = app.live_json(id).await;
    assert_eq!(balls.last().expect("a ball")["res"], live["result"]);

    // Nothing was written: the log is as it was, and the match's viewers heard nothing until
    // the next real event.
    assert_eq!(app.events(id).await.len(), stored);
    app.undo(id).await;
    match watcher.next().await {
        Item::Msg(m) => assert_eq!((m.kind.as_str(), m.seq), ("undo", last + 1)),
        other => panic!("the undo, not {other:?}"),
    }

    // The log moved on (the undo): a resumed replay tells what came after its id.
    let now = last + 1;
    let k = want[want.len() / 2];
    let (status, body) = replay(&app, id, "replay=10000", Some(&format!("{epoch}:{k}"))).await;
    assert_eq!(status, StatusCode::OK);
    let resumed = events(&body);
    assert_eq!(resumed[0].1["seq"], k + 1, "no snapshot, the next event");
    assert_eq!(resumed.last().expect("an end").1["seq"], now);
    let (status, _) = replay(&app, id, "replay=10000", Some(&format!("{epoch}:{now}"))).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "at the end: no reconnecting"
    );

    for bad in [
        "replay=0",
        "replay=-2",
        "replay=fast",
        "replay=1e9",
        "replay=NaN",
    ] {
        let res = app.get(&format!("/api/matches/{id}/stream?{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {res:?}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
    }
    let ws = app.get(&format!("/api/matches/{id}/ws?replay=10")).await;
    assert_eq!(ws.status, StatusCode::BAD_REQUEST, "{ws:?}");
    let missing = app
        .get(&format!("/api/matches/{}/stream?replay=10", id + 1000))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
