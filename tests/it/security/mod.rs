//! Security against a real node on Postgres: scorer tokens (expiry, revocation, listing, where
//! a token may come from, logs), the per-address limit on failed authentications, allowed
//! origins, page headers and `/metrics`. Every refusal is checked to have changed nothing.

mod auth_limit;
mod metrics;
mod origins;
mod tokens;

use reqwest::RequestBuilder;

use crate::support::app::{Fixture, StoreKind, TestApp};

/// A node on Postgres with a match one over in, and a scorer token for it.
pub(super) async fn scene() -> (TestApp, Fixture, String) {
    crate::api::refusals::scene(StoreKind::Postgres).await
}

/// The refusal check every bad-input test uses: status, problem+json, nothing changed.
pub(super) use crate::api::refusals::refused;

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
