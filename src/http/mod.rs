//! The HTTP surface: one router per concern, merged here with the layers they share.

pub mod admin;
pub mod admin_edits;
pub mod auth;
pub mod auth_failures;
pub mod corrections;
pub mod edge;
pub mod error;
pub mod export;
pub mod extract;
pub mod health;
pub mod ingest;
pub mod locks;
pub mod middleware;
pub mod openapi;
pub mod origins;
pub mod peer;
pub mod read;
pub mod realtime;
pub mod replay_stream;
pub mod state;
pub mod tokens;
pub mod web;
pub mod webhooks;
pub mod write_stall;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use tower::ServiceBuilder;

use crate::http::state::AppState;

pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let timeout = state.config.request_timeout();
    let cors = state.origins.cors();
    let router = Router::new()
        .merge(read::router())
        .merge(export::router())
        .merge(ingest::router())
        .merge(corrections::router())
        .merge(locks::router())
        .merge(realtime::router())
        .merge(admin::router())
        .merge(admin_edits::router())
        .merge(tokens::router())
        .merge(webhooks::router())
        .merge(health::router(state.config.metrics_addr.is_none()))
        .merge(openapi::router())
        .merge(web::router())
        .fallback(middleware::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(middleware::count_and_problemize))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    auth_failures::limit,
                ))
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                }))
                .timeout(timeout)
                .layer(DefaultBodyLimit::max(limit)),
        );
    // Outermost, so that a preflight is answered before any route and every answer, a refusal
    // included, carries the CORS headers a page needs to read it.
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.with_state(state)
}
