//! Scorer routes: a ball, an undo, or any other match event. A scorer token may score the
//! matches it names; the admin token may score any.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use crease_domain::{Delivery, Extras, MatchEvent, Override, Recorded, Runs, Wicket};
use serde::{Deserialize, Serialize};

use super::auth::authorize_scorer;
use super::extract::{parse_json, ApiJson, BearerToken, MatchId};
use super::locks::check_lock;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::ingest::{IdempotencyKey, Scored};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/matches/{id}/balls", post(post_ball))
        .route("/api/matches/{id}/undo", post(post_undo))
        .route("/api/matches/{id}/events", post(post_event))
}

/// Longest player name or commentary line accepted: enough for any real one, and a bound on
/// what a snapshot can be made to carry.
const MAX_NAME: usize = 80;
const MAX_COMMENTARY: usize = 500;
/// Longest umpires' reason accepted with an override.
const MAX_REASON: usize = 200;
const MAX_KEY: usize = 128;

/// A delivery in Cricsheet's shape, plus the seq the scorer expects to follow.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct BallRequest {
    batter: String,
    non_striker: String,
    bowler: String,
    runs: Runs,
    #[serde(default)]
    extras: Extras,
    #[serde(default)]
    wickets: Vec<Wicket>,
    #[serde(default)]
    non_boundary: bool,
    #[serde(default)]
    commentary: Option<String>,
    #[serde(default)]
    expected_seq: Option<i64>,
    #[serde(default, rename = "override")]
    overridden: Option<OverrideRequest>,
}

/// The umpires' word for an event the Laws checks refused: it is recorded as it happened.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OverrideRequest {
    reason: String,
}

/// The event as the log will record it, with its override checked for a usable reason.
pub(super) fn recorded(
    event: MatchEvent,
    o: Option<OverrideRequest>,
) -> Result<Recorded, ApiError> {
    let overridden = match o {
        None => None,
        Some(o) => {
            check_len("override.reason", &o.reason, MAX_REASON)?;
            Some(Override {
                reason: o.reason.trim().to_owned(),
                rule: None,
            })
        }
    };
    Ok(Recorded { event, overridden })
}

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct UndoRequest {
    #[serde(default)]
    expected_seq: Option<i64>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EventRequest {
    kind: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    expected_seq: Option<i64>,
    #[serde(default, rename = "override")]
    overridden: Option<OverrideRequest>,
}

/// The request's `Idempotency-Key`, with the fingerprint of what makes a retry the same
/// request: the endpoint, the event as parsed (so whitespace and key order do not matter), the
/// seq it expects, and who sent it.
pub(super) fn idempotency<'h>(
    headers: &'h HeaderMap,
    endpoint: &str,
    token: &BearerToken,
    event: &Recorded,
    expected_seq: Option<i64>,
) -> Result<Option<IdempotencyKey<'h>>, ApiError> {
    use sha2::{Digest, Sha256};
    let Some(key) = idempotency_key(headers)? else {
        return Ok(None);
    };
    let body = serde_json::to_vec(&(event, expected_seq))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut hash = Sha256::new();
    for part in [
        endpoint.as_bytes(),
        token.0.as_deref().unwrap_or_default().as_bytes(),
        &body,
    ] {
        // Length-prefixed, so that no two different triples hash the same bytes.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    Ok(Some(IdempotencyKey {
        key,
        fingerprint: hex::encode(hash.finalize()),
    }))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    header_token(headers, "Idempotency-Key", MAX_KEY)
}

/// A header that names something (a key, a device): absent, or 1 to `max` visible ASCII
/// characters once trimmed; anything else is refused naming the header.
pub(super) fn header_token<'h>(
    headers: &'h HeaderMap,
    name: &str,
    max: usize,
) -> Result<Option<&'h str>, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= max)
        .ok_or_else(|| {
            ApiError::invalid_field(
                name,
                format!("{name} must be 1 to {max} visible ASCII characters"),
            )
        })?;
    Ok(Some(token))
}

pub(super) fn check_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Most names one event lists: the batters left to come in, in an XI and a few.
const MAX_EVENT_LIST: usize = 11;

/// An event's fields are names and short words: each string up to a name's length and each
/// list up to a side, so that no event can make every snapshot carry much, and the refusal
/// names the field at fault.
fn check_event_data(value: &serde_json::Value, field: String) -> Result<(), ApiError> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.chars().count() > MAX_NAME => Err(ApiError::invalid_field(
            &field,
            format!("{field} must be at most {MAX_NAME} characters"),
        )),
        Value::Array(items) if items.len() > MAX_EVENT_LIST => Err(ApiError::invalid_field(
            &field,
            format!("{field} lists at most {MAX_EVENT_LIST}"),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_event_data(v, format!("{field}[{i}]"))),
        Value::Object(members) => members
            .iter()
            .try_for_each(|(k, v)| check_event_data(v, format!("{field}.{k}"))),
        _ => Ok(()),
    }
}

/// A `{kind, data}` pair as the event it names, each field checked as the routes check it.
pub(super) fn parse_event(
    kind: String,
    data: Option<serde_json::Value>,
) -> Result<MatchEvent, ApiError> {
    let mut envelope = serde_json::Map::new();
    envelope.insert("kind".into(), serde_json::Value::String(kind));
    if let Some(data) = data {
        envelope.insert("data".into(), data);
    }
    let text = serde_json::to_vec(&envelope).map_err(|e| ApiError::Internal(e.to_string()))?;
    let event: MatchEvent = parse_json(&text)?;
    match &event {
        MatchEvent::Ball(d) => validate_delivery(d)?,
        _ => {
            if let Some(data) = envelope.get("data") {
                check_event_data(data, "data".to_owned())?;
            }
        }
    }
    Ok(event)
}

fn validate_delivery(b: &Delivery) -> Result<(), ApiError> {
    check_len("batter", &b.batter, MAX_NAME)?;
    check_len("non_striker", &b.non_striker, MAX_NAME)?;
    check_len("bowler", &b.bowler, MAX_NAME)?;
    for (i, w) in b.wickets.iter().enumerate() {
        check_len(&format!("wickets[{i}].player_out"), &w.player_out, MAX_NAME)?;
        for (j, f) in w.fielders.iter().enumerate() {
            check_len(
                &format!("wickets[{i}].fielders[{j}].name"),
                &f.name,
                MAX_NAME,
            )?;
        }
    }
    if let Some(c) = &b.commentary {
        check_len("commentary", c, MAX_COMMENTARY)?;
    }
    Ok(())
}

pub(super) fn respond(scored: Scored) -> Response {
    let status = if scored.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut res = (status, scored.body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if scored.replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

async fn post_ball(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    ApiJson(req): ApiJson<BallRequest>,
) -> Result<Response, ApiError> {
    authorize_scorer(&state, &token, id).await?;
    check_lock(&state, id, &headers).await?;
    let expected = req.expected_seq;
    let ball = Delivery {
        batter: req.batter,
        non_striker: req.non_striker,
        bowler: req.bowler,
        runs: req.runs,
        extras: req.extras,
        wickets: req.wickets,
        non_boundary: req.non_boundary,
        commentary: req.commentary,
    };
    validate_delivery(&ball)?;
    let event = recorded(MatchEvent::Ball(ball), req.overridden)?;
    let key = idempotency(&headers, "balls", &token, &event, expected)?;
    let scored = state
        .scoring
        .submit(id, event, expected, key.as_ref())
        .await?;
    Ok(respond(scored))
}

async fn post_undo(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Result<Response, ApiError> {
    authorize_scorer(&state, &token, id).await?;
    check_lock(&state, id, &headers).await?;
    let req: UndoRequest = if body.iter().all(u8::is_ascii_whitespace) {
        UndoRequest::default()
    } else {
        parse_json(&body)?
    };
    let event = Recorded::from(MatchEvent::Undo);
    let key = idempotency(&headers, "undo", &token, &event, req.expected_seq)?;
    let scored = state
        .scoring
        .submit(id, event, req.expected_seq, key.as_ref())
        .await?;
    Ok(respond(scored))
}

async fn post_event(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    ApiJson(req): ApiJson<EventRequest>,
) -> Result<Response, ApiError> {
    authorize_scorer(&state, &token, id).await?;
    check_lock(&state, id, &headers).await?;
    let route = match req.kind.as_str() {
        "ball" => Some("balls"),
        "undo" => Some("undo"),
        "correction" => Some("corrections"),
        _ => None,
    };
    if let Some(route) = route {
        return Err(ApiError::invalid_field(
            "kind",
            format!("post a {} to /api/matches/{id}/{route}", req.kind),
        ));
    }
    let event = parse_event(req.kind, req.data)?;
    let event = recorded(event, req.overridden)?;
    let key = idempotency(&headers, "events", &token, &event, req.expected_seq)?;
    let scored = state
        .scoring
        .submit(id, event, req.expected_seq, key.as_ref())
        .await?;
    Ok(respond(scored))
}
