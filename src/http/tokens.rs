//! Scorer tokens, for the admin: minted for named matches with an expiry (the plaintext is
//! returned once; only its hash is stored), listed without their secrets, and revoked.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::admin::{created, name};
use super::auth::require_admin;
use super::extract::{ApiJson, BearerToken};
use crate::http::error::ApiError;
use crate::http::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tokens", get(list_tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
}

/// Unless the request says otherwise: a Test's five days, and two more for rain and travel.
const DEFAULT_EXPIRY_SECS: u64 = 7 * 24 * 3600;
/// A token outliving a season is a token nobody remembers handing out.
const MAX_EXPIRY_SECS: u64 = 366 * 24 * 3600;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    label: String,
    match_ids: Vec<i64>,
    #[serde(default)]
    expires_in_secs: Option<u64>,
}

async fn create_token(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let label = name("label", &req.label)?;
    if req.match_ids.is_empty() || req.match_ids.len() > 100 {
        return Err(ApiError::invalid_field(
            "match_ids",
            "name 1 to 100 matches",
        ));
    }
    let secs = req.expires_in_secs.unwrap_or(DEFAULT_EXPIRY_SECS);
    if !(1..=MAX_EXPIRY_SECS).contains(&secs) {
        return Err(ApiError::invalid_field(
            "expires_in_secs",
            format!("a token lasts 1 to {MAX_EXPIRY_SECS} seconds"),
        ));
    }
    for id in &req.match_ids {
        // As a scoring route answers for an unknown match: the request was well formed.
        if state.store.get_match(*id).await?.is_none() {
            return Err(ApiError::NotFound("match"));
        }
    }
    // Whole microseconds, as both stores keep them, so the time returned is the time stored.
    let expires_at = chrono::SubsecRound::trunc_subsecs(
        chrono::Utc::now() + chrono::Duration::seconds(secs as i64),
        6,
    );
    let (id, plaintext) = state
        .store
        .create_scorer_token(&label, &req.match_ids, Some(expires_at))
        .await?;
    Ok(created(serde_json::json!({
        "id": id,
        "label": label,
        "match_ids": req.match_ids,
        "expires_at": expires_at,
        "token": plaintext,
    })))
}

async fn list_tokens(
    State(state): State<AppState>,
    token: BearerToken,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    Ok(Json(state.store.list_scorer_tokens().await?).into_response())
}

/// Takes effect at once on every node: tokens are checked against the database on each request.
async fn revoke_token(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = raw.parse::<i64>().ok().filter(|id| *id > 0);
    match id {
        Some(id) if state.store.revoke_scorer_token(id).await? => {
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(ApiError::NotFound("token")),
    }
}
