//! Playing conditions set when a match is created: they change what the Laws checks allow for
//! that match only, and values no competition uses are refused.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::refusals::{post_ball, refused};
use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crate::support::scorer::{InningsModel, Sides};
use crease_testkit::on_both_stores;

on_both_stores!(
    english_domestic_conditions_apply_to_their_match,
    conditions_no_competition_uses_are_refused,
);

fn new_match(sides: &Sides, extra: Value) -> Value {
    let mut body = json!({
        "format": "odi",
        "overs": 40,
        "teams": [
            { "name": sides.batting, "players": sides.batters },
            { "name": sides.bowling, "players": sides.bowlers },
        ],
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn create(app: &TestApp, body: &Value) -> i64 {
    let res = app
        .post_json("/api/matches", Some(&app.admin_token), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    res.json()["id"].as_i64().unwrap()
}

async fn english_domestic_conditions_apply_to_their_match(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let sides = Sides::new("Hawks", "Owls");
    let model = InningsModel::new(sides.clone());
    let id = create(
        &app,
        &new_match(
            &sides,
            json!({ "noball_runs": 2, "free_hit": "front_foot", "max_consecutive_overs": 2 }),
        ),
    )
    .await;
    let start = app
        .post_json(
            &format!("/api/matches/{id}/events"),
            Some(&app.admin_token),
            &model.innings_start(),
        )
        .await;
    assert_eq!(start.status, StatusCode::CREATED, "{start:?}");

    // A no-ball worth the Laws' one run is a slip under these conditions.
    let mut one = model.ball_with(0);
    one["runs"] = json!({ "batter": 0, "extras": 1, "total": 1 });
    one["extras"] = json!({ "noballs": 1 });
    let p = refused(
        &app,
        id,
        post_ball(&app, id, &app.admin_token, &one),
        StatusCode::UNPROCESSABLE_ENTITY,
        "/problems/law/no-ball-value",
    )
    .await;
    assert_eq!(p["overridable"], true, "{p}");

    let mut two = model.ball_with(0);
    two["runs"] = json!({ "batter": 0, "extras": 2, "total": 2 });
    two["extras"] = json!({ "noballs": 2 });
    let res = app.post_ball(id, &app.admin_token, &two).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let live = app.live_json(id).await;
    assert_eq!(live["innings"][0]["runs"], 2, "{live}");
    assert_eq!(live["innings"][0]["extras"]["noballs"], 2, "{live}");

    // Front-foot free hits only: the delivery cannot say why it was a no-ball, so a bowled
    // dismissal on the next ball stands.
    let mut bowled = model.ball_with(0);
    bowled["wickets"] = json!([{ "kind": "bowled", "player_out": model.striker() }]);
    let res = app.post_ball(id, &app.admin_token, &bowled).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(app.live_json(id).await["innings"][0]["wickets"], 1);
}

async fn conditions_no_competition_uses_are_refused(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let sides = Sides::new("Hawks", "Owls");
    for (extra, field) in [
        (json!({ "noball_runs": 3 }), "noball_runs"),
        (
            json!({ "max_consecutive_overs": 0 }),
            "max_consecutive_overs",
        ),
        (json!({ "bowler_quota_overs": 0 }), "bowler_quota_overs"),
        (json!({ "free_hit": "sometimes" }), "free_hit"),
    ] {
        let res = app
            .post_json(
                "/api/matches",
                Some(&app.admin_token),
                &new_match(&sides, extra.clone()),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{extra}: {res:?}");
        let p = res.json();
        assert_eq!(p["type"], "/problems/invalid-field", "{p}");
        assert!(
            p["field"] == field || p["detail"].as_str().unwrap().contains(field),
            "{p}"
        );
    }
    let res = app.get("/api/matches").await;
    assert_eq!(
        res.json().as_array().map(Vec::len),
        Some(0),
        "nothing created"
    );
}
