//! Liveness, readiness and Prometheus metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Ready when the database answers and shutdown has not begun. Redis is reported, not
/// required: without it the node serves from the database.
async fn readyz(State(state): State<AppState>) -> Response {
    let db_up = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await,
        Ok(Ok(()))
    );
    let redis = match &state.redis {
        None => "absent",
        Some(link) if link.is_up() => "up",
        Some(_) => "down",
    };
    let ready = db_up && state.is_ready();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": if db_up { "up" } else { "down" },
        "store": state.store.kind(),
        "redis": redis,
        "bus": state.bus.name(),
        "shutting_down": !state.is_ready(),
    });
    (status, Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut res = state.metrics.render().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    res
}
