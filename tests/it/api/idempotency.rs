//! An `Idempotency-Key` names one request, on both stores: a retry of that request gets the
//! stored answer, and the key sent with any other request (another ball, another endpoint,
//! another scorer) is refused with 422 and stores nothing, instead of answering with the first
//! response while the new event is dropped.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use super::refusals::refused;
use crate::support::app::{spawn_app, AppOptions, Fixture, StoreKind, TestApp};
use crease_testkit::on_both_stores;

on_both_stores!(
    key_reused_for_another_ball_is_refused,
    key_of_an_undo_sent_with_a_ball_is_refused,
    key_reused_by_another_scorer_is_refused,
);

const REUSED: &str = "/problems/idempotency-key-reused";

async fn scene(store: StoreKind) -> (TestApp, Fixture) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 3).await;
    (app, f)
}

fn keyed(app: &TestApp, path: String, token: &str, key: &str) -> RequestBuilder {
    app.client
        .post(app.url(&path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
}

fn keyed_ball(app: &TestApp, f: &Fixture, token: &str, key: &str, ball: &Value) -> RequestBuilder {
    keyed(app, format!("/api/matches/{}/balls", f.id), token, key).json(ball)
}

async fn key_reused_for_another_ball_is_refused(store: StoreKind) {
    let (app, mut f) = scene(store).await;
    let four = f.innings.ball_with(4);
    let first = app
        .answer(keyed_ball(&app, &f, &app.admin_token, "k-4", &four))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    f.innings.accept(4);

    // The next ball, sent with the key already spent on the four.
    let next = f.innings.ball_with(1);
    let req = keyed_ball(&app, &f, &app.admin_token, "k-4", &next);
    let p = refused(&app, f.id, req, StatusCode::UNPROCESSABLE_ENTITY, REUSED).await;
    assert!(
        p["detail"].as_str().unwrap().contains("Idempotency-Key"),
        "{p}"
    );

    // The first request itself, retried, still gets its answer; spelt with other whitespace
    // and key order it is the same request.
    let retry = app
        .answer(keyed_ball(&app, &f, &app.admin_token, "k-4", &four))
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{retry:?}");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body);
    let reordered = format!(
        "{{ \"runs\": {},\n \"bowler\": {}, \"non_striker\": {}, \"batter\": {} }}",
        four["runs"], four["bowler"], four["non_striker"], four["batter"]
    );
    let retry = app
        .answer(
            keyed(
                &app,
                format!("/api/matches/{}/balls", f.id),
                &app.admin_token,
                "k-4",
            )
            .header("content-type", "application/json")
            .body(reordered),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{retry:?}");
    assert_eq!(retry.body, first.body);

    // The refused ball, under a key of its own, is scored.
    let res = app
        .answer(keyed_ball(&app, &f, &app.admin_token, "k-1", &next))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
}

async fn key_of_an_undo_sent_with_a_ball_is_refused(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 2).await;
    let before_last = f.innings.clone();
    app.score(&mut f, 1).await;
    let undo = keyed(
        &app,
        format!("/api/matches/{}/undo", f.id),
        &app.admin_token,
        "k-undo",
    );
    let undone = app.answer(undo).await;
    assert_eq!(undone.status, StatusCode::CREATED, "{undone:?}");
    f.innings = before_last;

    let req = keyed_ball(&app, &f, &app.admin_token, "k-undo", &f.innings.next_ball());
    refused(&app, f.id, req, StatusCode::UNPROCESSABLE_ENTITY, REUSED).await;

    let again = keyed(
        &app,
        format!("/api/matches/{}/undo", f.id),
        &app.admin_token,
        "k-undo",
    );
    let again = app.answer(again).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body, undone.body);
}

async fn key_reused_by_another_scorer_is_refused(store: StoreKind) {
    let (app, f) = scene(store).await;
    let token = app.scorer_token(&[f.id]).await;
    let ball = f.innings.next_ball();
    let first = app
        .answer(keyed_ball(&app, &f, &app.admin_token, "k-shared", &ball))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");

    // The same body from another principal is not a retry of the admin's request.
    let req = keyed_ball(&app, &f, &token, "k-shared", &ball);
    refused(&app, f.id, req, StatusCode::UNPROCESSABLE_ENTITY, REUSED).await;
}
