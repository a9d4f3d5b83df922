//! The HTTP API of one node against a real database: every scenario runs on Postgres and on
//! SQLite. Scoring and reading here; refusals of bad input in `refusals`.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crease_testkit::on_both_stores;

mod conditions;
mod conformance;
mod corrections;
mod cricsheet_export;
mod fixture_edits;
mod idempotency;
mod locks;
mod overrides;
mod past_state;
pub(crate) mod refusals;
mod schema_agreement;

on_both_stores!(
    balls_move_the_live_score,
    stale_expected_seq_is_a_conflict,
    idempotency_key_retry_returns_the_first_answer,
    concurrent_retries_of_one_key_get_the_first_answer,
    undo_takes_back_the_last_ball,
    match_list_shows_live_matches_first,
    ball_history_pages_by_seq,
    live_honours_etag_gzip_and_names_its_tier,
    matches_scored_at_once_all_store_every_ball,
);

async fn app_on(store: StoreKind) -> TestApp {
    spawn_app(AppOptions::new(store)).await
}

fn first_innings(live: &Value) -> &Value {
    &live["innings"][0]
}

async fn balls_move_the_live_score(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    let token = app.scorer_token(&[f.id]).await;

    let res = app.post_ball(f.id, &token, &f.innings.ball_with(4)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    f.innings.accept(4);
    let scored = res.json();
    assert_eq!(scored["match_id"], f.id);
    // seq 1 is the innings start.
    assert_eq!(scored["seq"], 2);

    let live = app.live_json(f.id).await;
    assert_eq!(live["match_id"], f.id);
    assert_eq!(live["seq"], 2);
    assert_eq!(live["status"], "in_progress");
    assert_eq!(first_innings(&live)["runs"], 4);
    assert_eq!(first_innings(&live)["balls"], 1);
    assert_eq!(first_innings(&live)["team"], "Hawks");

    app.score(&mut f, 9).await;
    let live = app.live_json(f.id).await;
    assert_eq!(live["seq"], 11);
    assert_eq!(first_innings(&live)["runs"], f.innings.runs);
    assert_eq!(first_innings(&live)["balls"], 10);
    assert_eq!(first_innings(&live)["overs"], "1.4");
    // What /live says is exactly what the database holds.
    let (seq, body) = app.stored(f.id).await;
    assert_eq!(seq, Some(11));
    assert_eq!(
        serde_json::from_slice::<Value>(&body.expect("snapshot")).unwrap(),
        live
    );
}

async fn stale_expected_seq_is_a_conflict(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 2).await;
    let before = app.stored(f.id).await;

    let mut ball = f.innings.next_ball();
    ball["expected_seq"] = json!(1);
    let res = app.post_ball(f.id, &app.admin_token, &ball).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let problem = res.json();
    assert_eq!(problem["type"], "/problems/stale-seq");
    assert_eq!(problem["current_seq"], 3);
    assert_eq!(
        app.stored(f.id).await,
        before,
        "a refused ball changes nothing"
    );

    ball["expected_seq"] = json!(3);
    let res = app.post_ball(f.id, &app.admin_token, &ball).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["seq"], 4);
}

async fn idempotency_key_retry_returns_the_first_answer(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 1).await;
    let events_before = app.events(f.id).await.len();
    let ball = f.innings.ball_with(2);
    let send = || {
        app.client
            .post(app.url(&format!("/api/matches/{}/balls", f.id)))
            .bearer_auth(&app.admin_token)
            .header("Idempotency-Key", "ball-3-retry")
            .json(&ball)
    };

    let first = app.answer(send()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let retry = app.answer(send()).await;
    assert_eq!(retry.status, StatusCode::OK, "{retry:?}");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        retry.body, first.body,
        "the retry gets the first answer's bytes"
    );

    let events = app.events(f.id).await;
    assert_eq!(events.len(), events_before + 1, "one event stored, not two");
    let live = app.live_json(f.id).await;
    assert_eq!(live["seq"], first.json()["seq"]);
    assert_eq!(first_innings(&live)["runs"], f.innings.runs + 2);
}

/// A client that times out and retries while its first request is still in flight: every
/// copy must get the stored answer, even one that names the seq it expected.
async fn concurrent_retries_of_one_key_get_the_first_answer(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    for round in 0..5 {
        let seq = app.live_json(f.id).await["seq"].as_i64().unwrap();
        let runs = f.innings.next_runs();
        let mut ball = f.innings.ball_with(runs);
        ball["expected_seq"] = json!(seq);
        let key = format!("retry-{round}");
        let send = || {
            app.answer(
                app.client
                    .post(app.url(&format!("/api/matches/{}/balls", f.id)))
                    .bearer_auth(&app.admin_token)
                    .header("Idempotency-Key", &key)
                    .json(&ball),
            )
        };
        let answers = join_all((0..8).map(|_| send())).await;
        let created = answers
            .iter()
            .filter(|a| a.status == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "exactly one copy is applied: {answers:?}");
        for a in &answers {
            assert!(
                matches!(a.status, StatusCode::CREATED | StatusCode::OK),
                "a retry was refused: {a:?}"
            );
            assert_eq!(a.body, answers[0].body);
        }
        f.innings.accept(runs);
        assert_eq!(app.events(f.id).await.len() as i64, seq + 1);
    }
}

async fn undo_takes_back_the_last_ball(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 2).await;
    let before = app.live_json(f.id).await;

    let res = app
        .post_ball(f.id, &app.admin_token, &f.innings.ball_with(6))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(
        first_innings(&app.live_json(f.id).await)["runs"],
        f.innings.runs + 6
    );

    let res = app
        .answer(
            app.client
                .post(app.url(&format!("/api/matches/{}/undo", f.id)))
                .bearer_auth(&app.admin_token),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let after = app.live_json(f.id).await;
    // The undo is an event of its own: the seq moves on while the score goes back.
    assert_eq!(after["seq"], 5);
    assert_eq!(
        first_innings(&after)["runs"],
        first_innings(&before)["runs"]
    );
    assert_eq!(
        first_innings(&after)["balls"],
        first_innings(&before)["balls"]
    );
    assert_eq!(after["striker"], before["striker"]);
    let kinds: Vec<String> = app.events(f.id).await.into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["innings_start", "ball", "ball", "ball", "undo"]);

    // The same ball can now be scored again.
    app.score(&mut f, 1).await;
    assert_eq!(app.live_json(f.id).await["seq"], 6);
}

async fn match_list_shows_live_matches_first(store: StoreKind) {
    let app = app_on(store).await;
    let upcoming = app.create_match(20).await;
    let mut live = app.started_match(20).await;
    app.score(&mut live, 3).await;
    let also_upcoming = app.create_match(20).await;

    let res = app.get("/api/matches").await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    let list = list.as_array().expect("an array");
    let ids: Vec<i64> = list.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(ids[0], live.id, "the live match comes first: {list:?}");
    assert!(ids.contains(&upcoming.id) && ids.contains(&also_upcoming.id));
    assert_eq!(list[0]["live"], true);
    assert_eq!(list[0]["seq"], 4);
    assert_eq!(list[0]["status"], "in_progress");
    assert!(list[1..]
        .iter()
        .all(|m| m["live"] == false && m["seq"] == 0));
}

async fn ball_history_pages_by_seq(store: StoreKind) {
    let app = app_on(store).await;
    let mut f = app.started_match(20).await;
    let first_ball = f.innings.next_ball();
    app.score(&mut f, 5).await;
    let path = |q: &str| format!("/api/matches/{}/balls{q}", f.id);

    let page = app.get(&path("?since=0&limit=2")).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let page = page.json();
    let seqs: Vec<i64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["seq"].as_i64().unwrap())
        .collect();
    // The innings start (seq 1) is not a ball.
    assert_eq!(seqs, [2, 3]);
    assert_eq!(page[0]["ball"]["batter"], first_ball["batter"]);
    assert_eq!(page[0]["ball"]["runs"], first_ball["runs"]);

    let rest = app.get(&path("?since=3")).await.json();
    let seqs: Vec<i64> = rest
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [4, 5, 6]);
    assert_eq!(app.get(&path("?since=6")).await.json(), json!([]));

    let bad = app.get(&path("?limit=0")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["type"], "/problems/invalid-field");
    assert_eq!(bad.json()["field"], "limit");
    let missing = app.get("/api/matches/987654/balls").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn live_honours_etag_gzip_and_names_its_tier(store: StoreKind) {
    let app = app_on(store).await;
    let f = app.create_match(20).await;

    // Nothing cached yet: the first read is built from the database, the next from L1.
    let cold = app.live(f.id).await;
    assert_eq!(cold.status, StatusCode::OK);
    assert_eq!(cold.header("x-cache"), Some("db"));
    assert_eq!(cold.json()["seq"], 0);
    assert_eq!(cold.json()["status"], "not_started");
    let warm = app.live(f.id).await;
    assert_eq!(warm.header("x-cache"), Some("l1"));
    assert_eq!(warm.body, cold.body);

    let mut f = f;
    app.post_json(
        &format!("/api/matches/{}/events", f.id),
        Some(&app.admin_token),
        &f.innings.innings_start(),
    )
    .await;
    app.score(&mut f, 2).await;
    let plain = app.live(f.id).await;
    assert_eq!(plain.header("x-cache"), Some("l1"), "ingest fills L1");
    assert_eq!(plain.header("content-type"), Some("application/json"));
    let etag = plain.header("etag").expect("an ETag").to_owned();
    // The tag names the epoch with the seq: a restored history reuses seqs, never both.
    let epoch = plain.json()["epoch"].as_i64().expect("an epoch");
    assert!(epoch > 0);
    assert_eq!(etag, format!("\"{epoch}-3\""));

    let not_modified = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{}/live", f.id)))
                .header("If-None-Match", &etag),
        )
        .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));

    let gz = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{}/live", f.id)))
                .header("Accept-Encoding", "gzip"),
        )
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    // A strong ETag names one representation: the gzip body has its own, for the same seq.
    assert_eq!(
        gz.header("etag"),
        Some(format!("\"{epoch}-3-gzip\"").as_str())
    );
    assert_eq!(gunzip(&gz.body), plain.body.to_vec());

    app.score(&mut f, 1).await;
    let changed = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{}/live", f.id)))
                .header("If-None-Match", &etag),
        )
        .await;
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "a new ball makes the old tag stale"
    );
    assert_eq!(
        changed.header("etag"),
        Some(format!("\"{epoch}-4\"").as_str())
    );
}

/// Several grounds scoring at the same moment: on SQLite every write shares one file lock,
/// and none of them may be refused or lost for it.
async fn matches_scored_at_once_all_store_every_ball(store: StoreKind) {
    let app = app_on(store).await;
    let mut fixtures = Vec::new();
    for _ in 0..4 {
        fixtures.push(app.started_match(20).await);
    }
    join_all(fixtures.iter_mut().map(|f| app.score(f, 15))).await;
    for f in &fixtures {
        let live = app.live_json(f.id).await;
        assert_eq!(live["seq"], 16);
        assert_eq!(first_innings(&live)["runs"], f.innings.runs);
        assert_eq!(first_innings(&live)["overs"], "2.3");
        assert_eq!(app.events(f.id).await.len(), 16);
    }
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip body");
    out
}
