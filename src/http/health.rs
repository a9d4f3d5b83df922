//! Liveness, readiness and Prometheus metrics (on the main listener, or on one of its own), the
//! metrics behind a bearer token when one is configured.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::auth::refused;
use super::extract::BearerToken;
use crate::http::state::AppState;

/// `metrics` is false when `/metrics` has an address of its own.
pub fn router(metrics: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if metrics {
        router.route("/metrics", get(metrics_text))
    } else {
        router
    }
}

/// The whole service of the metrics address: `/metrics` and a problem+json 404 for the rest.
pub fn metrics_app(state: AppState) -> axum::Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .fallback(super::middleware::not_found)
        .with_state(state)
}

async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Ready when the database answers and shutdown has not begun. Redis is reported, not
/// required: without it the node serves from the database.
///
/// One shape whatever the answer: the readiness object, with status 200 or 503 (and
/// `Retry-After` on 503), so a probe and a person read the same fields either way.
async fn readyz(State(state): State<AppState>) -> Response {
    let db_up = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await,
        Ok(Ok(()))
    );
    let redis_up = state.redis.as_ref().map(|link| link.is_up());
    let redis = match redis_up {
        None => "absent",
        Some(true) => "up",
        Some(false) => "down",
    };
    let in_use = &state.bus_in_use;
    // The Redis subscription can outlive Redis by a moment (a hung server closes nothing), so
    // a Redis marked down is not carrying messages whatever the subscription says.
    let primary = in_use.primary_live() && redis_up != Some(false);
    let has_fallback = matches!(state.store, crate::store::Store::Postgres(_));
    let bus = if primary {
        in_use.primary()
    } else if in_use.fallback_live() {
        "pg_notify"
    } else {
        "none"
    };
    let pg_notify = match (has_fallback, in_use.fallback_live()) {
        (false, _) => "absent",
        (true, true) => "listening",
        (true, false) => "down",
    };
    let ready = db_up && state.shutdown.is_ready();
    let mut body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": if db_up { "up" } else { "down" },
        "store": state.store.kind(),
        "redis": redis,
        "bus": bus,
        "pg_notify": pg_notify,
        "shutting_down": !state.shutdown.is_ready(),
    });
    if let Some(link) = state.redis.as_ref().filter(|l| l.is_cluster()) {
        body["redis_cluster"] = json!(link.cluster_events().seen());
    }
    let mut res = Json(body).into_response();
    if !ready {
        *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(crate::http::error::RETRY_AFTER_SECS),
        );
    }
    res
}

async fn metrics_text(State(state): State<AppState>, token: BearerToken) -> Response {
    if let Some(want) = &state.metrics_token {
        let Some(t) = token.0.as_deref() else {
            return refused("missing").into_response();
        };
        if !want.matches(t) {
            return refused("unknown").into_response();
        }
    }
    // Read at scrape time: the runtime counts its tasks anyway, and a leak of tasks (a
    // connection's writer outliving it) shows nowhere else.
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    metrics::gauge!("crease_runtime_alive_tasks").set(tasks as f64);
    let mut res = state.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    res
}
