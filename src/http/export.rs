//! `GET /api/matches/{id}/cricsheet`: the match as a Cricsheet file, as its log stands now.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::extract::MatchId;
use super::read::etag_matches;
use crate::http::error::ApiError;
use crate::http::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/matches/{id}/cricsheet", get(cricsheet))
}

async fn cricsheet(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let file = state.scoring.cricsheet(id).await?;
    // The file changes with every event, and only then: the tag is where the log stood.
    let etag = HeaderValue::try_from(format!("\"{}-{}-cricsheet\"", file.epoch, file.seq))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| etag_matches(v.as_bytes(), etag.as_bytes()))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = file.body.into_response();
        let disposition = format!("attachment; filename=\"crease-match-{id}.json\"");
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::try_from(disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        res
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}
