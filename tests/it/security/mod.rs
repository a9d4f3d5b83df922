//! Security against a real node on Postgres: scorer tokens (expiry, revocation, listing, where
//! a token may come from, logs), the per-address limit on failed authentications, allowed
//! origins, page headers and `/metrics`. Every refusal is checked to have changed nothing.

mod auth_limit;
mod metrics;
mod origins;
mod tokens;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use crate::support::app::{spawn_app, AppOptions, Fixture, StoreKind, TestApp};

/// A node on Postgres with a match one over in, and a scorer token for it.
pub(super) async fn scene() -> (TestApp, Fixture, String) {
    let app = spawn_app(AppOptions::new(StoreKind::Postgres)).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 6).await;
    let token = app.scorer_token(&[f.id]).await;
    (app, f, token)
}

/// Sends `req`, asserts a problem+json refusal with `status` and `kind`, and that match
/// `match_id` is exactly as it was (stored seq and snapshot, events, `/live`).
pub(super) async fn refused(
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

    assert_eq!(
        app.stored(match_id).await,
        stored_before,
        "stored state changed"
    );
    assert_eq!(app.events(match_id).await, events_before, "events changed");
    assert_eq!(
        app.live(match_id).await.body,
        live_before.body,
        "/live changed"
    );
    problem
}

/// A ball request for the fixture's next delivery, with `token` as a bearer token if given.
pub(super) fn ball_request(app: &TestApp, f: &Fixture, token: Option<&str>) -> RequestBuilder {
    let req = app
        .client
        .post(app.url(&format!("/api/matches/{}/balls", f.id)))
        .json(&f.innings.next_ball());
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}
