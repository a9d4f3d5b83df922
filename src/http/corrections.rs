//! The scorer's correction of any past event: amend it, delete it, or insert one before it. The
//! correction is appended to the log like any event; the engine replays the corrected sequence.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use crease_domain::event::{Correction, CorrectionAction};
use crease_domain::MatchEvent;
use serde::{Deserialize, Serialize};

use super::auth::authorize_scorer;
use super::extract::{ApiJson, BearerToken, MatchId};
use super::ingest::{idempotency, parse_event, recorded, respond, OverrideRequest};
use super::locks::check_lock;
use crate::http::error::ApiError;
use crate::http::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/matches/{id}/corrections", post(post_correction))
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CorrectionRequest {
    /// The seq of the event in force to correct, as `/balls` and every message give it.
    seq: u64,
    action: CorrectionAction,
    #[serde(default)]
    event: Option<EventBody>,
    #[serde(default)]
    expected_seq: Option<i64>,
}

/// The event a correction puts in, as `/events` takes one (a ball too), with its own override.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    kind: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default, rename = "override")]
    overridden: Option<OverrideRequest>,
}

async fn post_correction(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    token: BearerToken,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> Result<Response, ApiError> {
    authorize_scorer(&state, &token, id).await?;
    check_lock(&state, id, &headers).await?;
    if req.seq == 0 || i64::try_from(req.seq).is_err() {
        return Err(ApiError::invalid_field(
            "seq",
            "seq names a stored event: a whole number from 1",
        ));
    }
    let event = match req.event {
        None => None,
        Some(body) if matches!(body.kind.as_str(), "undo" | "correction") => {
            return Err(ApiError::invalid_field(
                "event.kind",
                "an undo or a correction cannot be put in a match's past",
            ));
        }
        Some(body) => {
            let event = parse_event(body.kind, body.data)?;
            Some(Box::new(recorded(event, body.overridden)?))
        }
    };
    let correction = MatchEvent::Correction(Correction {
        seq: req.seq,
        action: req.action,
        event,
    });
    let event = recorded(correction, None)?;
    let key = idempotency(&headers, "corrections", &token, &event, req.expected_seq)?;
    let scored = state
        .scoring
        .submit(id, event, req.expected_seq, key.as_ref())
        .await?;
    Ok(respond(scored))
}
