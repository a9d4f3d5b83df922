//! Bad input, on both stores: each refusal is checked for its status, its problem+json shape
//! and `type`, and for having changed nothing (the stored seq and snapshot, read by the test's
//! own pool, and the `/live` body are identical before and after).

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, Fixture, StoreKind, TestApp};
use crease_testkit::on_both_stores;

on_both_stores!(
    malformed_json,
    unknown_field,
    wrong_type,
    runs_that_do_not_add_up,
    runs_past_the_ceiling,
    three_wickets_on_one_ball,
    stumped_off_a_no_ball,
    unknown_player,
    bowler_from_the_batting_side,
    ball_after_the_innings_ended,
    unknown_match,
    missing_token,
    wrong_token,
    scorer_token_for_another_match,
    body_over_the_limit,
    body_that_is_not_json,
    unknown_route,
    wrong_method,
);

/// A node with a match one over in (seq 7): the next ball starts an over, so it may name
/// any bowler the Laws allow.
pub(crate) async fn scene(store: StoreKind) -> (TestApp, Fixture, String) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 6).await;
    let token = app.scorer_token(&[f.id]).await;
    (app, f, token)
}

/// Sends `req`, asserts the refusal, and that match `match_id` is exactly as it was.
pub(crate) async fn refused(
    app: &TestApp,
    match_id: i64,
    req: RequestBuilder,
    status: StatusCode,
    kind: &str,
) -> Value {
    let stored_before = app.stored(match_id).await;
    let events_before = app.events(match_id).await;
    let live_before = app.live(match_id).await;

    let res = app.answer(req).await;
    assert_eq!(res.status, status, "{res:?}");
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{res:?}"
    );
    let problem = res.json();
    assert_eq!(problem["type"], kind, "{problem}");
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert!(
        problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{problem}"
    );

    assert_eq!(
        app.stored(match_id).await,
        stored_before,
        "stored state changed"
    );
    assert_eq!(app.events(match_id).await, events_before, "events changed");
    let live_after = app.live(match_id).await;
    assert_eq!(live_after.status, live_before.status);
    assert_eq!(live_after.body, live_before.body, "/live changed");
    problem
}

fn post_raw(app: &TestApp, match_id: i64, token: &str, body: &'static str) -> RequestBuilder {
    app.client
        .post(app.url(&format!("/api/matches/{match_id}/balls")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
}

pub(super) fn post_ball(app: &TestApp, match_id: i64, token: &str, ball: &Value) -> RequestBuilder {
    app.client
        .post(app.url(&format!("/api/matches/{match_id}/balls")))
        .bearer_auth(token)
        .json(ball)
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

async fn malformed_json(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let req = post_raw(&app, f.id, &token, r#"{"batter": "Hawks 1", "runs": {"#);
    refused(
        &app,
        f.id,
        req,
        StatusCode::BAD_REQUEST,
        "/problems/malformed-json",
    )
    .await;
}

async fn unknown_field(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    ball["speed_kph"] = json!(141);
    let req = post_ball(&app, f.id, &token, &ball);
    let p = refused(
        &app,
        f.id,
        req,
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("speed_kph"), "{p}");
}

async fn wrong_type(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    ball["runs"]["batter"] = json!("four");
    let req = post_ball(&app, f.id, &token, &ball);
    let p = refused(
        &app,
        f.id,
        req,
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(p["field"], "runs.batter");
}

async fn runs_that_do_not_add_up(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.ball_with(1);
    ball["runs"]["total"] = json!(3);
    let req = post_ball(&app, f.id, &token, &ball);
    refused(
        &app,
        f.id,
        req,
        UNPROCESSABLE,
        "/problems/law/runs-mismatch",
    )
    .await;
}

/// Once accepted as 201 with the total stuck at u32::MAX: no override lifts this ceiling.
async fn runs_past_the_ceiling(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    for runs in [21, u32::MAX] {
        let mut ball = f.innings.ball_with(runs);
        let p = refused(
            &app,
            f.id,
            post_ball(&app, f.id, &token, &ball),
            UNPROCESSABLE,
            "/problems/law/runs-out-of-range",
        )
        .await;
        assert_eq!(p["overridable"], false, "{p}");
        assert_eq!(p["field"], "runs", "{p}");
        ball["override"] = json!({ "reason": "the umpires allowed it" });
        let req = post_ball(&app, f.id, &token, &ball);
        refused(
            &app,
            f.id,
            req,
            UNPROCESSABLE,
            "/problems/law/runs-out-of-range",
        )
        .await;
    }
}

async fn three_wickets_on_one_ball(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.ball_with(0);
    let out = |who: &str| json!({ "kind": "run out", "player_out": who });
    ball["wickets"] = json!([
        out(f.innings.striker()),
        out(f.innings.non_striker()),
        out("Hawks 5")
    ]);
    let req = post_ball(&app, f.id, &token, &ball);
    refused(
        &app,
        f.id,
        req,
        UNPROCESSABLE,
        "/problems/law/too-many-wickets",
    )
    .await;
}

async fn stumped_off_a_no_ball(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.ball_with(0);
    ball["runs"] = json!({ "batter": 0, "extras": 1, "total": 1 });
    ball["extras"] = json!({ "noballs": 1 });
    ball["wickets"] = json!([{
        "kind": "stumped",
        "player_out": f.innings.striker(),
        "fielders": [{ "name": "Owls 11" }],
    }]);
    let req = post_ball(&app, f.id, &token, &ball);
    refused(
        &app,
        f.id,
        req,
        UNPROCESSABLE,
        "/problems/law/dismissal-not-possible",
    )
    .await;
}

async fn unknown_player(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    ball["batter"] = json!("Nobody Atall");
    let req = post_ball(&app, f.id, &token, &ball);
    let p = refused(&app, f.id, req, UNPROCESSABLE, "/problems/law/not-in-team").await;
    assert_eq!(p["field"], "batter");
}

async fn bowler_from_the_batting_side(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    ball["bowler"] = json!("Hawks 9");
    let req = post_ball(&app, f.id, &token, &ball);
    let p = refused(&app, f.id, req, UNPROCESSABLE, "/problems/law/not-in-team").await;
    assert_eq!(p["field"], "bowler");
}

async fn ball_after_the_innings_ended(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    // One over a side: six balls end the first innings.
    let mut f = app.started_match(1).await;
    app.score(&mut f, 6).await;
    let live = app.live_json(f.id).await;
    assert_eq!(live["status"], "innings_break", "{live}");
    let req = post_ball(&app, f.id, &app.admin_token, &f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        UNPROCESSABLE,
        "/problems/law/no-innings-in-progress",
    )
    .await;
}

async fn unknown_match(store: StoreKind) {
    let (app, f, _) = scene(store).await;
    let req = post_ball(&app, 987_654, &app.admin_token, &f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        StatusCode::NOT_FOUND,
        "/problems/not-found",
    )
    .await;
    assert!(app.events(987_654).await.is_empty());
    let live = app.live(987_654).await;
    assert_eq!(live.status, StatusCode::NOT_FOUND);
    assert_eq!(live.json()["type"], "/problems/not-found");
}

async fn missing_token(store: StoreKind) {
    let (app, f, _) = scene(store).await;
    let req = app
        .client
        .post(app.url(&format!("/api/matches/{}/balls", f.id)))
        .json(&f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        StatusCode::UNAUTHORIZED,
        "/problems/unauthorized",
    )
    .await;
}

async fn wrong_token(store: StoreKind) {
    let (app, f, _) = scene(store).await;
    let req = post_ball(&app, f.id, "not-a-real-token", &f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        StatusCode::UNAUTHORIZED,
        "/problems/unauthorized",
    )
    .await;
}

async fn scorer_token_for_another_match(store: StoreKind) {
    let (app, f, _) = scene(store).await;
    let other = app.create_match(20).await;
    let other_token = app.scorer_token(&[other.id]).await;
    let stored = app.stored(f.id).await;
    let res = app
        .answer(post_ball(&app, f.id, &other_token, &f.innings.next_ball()))
        .await;
    // The token is real, only not granted this match: 403, not 401.
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(app.stored(f.id).await, stored);
    let req = post_ball(&app, f.id, &other_token, &f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        StatusCode::FORBIDDEN,
        "/problems/forbidden",
    )
    .await;
}

async fn body_over_the_limit(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let mut ball = f.innings.next_ball();
    // Past the 16 KiB default limit.
    ball["commentary"] = json!("x".repeat(20 * 1024));
    let req = post_ball(&app, f.id, &token, &ball);
    refused(
        &app,
        f.id,
        req,
        StatusCode::PAYLOAD_TOO_LARGE,
        "/problems/body-too-large",
    )
    .await;
}

async fn body_that_is_not_json(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let req = app
        .client
        .post(app.url(&format!("/api/matches/{}/balls", f.id)))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(f.innings.next_ball().to_string());
    refused(
        &app,
        f.id,
        req,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "/problems/unsupported-media-type",
    )
    .await;
}

async fn unknown_route(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let req = app
        .client
        .post(app.url(&format!("/api/matches/{}/bowls", f.id)))
        .bearer_auth(&token)
        .json(&f.innings.next_ball());
    refused(
        &app,
        f.id,
        req,
        StatusCode::NOT_FOUND,
        "/problems/not-found",
    )
    .await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
}

async fn wrong_method(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let req = app
        .client
        .delete(app.url(&format!("/api/matches/{}/live", f.id)))
        .bearer_auth(&token);
    refused(
        &app,
        f.id,
        req,
        StatusCode::METHOD_NOT_ALLOWED,
        "/problems/method-not-allowed",
    )
    .await;
}
