//! Read routes for anyone: the match list, one match, its live snapshot and its ball history.
//!
//! `/live` is the hot path: a warm read is an L1 lookup and a refcount bump, answered with
//! the snapshot's prebuilt bytes, ETag and (when asked) gzip body.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::extract::{ApiQuery, MatchId};
use crate::cache::{Snapshot, Tier};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::MatchRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/matches/{id}", get(get_match))
        .route("/api/matches/{id}/live", get(get_live))
        .route("/api/matches/{id}/balls", get(get_balls))
}

/// Long enough for a CDN to absorb a crowd, short enough that a ball shows within a second.
const LIVE_CACHE_CONTROL: HeaderValue =
    HeaderValue::from_static("public, max-age=1, stale-while-revalidate=2");

/// The current snapshot, from the cache tiers (a match with no events gets its opening state).
pub async fn current_snapshot(
    state: &AppState,
    match_id: i64,
) -> Result<(Arc<Snapshot>, Tier), ApiError> {
    state
        .cache
        .current(match_id)
        .await?
        .ok_or(ApiError::NotFound("match"))
}

/// `/live`'s query: other parameters (a cache buster) are ignored, as they always were.
#[derive(Deserialize)]
struct LiveQuery {
    #[serde(default)]
    at: Option<i64>,
}

async fn get_live(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    ApiQuery(q): ApiQuery<LiveQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(at) = q.at {
        return past_response(&state, id, at, &headers).await;
    }
    let (snap, tier) = current_snapshot(&state, id).await?;
    Ok(live_response(&snap, tier, &headers))
}

/// A past state never changes within its epoch: cacheable for a day, and revalidated by tag.
const PAST_CACHE_CONTROL: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// The match as it stood after event `at`: computed from the log (or kept from an earlier
/// reader), never from the live caches.
async fn past_response(
    state: &AppState,
    id: i64,
    at: i64,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    if at < 0 {
        return Err(ApiError::invalid_field("at", "at must be a seq, 0 or more"));
    }
    let past = state.scoring.past_state(id, at).await?;
    let etag = HeaderValue::try_from(format!("\"{}-at-{}\"", past.epoch, past.seq))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let x_cache = HeaderValue::from_static(if past.kept { "past" } else { "replay" });
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| etag_matches(v.as_bytes(), etag.as_bytes()))
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        let h = res.headers_mut();
        h.insert(header::ETAG, etag);
        h.insert(header::CACHE_CONTROL, PAST_CACHE_CONTROL);
        h.insert("x-cache", x_cache);
        return Ok(res);
    }
    let mut res = past.body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, PAST_CACHE_CONTROL);
    h.insert("x-cache", x_cache);
    Ok(res)
}

/// The hot path, tried before routing: a GET of `/api/matches/{id}/live` whose snapshot is in
/// L1 is answered here, without the router, its layers or an allocation beyond the response.
/// Anything else (a miss, another route) returns `None` and goes through the router as usual.
pub fn fast_live<B>(state: &AppState, req: &axum::http::Request<B>) -> Option<Response> {
    // A page from another origin goes through the router, where CORS answers it.
    if req.method() != axum::http::Method::GET || req.headers().contains_key(header::ORIGIN) {
        return None;
    }
    // `?at=SEQ` asks for a past state, which the router's handler computes.
    if req.uri().query().is_some_and(|q| !q.is_empty()) {
        return None;
    }
    let id: i64 = req
        .uri()
        .path()
        .strip_prefix("/api/matches/")?
        .strip_suffix("/live")?
        .parse()
        .ok()?;
    let snap = state.cache.read_l1(id)?;
    let res = live_response(&snap, Tier::L1, req.headers());
    let status = if res.status() == StatusCode::OK {
        "200"
    } else {
        "304"
    };
    metrics::counter!(
        "crease_http_requests_total",
        "route" => "/api/matches/{id}/live",
        "status" => status
    )
    .increment(1);
    Some(res)
}

fn live_response(snap: &Snapshot, tier: Tier, headers: &HeaderMap) -> Response {
    let x_cache = HeaderValue::from_static(tier.as_str());
    let gzip = accepts_gzip(headers);
    let etag = if gzip { &snap.etag_gzip } else { &snap.etag };
    // Either encoding's tag names the same seq: a client holding it has the current state.
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        etag_matches(v.as_bytes(), snap.etag.as_bytes())
            || etag_matches(v.as_bytes(), snap.etag_gzip.as_bytes())
    }) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        let h = res.headers_mut();
        h.insert(header::ETAG, etag.clone());
        h.insert(header::CACHE_CONTROL, LIVE_CACHE_CONTROL);
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        h.insert("x-cache", x_cache);
        return res;
    }
    let body = if gzip {
        snap.gzip().clone()
    } else {
        snap.body.clone()
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, LIVE_CACHE_CONTROL);
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert("x-cache", x_cache);
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}

/// `If-None-Match` may list several tags, or `*`; weak tags compare equal for GET.
pub(super) fn etag_matches(header: &[u8], etag: &[u8]) -> bool {
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    let etag = std::str::from_utf8(etag).unwrap_or_default();
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// Whether the client takes gzip (`Accept-Encoding`; a `q` of 0 refuses it). `/live` and the
/// event streams both ask.
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let named = parts.next().is_some_and(|c| c.eq_ignore_ascii_case("gzip"));
            let refused = parts.any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q")
                        && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            named && !refused
        })
}

#[derive(Serialize)]
pub struct MatchView {
    pub id: i64,
    pub tournament_id: Option<i64>,
    pub title: String,
    pub venue: Option<String>,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub teams: [String; 2],
    pub format: crease_domain::MatchFormat,
    pub seq: i64,
    pub status: String,
    pub summary: String,
    pub live: bool,
    /// Live viewers on every node, as last counted (see `hub::viewers`).
    pub viewers: u64,
}

impl From<MatchRow> for MatchView {
    fn from(m: MatchRow) -> Self {
        let live = crate::store::LIVE_STATUSES.contains(&m.status.as_str());
        Self {
            id: m.id,
            tournament_id: m.tournament_id,
            title: m.title,
            venue: m.venue,
            starts_at: m.starts_at,
            teams: [m.setup.teams[0].name.clone(), m.setup.teams[1].name.clone()],
            format: m.setup.format,
            seq: m.seq,
            status: m.status,
            summary: m.summary,
            live,
            viewers: 0,
        }
    }
}

async fn get_match(
    State(state): State<AppState>,
    MatchId(id): MatchId,
) -> Result<Response, ApiError> {
    let row = state
        .store
        .get_match(id)
        .await?
        .ok_or(ApiError::NotFound("match"))?;
    let setup = row.setup.clone();
    #[derive(Serialize)]
    struct Full {
        #[serde(flatten)]
        view: MatchView,
        setup: crease_domain::MatchSetup,
    }
    let mut view = MatchView::from(row);
    view.viewers = state.hubs.viewers.total(id).unwrap_or(0);
    Ok(axum::Json(Full { view, setup }).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BallsQuery {
    #[serde(default)]
    since: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// The most history one page carries.
const MAX_BALLS_PAGE: i64 = 500;

#[derive(Serialize)]
struct BallItem<'a> {
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(flatten)]
    entry: &'a crease_domain::engine::HistoryEntry,
}

/// Every delivery with a seq above `since`, in the order of play, each with its commentary and
/// whether it stands or was undone, amended or deleted (and by which seq).
async fn get_balls(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    ApiQuery(q): ApiQuery<BallsQuery>,
) -> Result<Response, ApiError> {
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::invalid_field("since", "since must be 0 or more"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_BALLS_PAGE).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("limit must be 1 to {MAX_BALLS_PAGE}"),
        ));
    }
    let Some(history) = state.scoring.history(id).await? else {
        return Err(ApiError::NotFound("match"));
    };
    let since = u64::try_from(since).unwrap_or(0);
    let items: Vec<BallItem> = history
        .entries
        .iter()
        .filter(|(e, _)| e.seq > since)
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|(entry, at)| BallItem {
            created_at: *at,
            entry,
        })
        .collect();
    Ok(axum::Json(items).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_like_http() {
        assert!(etag_matches(b"\"5\"", b"\"5\""));
        assert!(etag_matches(b"W/\"5\", \"6\"", b"\"5\""));
        assert!(etag_matches(b"*", b"\"5\""));
        assert!(!etag_matches(b"\"4\"", b"\"5\""));
    }

    #[test]
    fn gzip_only_when_accepted() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }
}
