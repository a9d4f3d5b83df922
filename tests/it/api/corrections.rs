//! Corrections through the API: a past ball amended, deleted or preceded by another moves the
//! score as the corrected match would stand, the history marks what no longer stands, a
//! correction that breaks a Law changes nothing, and viewers on every node get exactly one
//! `correction` message. Expected figures come from the balls this test posted.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, Answer, AppOptions, Fixture, RedisMode, StoreKind, TestApp};
use crate::support::live_client::{Item, LiveClient, Msg};
use crease_testkit::on_both_stores;
use crease_testkit::wait::eventually;

on_both_stores!(
    an_amended_ball_moves_the_score_and_the_history_tells_it,
    a_correction_that_breaks_a_law_changes_nothing,
);

/// A ball posted: its seq, its body and its runs off the bat.
struct Posted {
    seq: i64,
    ball: Value,
    runs: u32,
}

async fn score(app: &TestApp, f: &mut Fixture, n: usize) -> Vec<Posted> {
    let mut out = vec![];
    for _ in 0..n {
        let runs = f.innings.next_runs();
        let ball = f.innings.ball_with(runs);
        let res = app.post_ball(f.id, &app.admin_token, &ball).await;
        assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
        out.push(Posted {
            seq: res.json()["seq"].as_i64().unwrap(),
            ball,
            runs,
        });
        f.innings.accept(runs);
    }
    out
}

async fn correct(app: &TestApp, match_id: i64, body: &Value) -> Answer {
    app.post_json(
        &format!("/api/matches/{match_id}/corrections"),
        Some(&app.admin_token),
        body,
    )
    .await
}

/// The first ball with even runs off the bat, amended to two more: the strike after it is the
/// same, so every later ball still stands.
fn plus_two(posted: &[Posted]) -> (&Posted, Value) {
    let p = posted
        .iter()
        .find(|p| p.runs % 2 == 0 && p.runs <= 4)
        .expect("an even-run ball");
    let mut ball = p.ball.clone();
    let runs = p.runs + 2;
    ball["runs"] = json!({ "batter": runs, "extras": 0, "total": runs });
    (p, ball)
}

async fn history(app: &TestApp, match_id: i64) -> Vec<Value> {
    let res = app
        .get(&format!("/api/matches/{match_id}/balls?since=0&limit=500"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    res.json().as_array().unwrap().clone()
}

async fn an_amended_ball_moves_the_score_and_the_history_tells_it(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    let posted = score(&app, &mut f, 8).await;
    let total: u32 = posted.iter().map(|p| p.runs).sum();
    let last = posted.last().unwrap().seq;

    let (target, amended) = plus_two(&posted);
    let body = json!({
        "seq": target.seq, "action": "amend", "expected_seq": last,
        "event": { "kind": "ball", "data": amended },
    });
    let res = correct(&app, f.id, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["seq"], last + 1);

    let live = app.live_json(f.id).await;
    assert_eq!(live["innings"][0]["runs"], total + 2);
    assert_eq!(live["seq"], last + 1);
    let note = &live["corrections"][0];
    assert_eq!(note["seq"], target.seq);
    assert_eq!(note["action"], "amend");
    let text = note["text"].as_str().unwrap();
    assert!(text.contains(" → "), "{text}");

    // The history lists the ball twice at its seq (as it was, and as it stands), then the rest.
    let h = history(&app, f.id).await;
    assert_eq!(h.len(), posted.len() + 1, "{h:?}");
    let at: Vec<&Value> = h.iter().filter(|e| e["seq"] == target.seq).collect();
    assert_eq!(at.len(), 2, "{h:?}");
    assert_eq!(at[0]["status"], "amended");
    assert_eq!(at[0]["by"], last + 1);
    assert_eq!(at[0]["ball"]["runs"]["batter"], target.runs);
    assert_eq!(at[1]["status"], "stands");
    assert_eq!(at[1]["ball"]["runs"]["batter"], target.runs + 2);
    assert!(at[1]["over_ball"].is_string() && at[1]["text"].is_string());

    // An undo takes back the last ball; the history marks it, and it can no longer be corrected.
    let res = app
        .post_json(
            &format!("/api/matches/{}/undo", f.id),
            Some(&app.admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let undo_seq = res.json()["seq"].as_i64().unwrap();
    let h = history(&app, f.id).await;
    let gone = h.iter().find(|e| e["seq"] == last).unwrap();
    assert_eq!(gone["status"], "undone");
    assert_eq!(gone["by"], undo_seq);
    let res = correct(&app, f.id, &json!({ "seq": last, "action": "delete" })).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert_eq!(res.json()["type"], "/problems/law/no-such-event");
    let live = app.live_json(f.id).await;
    assert_eq!(
        live["innings"][0]["runs"],
        total + 2 - posted.last().unwrap().runs
    );
}

async fn a_correction_that_breaks_a_law_changes_nothing(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    let posted = score(&app, &mut f, 8).await;
    let before = app.live_json(f.id).await;

    // A dot ball put in before the first: the over ends a ball earlier, so a later ball is
    // bowled by the wrong bowler or from the wrong end, and the correction is refused whole.
    let first = &posted[0];
    let mut dot = first.ball.clone();
    dot["runs"] = json!({ "batter": 0, "extras": 0, "total": 0 });
    let body =
        json!({ "seq": first.seq, "action": "insert", "event": { "kind": "ball", "data": dot } });
    let res = correct(&app, f.id, &body).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(res.json()["type"], "/problems/law/later-event-refused");

    // Shapes that say nothing: no event for an amendment, an undo put in the past, seq 0.
    let res = correct(&app, f.id, &json!({ "seq": first.seq, "action": "amend" })).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{res:?}");
    let res = correct(
        &app,
        f.id,
        &json!({ "seq": first.seq, "action": "insert", "event": { "kind": "undo" } }),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");
    let res = correct(&app, f.id, &json!({ "seq": 0, "action": "delete" })).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");
    // A stale expected seq is a conflict, and a scorer without a token is refused.
    let res = correct(
        &app,
        f.id,
        &json!({ "seq": first.seq, "action": "delete", "expected_seq": 1 }),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{res:?}");
    let res = app
        .post_json(
            &format!("/api/matches/{}/corrections", f.id),
            None,
            &json!({ "seq": first.seq, "action": "delete" }),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{res:?}");
    // A correction cannot go through the generic events route either.
    let res = app
        .post_json(
            &format!("/api/matches/{}/events", f.id),
            Some(&app.admin_token),
            &json!({ "kind": "correction", "data": { "seq": first.seq, "action": "delete" } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");

    assert_eq!(app.live_json(f.id).await, before);
    let h = history(&app, f.id).await;
    assert!(h.iter().all(|e| e["status"] == "stands"), "{h:?}");
}

async fn next_msg(client: &mut LiveClient) -> Msg {
    match client.next().await {
        Item::Msg(m) => m,
        end => panic!("{}: the stream ended: {end:?}", client.label),
    }
}

/// Two nodes sharing Postgres and Redis: a correction posted on one reaches the WebSocket and
/// SSE viewers of both as exactly one `correction` message, in seq order before the next ball,
/// and `/live` on both nodes is the corrected state.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn viewers_on_every_node_get_one_correction_each() {
    let a = spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Direct)).await;
    let b = a.peer(RedisMode::Direct).await;
    let mut f = a.started_match(20).await;
    let posted = score(&a, &mut f, 6).await;
    let total: u32 = posted.iter().map(|p| p.runs).sum();
    let last = posted.last().unwrap().seq;

    let mut viewers = vec![
        LiveClient::ws(&a.base, f.id, None).await,
        LiveClient::sse(&a.base, f.id, None).await,
        LiveClient::ws(&b.base, f.id, None).await,
        LiveClient::sse(&b.base, f.id, None).await,
    ];
    let mut before = String::new();
    for v in &mut viewers {
        let m = next_msg(v).await;
        assert!(m.is_snapshot() && m.seq == last, "{}: {m:?}", v.label);
        before = m.token();
    }

    let (target, amended) = plus_two(&posted);
    let body = json!({ "seq": target.seq, "action": "amend", "event": { "kind": "ball", "data": amended } });
    let res = correct(&b, f.id, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let next = score(&a, &mut f, 1).await;
    let end = next[0].seq;
    assert_eq!(end, last + 2);

    for v in &mut viewers {
        let mut kinds = vec![];
        loop {
            let m = next_msg(v).await;
            if m.kind == "correction" {
                assert_eq!(m.seq, last + 1, "{}: {m:?}", v.label);
                assert_eq!(m.json["correction"]["seq"], target.seq);
                assert_eq!(m.json["innings"][0]["runs"], total + 2);
            }
            kinds.push(m.kind.clone());
            if m.seq >= end {
                break;
            }
        }
        assert_eq!(kinds, ["correction", "ball"], "{}", v.label);
    }
    // A client that was away across the correction resumes from before it, on either node and
    // transport: it gets the correction from the ring (or a snapshot), never the old figures.
    for mut late in [
        LiveClient::ws(&a.base, f.id, Some(&before)).await,
        LiveClient::sse(&b.base, f.id, Some(&before)).await,
    ] {
        let m = next_msg(&mut late).await;
        let runs = &m.json["innings"][0]["runs"];
        match m.kind.as_str() {
            "correction" => assert_eq!(*runs, total + 2, "{}", late.label),
            "snapshot" => assert_eq!(*runs, total + 2 + next[0].runs, "{}", late.label),
            other => panic!("{}: {other} first: {m:?}", late.label),
        }
    }
    let expected = total + 2 + next[0].runs;
    for node in [&a, &b] {
        eventually("/live to show the corrected score", || async {
            let live = node.live_json(f.id).await;
            (live["seq"] == end && live["innings"][0]["runs"] == expected).then_some(())
        })
        .await;
    }
}
