//! The umpires' word over the Laws checks, through the API on both stores: a refused event that
//! only a rule of play stops is recorded when sent again with an override and a reason; the
//! stored event, `/live`, the commentary and the metric all say so. An override never lets
//! through what cannot be represented, and is refused where it is not needed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::refusals::{post_ball, refused, scene};
use crate::support::app::{spawn_app, AppOptions, Fixture, RedisMode, StoreKind};
use crease_testkit::on_both_stores;

on_both_stores!(
    consecutive_overs_stand_by_override,
    override_of_an_unknown_player_is_still_refused,
    override_that_is_not_needed_is_refused,
    override_without_a_reason_is_refused,
    no_further_batter_closes_the_innings,
    eight_off_the_bat_stand_by_override,
);

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
const REASON: &str = "umpires allowed Owls 11 to continue after a miscount";

/// The next ball, bowled by whoever bowled the over just finished.
fn second_over_in_a_row(f: &Fixture) -> (Value, String) {
    let first_bowler = f.innings.sides.bowlers[10].clone();
    let mut ball = f.innings.ball_with(1);
    ball["bowler"] = json!(first_bowler);
    (ball, first_bowler)
}

async fn consecutive_overs_stand_by_override(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let (ball, bowler) = second_over_in_a_row(&f);

    let p = refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &ball),
        UNPROCESSABLE,
        "/problems/law/consecutive-overs",
    )
    .await;
    assert_eq!(p["overridable"], true, "{p}");
    assert_eq!(p["field"], "bowler", "{p}");

    let mut overridden = ball.clone();
    overridden["override"] = json!({ "reason": REASON });
    let res = app.post_ball(f.id, &token, &overridden).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["seq"], 8, "{res:?}");

    // The log keeps the reason and the rule overruled, so a replay records it the same way.
    let events = app.events(f.id).await;
    let last = events.last().expect("stored event");
    assert_eq!(last.seq, 8);
    let payload: Value = serde_json::from_str(&last.payload).unwrap();
    assert_eq!(payload["override"]["reason"], REASON, "{payload}");
    assert_eq!(
        payload["override"]["rule"], "consecutive-overs",
        "{payload}"
    );
    assert_eq!(payload["data"]["bowler"], bowler.as_str(), "{payload}");

    let live = app.live_json(f.id).await;
    let notes = live["overrides"].as_array().expect("overrides");
    assert_eq!(notes.len(), 1, "{live}");
    assert_eq!(notes[0]["rule"], "consecutive-overs");
    assert_eq!(notes[0]["reason"], REASON);
    assert_eq!(notes[0]["kind"], "ball");
    assert_eq!(notes[0]["ball"], "1.1");
    let line = live["commentary"]
        .as_array()
        .and_then(|c| c.last())
        .and_then(|l| l["text"].as_str())
        .expect("commentary line")
        .to_owned();
    assert!(line.contains(REASON), "{line}");
    // The over is this bowler's second: the figures count the ball.
    let figures = live["innings"][0]["bowling"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == bowler.as_str())
        .expect("bowler's figures")
        .clone();
    assert_eq!(figures["balls"], 7, "{figures}");

    let counted = app
        .metric("crease_overrides_total", &[("rule", "consecutive-overs")])
        .await;
    assert_eq!(counted, 1.0);

    // The next ball from the same bowler continues the over: no override needed or accepted.
    let mut next = f.innings.ball_with(0);
    next["bowler"] = json!(bowler);
    next["batter"] = ball["non_striker"].clone();
    next["non_striker"] = ball["batter"].clone();
    next["override"] = json!({ "reason": REASON });
    refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &next),
        UNPROCESSABLE,
        "/problems/law/override-not-needed",
    )
    .await;
}

async fn override_of_an_unknown_player_is_still_refused(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let (mut ball, _) = second_over_in_a_row(&f);
    ball["batter"] = json!("Nobody Atall");
    ball["override"] = json!({ "reason": REASON });
    let p = refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &ball),
        UNPROCESSABLE,
        "/problems/law/not-in-team",
    )
    .await;
    assert_eq!(p["overridable"], false, "{p}");
    assert_eq!(
        app.metric("crease_overrides_total", &[]).await,
        0.0,
        "nothing was overridden"
    );
}

async fn override_that_is_not_needed_is_refused(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    ball["override"] = json!({ "reason": REASON });
    let p = refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &ball),
        UNPROCESSABLE,
        "/problems/law/override-not-needed",
    )
    .await;
    assert_eq!(p["overridable"], false, "{p}");
    assert_eq!(p["field"], "override", "{p}");
}

async fn override_without_a_reason_is_refused(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let (ball, _) = second_over_in_a_row(&f);
    for reason in [json!(" "), json!("x".repeat(201))] {
        let mut b = ball.clone();
        b["override"] = json!({ "reason": reason });
        let p = refused(
            &app,
            f.id,
            post_ball(&app, f.id, &token, &b),
            StatusCode::BAD_REQUEST,
            "/problems/invalid-field",
        )
        .await;
        assert_eq!(p["field"], "override.reason", "{p}");
    }
    let mut b = ball.clone();
    b["override"] = json!({ "why": REASON });
    refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &b),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
}

/// A batter out and the next one absent hurt: the innings closes there, one wicket down, with
/// the absent batter on the card.
async fn no_further_batter_closes_the_innings(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    let token = app.scorer_token(&[f.id]).await;
    app.score(&mut f, 2).await;
    let events = format!("/api/matches/{}/events", f.id);
    let absent = json!({
        "kind": "no_further_batter",
        "data": { "reason": "absent_hurt", "batters": ["Hawks 11"] },
    });

    // Both batters are in: no batter is due, so the event is refused and nothing changes.
    let p = refused(
        &app,
        f.id,
        app.client
            .post(app.url(&events))
            .bearer_auth(&token)
            .json(&absent),
        UNPROCESSABLE,
        "/problems/law/invalid-event",
    )
    .await;
    assert_eq!(p["overridable"], false, "{p}");

    // The striker is bowled: a vacancy, and the scorer says no one is left to come in.
    let mut ball = f.innings.ball_with(0);
    ball["wickets"] = json!([{ "kind": "bowled", "player_out": f.innings.striker() }]);
    let res = app.post_ball(f.id, &token, &ball).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let runs_before = f.innings.runs;
    let res = app.post_json(&events, Some(&token), &absent).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");

    let events = app.events(f.id).await;
    let last = events.last().unwrap();
    assert_eq!(last.kind, "no_further_batter");
    let live = app.live_json(f.id).await;
    let first = &live["innings"][0];
    assert_eq!(first["runs"], runs_before, "{first}");
    assert_eq!(first["wickets"], 1, "{first}");
    let hurt = first["batting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Hawks 11")
        .expect("the absent batter is on the card")
        .clone();
    assert_eq!(hurt["dismissal"], "absent hurt", "{hurt}");

    // The innings is closed: another ball in it is refused.
    let mut more = f.innings.ball_with(0);
    more["batter"] = json!("Hawks 3");
    let res = app.post_ball(f.id, &token, &more).await;
    assert_eq!(res.status, UNPROCESSABLE, "{res:?}");
}

/// More than a delivery can bring under the Laws (a 6, or 3 run and 4 overthrows) is refused
/// as a scorer's slip, and stands when the umpires say it happened.
async fn eight_off_the_bat_stand_by_override(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let live = app.live_json(f.id).await;
    let mut ball = f.innings.ball_with(8);
    let p = refused(
        &app,
        f.id,
        post_ball(&app, f.id, &token, &ball),
        UNPROCESSABLE,
        "/problems/law/too-many-runs",
    )
    .await;
    assert_eq!(p["overridable"], true, "{p}");
    assert_eq!(p["field"], "runs.batter", "{p}");

    ball["override"] = json!({ "reason": "overthrows of overthrows: 8 run" });
    let res = app.post_ball(f.id, &token, &ball).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let after = app.live_json(f.id).await;
    assert_eq!(
        after["innings"][0]["runs"].as_u64().unwrap(),
        live["innings"][0]["runs"].as_u64().unwrap() + 8
    );
    assert_eq!(after["overrides"][0]["rule"], "too-many-runs", "{after}");
}

/// Two nodes on one database: the node that scored the first over has not seen the second,
/// scored on the other. Its engine would call the first bowler's third over "two in a row";
/// the database says it is not, and the ball is stored without any override.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_behind_another_does_not_refuse_what_the_database_allows() {
    let first = spawn_app(AppOptions::new(StoreKind::Postgres)).await;
    let second = first.peer(RedisMode::Off).await;
    let mut f = first.started_match(20).await;
    first.score(&mut f, 6).await;
    second.score(&mut f, 6).await;

    let mut ball = f.innings.ball_with(0);
    ball["bowler"] = json!(f.innings.sides.bowlers[10]);
    let res = first.post_ball(f.id, &first.admin_token, &ball).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["seq"], 14, "{res:?}");
    assert_eq!(first.live_json(f.id).await["overrides"], json!([]));
}
