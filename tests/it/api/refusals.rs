//! Bad input, on both stores: each refusal is checked for its status, its problem+json shape
//! and `type`, and for having changed nothing (the stored seq and snapshot, read by the test's
//! own pool, and the `/live` body are identical before and after).

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, AppOptions, Fixture, StoreKind, TestApp};
use crease_testkit::on_both_stores;

on_both_stores!(
    runs_past_the_ceiling,
    ball_after_the_innings_ended,
    unknown_match,
    scorer_token_for_another_match,
    unknown_route,
);

/// One bad request to the scene's match and what the node must answer to it.
struct Refusal {
    status: StatusCode,
    kind: &'static str,
    request: fn(&TestApp, &Fixture, &str) -> RequestBuilder,
    /// Anything more the problem must say, such as the field it names.
    problem: fn(&Value),
}

/// Runs one case on a fresh scene: refused as it says, and nothing changed.
async fn check(store: StoreKind, case: Refusal) {
    let (app, f, token) = scene(store).await;
    let req = (case.request)(&app, &f, &token);
    let problem = refused(&app, f.id, req, case.status, case.kind).await;
    (case.problem)(&problem);
}

fn nothing_more(_: &Value) {}

/// Each case becomes `<name>::postgres` and `<name>::sqlite`, so a failure names its case.
macro_rules! refusals {
    ($($name:ident: $case:expr;)*) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                check(StoreKind::Postgres, $case).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                check(StoreKind::Sqlite, $case).await;
            }
        }
    )*};
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The next ball of the scene's match with `edit` applied, posted with `token`.
fn edited(
    app: &TestApp,
    f: &Fixture,
    token: &str,
    edit: impl FnOnce(&mut Value),
) -> RequestBuilder {
    let mut ball = f.innings.next_ball();
    edit(&mut ball);
    post_ball(app, f.id, token, &ball)
}

refusals! {
    malformed_json: Refusal {
        status: StatusCode::BAD_REQUEST,
        kind: "/problems/malformed-json",
        request: |app, f, token| post_raw(app, f.id, token, r#"{"batter": "Hawks 1", "runs": {"#),
        problem: nothing_more,
    };
    unknown_field: Refusal {
        status: StatusCode::BAD_REQUEST,
        kind: "/problems/invalid-field",
        request: |app, f, token| edited(app, f, token, |b| b["speed_kph"] = json!(141)),
        problem: |p| assert!(p["detail"].as_str().unwrap().contains("speed_kph"), "{p}"),
    };
    wrong_type: Refusal {
        status: StatusCode::BAD_REQUEST,
        kind: "/problems/invalid-field",
        request: |app, f, token| edited(app, f, token, |b| b["runs"]["batter"] = json!("four")),
        problem: |p| assert_eq!(p["field"], "runs.batter"),
    };
    runs_that_do_not_add_up: Refusal {
        status: UNPROCESSABLE,
        kind: "/problems/law/runs-mismatch",
        request: |app, f, token| {
            let mut ball = f.innings.ball_with(1);
            ball["runs"]["total"] = json!(3);
            post_ball(app, f.id, token, &ball)
        },
        problem: nothing_more,
    };
    three_wickets_on_one_ball: Refusal {
        status: UNPROCESSABLE,
        kind: "/problems/law/too-many-wickets",
        request: |app, f, token| {
            let mut ball = f.innings.ball_with(0);
            let out = |who: &str| json!({ "kind": "run out", "player_out": who });
            ball["wickets"] = json!([
                out(f.innings.striker()),
                out(f.innings.non_striker()),
                out("Hawks 5")
            ]);
            post_ball(app, f.id, token, &ball)
        },
        problem: nothing_more,
    };
    stumped_off_a_no_ball: Refusal {
        status: UNPROCESSABLE,
        kind: "/problems/law/dismissal-not-possible",
        request: |app, f, token| {
            let mut ball = f.innings.ball_with(0);
            ball["runs"] = json!({ "batter": 0, "extras": 1, "total": 1 });
            ball["extras"] = json!({ "noballs": 1 });
            ball["wickets"] = json!([{
                "kind": "stumped",
                "player_out": f.innings.striker(),
                "fielders": [{ "name": "Owls 11" }],
            }]);
            post_ball(app, f.id, token, &ball)
        },
        problem: nothing_more,
    };
    unknown_player: Refusal {
        status: UNPROCESSABLE,
        kind: "/problems/law/not-in-team",
        request: |app, f, token| edited(app, f, token, |b| b["batter"] = json!("Nobody Atall")),
        problem: |p| assert_eq!(p["field"], "batter"),
    };
    bowler_from_the_batting_side: Refusal {
        status: UNPROCESSABLE,
        kind: "/problems/law/not-in-team",
        request: |app, f, token| edited(app, f, token, |b| b["bowler"] = json!("Hawks 9")),
        problem: |p| assert_eq!(p["field"], "bowler"),
    };
    missing_token: Refusal {
        status: StatusCode::UNAUTHORIZED,
        kind: "/problems/unauthorized",
        request: |app, f, _| {
            app.client
                .post(app.url(&format!("/api/matches/{}/balls", f.id)))
                .json(&f.innings.next_ball())
        },
        problem: nothing_more,
    };
    wrong_token: Refusal {
        status: StatusCode::UNAUTHORIZED,
        kind: "/problems/unauthorized",
        request: |app, f, _| edited(app, f, "not-a-real-token", |_| {}),
        problem: nothing_more,
    };
    body_over_the_limit: Refusal {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        kind: "/problems/body-too-large",
        // Past the 16 KiB default limit.
        request: |app, f, token| {
            edited(app, f, token, |b| b["commentary"] = json!("x".repeat(20 * 1024)))
        },
        problem: nothing_more,
    };
    body_that_is_not_json: Refusal {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        kind: "/problems/unsupported-media-type",
        request: |app, f, token| {
            app.client
                .post(app.url(&format!("/api/matches/{}/balls", f.id)))
                .bearer_auth(token)
                .header("content-type", "text/plain")
                .body(f.innings.next_ball().to_string())
        },
        problem: nothing_more,
    };
    wrong_method: Refusal {
        status: StatusCode::METHOD_NOT_ALLOWED,
        kind: "/problems/method-not-allowed",
        request: |app, f, token| {
            app.client
                .delete(app.url(&format!("/api/matches/{}/live", f.id)))
                .bearer_auth(token)
        },
        problem: nothing_more,
    };
}

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
