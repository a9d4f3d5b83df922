//! One scorer at a time: a scoring device takes a match's lock when it starts, renews it while
//! it is open, and hands it over (or lets it lapse). While a device holds it, a scoring POST
//! from any other device is refused with a 409 naming the holder; clients that name no device
//! (scripts, the replay tool) score as before while nobody holds it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::auth::authorize_scorer;
use super::extract::{ApiJson, BearerToken, MatchId};
use super::ingest::{check_len, header_token};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::ScoringLock;

/// Longest device id and label accepted.
const MAX_DEVICE: usize = 64;
const MAX_LABEL: usize = 80;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/matches/{id}/lock",
            get(get_lock).post(take_lock).delete(release_lock),
        )
        .route("/api/matches/{id}/lock/handover", post(ask_for_lock))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct LockRequest {
    /// The device's own id: random, kept by the device for as long as it scores.
    device: String,
    /// Its name for people: "Pavilion pad".
    label: String,
}

/// The lock as the API shows it, with whether the asking device holds it.
#[derive(Serialize)]
struct LockView<'a> {
    held: bool,
    yours: bool,
    label: Option<&'a str>,
    since_ms: Option<i64>,
    expires_ms: Option<i64>,
    wanted_by_you: bool,
    wanted_label: Option<&'a str>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn view<'a>(lock: Option<&'a ScoringLock>, device: Option<&str>, now: i64) -> LockView<'a> {
    let live = lock.filter(|l| l.live_at(now));
    LockView {
        held: live.is_some(),
        yours: live.is_some_and(|l| Some(l.holder.as_str()) == device),
        label: live.map(|l| l.label.as_str()),
        since_ms: live.map(|l| l.since_ms),
        expires_ms: live.map(|l| l.expires_ms),
        wanted_by_you: live
            .is_some_and(|l| l.wanted_by.is_some() && l.wanted_by.as_deref() == device),
        wanted_label: live.and_then(|l| l.wanted_label.as_deref()),
    }
}

/// A device id as the `Scoring-Device` header can carry it: visible ASCII, spaces inside only.
fn check_device(device: &str) -> Result<(), ApiError> {
    let ok = !device.is_empty()
        && device.len() <= MAX_DEVICE
        && device.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && device.trim() == device;
    if !ok {
        return Err(ApiError::invalid_field(
            "device",
            format!("device must be 1 to {MAX_DEVICE} visible ASCII characters, as Scoring-Device carries it"),
        ));
    }
    Ok(())
}

/// The device a request names in its `Scoring-Device` header, if any.
pub fn device_of(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    header_token(headers, "Scoring-Device", MAX_DEVICE)
}

fn held_by(lock: &ScoringLock) -> ApiError {
    let since = chrono::DateTime::from_timestamp_millis(lock.since_ms)
        .map(|t| t.format("%H:%M UTC").to_string())
        .unwrap_or_default();
    ApiError::Conflict {
        code: "scoring-locked",
        detail: format!(
            "{} has been scoring this match since {since}: follow it read-only, or ask for a hand-over",
            lock.label
        ),
    }
}

/// Refuses a scoring POST while another device holds the match's lock.
pub async fn check_lock(
    state: &AppState,
    match_id: i64,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let device = device_of(headers)?;
    match state.store.lock(match_id).await? {
        Some(lock) if lock.live_at(now_ms()) && Some(lock.holder.as_str()) != device => {
            Err(held_by(&lock))
        }
        _ => Ok(()),
    }
}

/// Scorer auth for the match, which must exist.
async fn authorize(state: &AppState, token: &BearerToken, id: i64) -> Result<(), ApiError> {
    authorize_scorer(state, token, id).await?;
    if state.store.get_match(id).await?.is_none() {
        return Err(ApiError::NotFound("match"));
    }
    Ok(())
}

async fn get_lock(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &token, id).await?;
    let device = device_of(&headers)?;
    let lock = state.store.lock(id).await?;
    Ok(Json(view(lock.as_ref(), device, now_ms())).into_response())
}

/// A take or a hand-over request, checked: scorer auth for a match that exists, the header
/// (when sent: it is held to its rules on every route that reads it), the body's device and
/// label. Returns the device and its label.
async fn checked<'r>(
    state: &AppState,
    token: &BearerToken,
    headers: &HeaderMap,
    id: i64,
    req: &'r LockRequest,
) -> Result<(&'r str, &'r str), ApiError> {
    authorize(state, token, id).await?;
    device_of(headers)?;
    check_device(&req.device)?;
    check_len("label", &req.label, MAX_LABEL)?;
    Ok((req.device.as_str(), req.label.trim()))
}

/// Takes the lock, or renews it for its holder (the pad's heartbeat).
async fn take_lock(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LockRequest>,
) -> Result<Response, ApiError> {
    let holder = checked(&state, &token, &headers, id, &req).await?;
    let now = now_ms();
    // Not renewed for this long, the lock lapses (`--scoring-lock-secs`, 30 by default; the pad
    // renews it every ten seconds, so a phone that loses its signal for a moment keeps it).
    let lapse = i64::try_from(state.config.scoring_lock_lapse().as_millis()).unwrap_or(i64::MAX);
    let until = now.saturating_add(lapse);
    match state.store.take_lock(id, holder, (now, until)).await? {
        Some(lock) => Ok(Json(view(Some(&lock), Some(holder.0), now)).into_response()),
        None => match state.store.lock(id).await? {
            Some(lock) => Err(held_by(&lock)),
            // Released between the two statements: the device may simply try again.
            None => Err(ApiError::Conflict {
                code: "scoring-locked",
                detail: "the lock changed hands just now: try again".into(),
            }),
        },
    }
}

/// The holder lets go (a hand-over, once its outbox is empty); the admin token without a device
/// frees the lock of a device that is gone.
async fn release_lock(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &token, id).await?;
    let device = device_of(&headers)?;
    let admin = token
        .0
        .as_deref()
        .is_some_and(|t| state.admin_token.matches(t));
    match (device, admin) {
        (Some(d), _) => {
            state.store.release_lock(id, Some(d)).await?;
        }
        (None, true) => {
            state.store.release_lock(id, None).await?;
        }
        (None, false) => return Err(ApiError::invalid_field(
            "Scoring-Device",
            "name the device that lets go in Scoring-Device (only the admin frees another's lock)",
        )),
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Asks the holder for a hand-over: its pad shows who asks.
async fn ask_for_lock(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LockRequest>,
) -> Result<Response, ApiError> {
    let asker = checked(&state, &token, &headers, id, &req).await?;
    let now = now_ms();
    match state.store.ask_for_lock(id, asker, now).await? {
        Some(lock) => Ok(Json(view(Some(&lock), Some(asker.0), now)).into_response()),
        None => Err(ApiError::Conflict {
            code: "lock-free",
            detail: "no other device holds this match's lock: take it instead".into(),
        }),
    }
}
