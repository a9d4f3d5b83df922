//! Editing and deleting fixtures, for the admin token. A match's setup (teams, format, playing
//! conditions) can change until its first event; after that only its details can (title,
//! venue, start, tournament), and a match with events is never deleted: its events are the
//! record of what happened.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::admin::{
    new_match, new_player, new_team, new_tournament, MatchRequest, PlayerRequest, TournamentRequest,
};
use super::auth::require_admin;
use super::extract::{ApiJson, BearerToken};
use super::read::MatchView;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::Deleted;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/tournaments/{id}",
            put(update_tournament).delete(delete_tournament),
        )
        .route("/api/teams/{id}", put(update_team).delete(delete_team))
        .route(
            "/api/players/{id}",
            put(update_player).delete(delete_player),
        )
        .route("/api/matches/{id}", put(update_match).delete(delete_match))
}

/// The `{id}` of a fixture route, read after the token is checked (so an anonymous caller
/// learns nothing from the id). One that is not a positive 64-bit integer names nothing.
fn fixture_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound(what))
}

/// "1 match", "2 matches".
fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The answer to a delete; `users` names, singular and plural, what keeps the row.
fn deleted(
    outcome: Deleted,
    what: &'static str,
    (one, many): (&str, &str),
) -> Result<Response, ApiError> {
    match outcome {
        Deleted::Gone => Ok(StatusCode::NO_CONTENT.into_response()),
        Deleted::Missing => Err(ApiError::NotFound(what)),
        Deleted::Kept(n) => Err(ApiError::Conflict {
            code: "in-use",
            detail: format!("this {what} has {}: it is kept", counted(n, one, many)),
        }),
    }
}

async fn update_tournament(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<TournamentRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "tournament")?;
    let t = new_tournament(&req)?;
    let row = state.store.update_tournament(id, &t).await?;
    Ok(Json(row.ok_or(ApiError::NotFound("tournament"))?).into_response())
}

async fn delete_tournament(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "tournament")?;
    let outcome = state.store.delete_tournament(id).await?;
    deleted(outcome, "tournament", ("match", "matches"))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TeamEdit {
    name: String,
    #[serde(default)]
    short_name: Option<String>,
}

async fn update_team(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<TeamEdit>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "team")?;
    let t = new_team(&req.name, req.short_name.as_deref())?;
    let row = state.store.update_team(id, &t).await?;
    Ok(Json(row.ok_or(ApiError::NotFound("team"))?).into_response())
}

async fn delete_team(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "team")?;
    let outcome = state.store.delete_team(id).await?;
    deleted(outcome, "team", ("player", "players"))
}

async fn update_player(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<PlayerRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "player")?;
    let p = new_player(&req)?;
    let row = state.store.update_player(id, &p).await?;
    Ok(Json(row.ok_or(ApiError::NotFound("player"))?).into_response())
}

async fn delete_player(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "player")?;
    let outcome = state.store.delete_player(id).await?;
    deleted(outcome, "player", ("reference", "references"))
}

/// Replaces the match's fixture. A setup that differs from the stored one is taken only before
/// the first event, and moves the match to a new epoch: every cache and every viewer gets the
/// new opening state at once.
async fn update_match(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<MatchRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "match")?;
    let m = new_match(&req)?;
    let current = state
        .store
        .get_match(id)
        .await?
        .ok_or(ApiError::NotFound("match"))?;
    let new_epoch = (current.setup != m.setup).then(|| crate::store::new_epoch(current.epoch));
    if new_epoch.is_some() && current.seq > 0 {
        return Err(started(current.seq));
    }
    let Some(row) = state.store.update_match(id, &m, new_epoch).await? else {
        // Gone, or its first event came in since it was read.
        return match state.store.get_match(id).await? {
            Some(now) => Err(started(now.seq)),
            None => Err(ApiError::NotFound("match")),
        };
    };
    state.cache.list.clear();
    if new_epoch.is_some() {
        state.cache.overwrite(id).await?;
    }
    Ok(Json(MatchView::from(row)).into_response())
}

fn started(events: i64) -> ApiError {
    ApiError::Conflict {
        code: "match-started",
        detail: format!(
            "the match has {}: its teams, format and playing conditions are those it is being played under",
            counted(events, "event", "events")
        ),
    }
}

async fn delete_match(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = fixture_id(&raw, "match")?;
    let epoch = match state.store.get_match(id).await? {
        Some(row) => row.epoch,
        None => return Err(ApiError::NotFound("match")),
    };
    let outcome = state.store.delete_match(id).await?;
    if outcome == Deleted::Gone {
        state.cache.forget(id, crate::store::new_epoch(epoch)).await;
    }
    match outcome {
        Deleted::Kept(events) => Err(ApiError::Conflict {
            code: "match-started",
            detail: format!(
                "the match has {}, the record of what happened: it is kept",
                counted(events, "event", "events")
            ),
        }),
        other => deleted(other, "match", ("event", "events")),
    }
}
