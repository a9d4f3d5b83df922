//! Realtime routes: a match over WebSocket or SSE, resumable from a seq, and the ticker.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use super::extract::{ApiQuery, MatchId};
use crate::http::edge::EdgeIo;
use crate::http::error::ApiError;
use crate::http::peer::Peer;
use crate::http::state::AppState;
use crate::hub::{sse, ws, ws_proto, Resume};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/matches/{id}/ws", get(websocket))
        .route("/api/matches/{id}/stream", get(event_stream))
        .route("/api/ticker", get(ticker))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Since {
    #[serde(default)]
    since: Option<String>,
    /// `/stream` only: watch the stored match again at this speed.
    #[serde(default)]
    replay: Option<f64>,
}

/// The resume token from `?since=` or, failing that, `Last-Event-ID`: `EPOCH:SEQ`, or a bare
/// `SEQ` from a client that predates epochs. A malformed header is refused even beside a
/// `since`: bad input is never silently passed over.
fn since_of(q: &Since, headers: &HeaderMap) -> Result<Option<Resume>, ApiError> {
    let last_event_id = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str().ok().and_then(Resume::parse).ok_or_else(|| {
                ApiError::invalid_field("Last-Event-ID", "Last-Event-ID must be EPOCH:SEQ or SEQ")
            })
        })
        .transpose()?;
    match &q.since {
        Some(since) => Resume::parse(since).map(Some).ok_or_else(|| {
            ApiError::invalid_field("since", "since must be EPOCH:SEQ or SEQ, each 0 or more")
        }),
        None => Ok(last_event_id),
    }
}

/// 404 before upgrading or streaming: a client must not hold a connection to nothing.
async fn require_match(state: &AppState, id: i64) -> Result<(), ApiError> {
    state
        .cache
        .current(id)
        .await?
        .map(|_| ())
        .ok_or(ApiError::NotFound("match"))
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

async fn websocket(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    ApiQuery(q): ApiQuery<Since>,
    peer: Option<Extension<Peer>>,
    mut req: Request,
) -> Result<Response, ApiError> {
    let headers = req.headers();
    state.origins.check(headers)?;
    if q.replay.is_some() {
        return Err(ApiError::invalid_field(
            "replay",
            "a replay is an event stream: /api/matches/{id}/stream?replay=SPEED",
        ));
    }
    if req.method() != Method::GET
        || !header_has(headers, header::UPGRADE, "websocket")
        || !header_has(headers, header::CONNECTION, "upgrade")
    {
        return Err(ApiError::bad_request(
            "websocket-required",
            "this route speaks WebSocket: send Upgrade: websocket",
        ));
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        let mut res =
            ApiError::bad_request("websocket-version", "Sec-WebSocket-Version must be 13")
                .into_response();
        *res.status_mut() = StatusCode::UPGRADE_REQUIRED;
        res.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return Ok(res);
    }
    let Some(key) = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec())
    else {
        return Err(ApiError::invalid_field(
            "Sec-WebSocket-Key",
            "Sec-WebSocket-Key is missing",
        ));
    };
    let since = since_of(&q, headers)?;
    let deflate = state
        .config
        .ws_deflate
        .on()
        .then(|| {
            ws_proto::negotiate_deflate(
                headers
                    .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            )
        })
        .flatten();
    require_match(&state, id).await?;
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return Err(ApiError::Internal("connection cannot be upgraded".into()));
    };
    let hubs = state.hubs.clone();
    let slot = peer.map(|Extension(p)| p.hold());
    let compress = deflate.is_some();
    state.shutdown.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "upgrade failed");
                return;
            }
        };
        match upgraded.downcast::<TokioIo<EdgeIo>>() {
            Ok(parts) => {
                let stream = parts.io.into_inner().into_inner();
                ws::run(hubs, id, since, stream, parts.read_buf, compress, slot).await
            }
            Err(_) => tracing::error!("upgraded connection is not a TCP stream"),
        }
    });
    let mut res = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = res.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&ws_proto::accept_key(&key))
            .map_err(|_| ApiError::Internal("accept key".into()))?,
    );
    if let Some(answer) = deflate.and_then(|a| HeaderValue::from_str(&a).ok()) {
        h.insert(header::SEC_WEBSOCKET_EXTENSIONS, answer);
    }
    Ok(res)
}

/// Whether this stream is gzip: the node offers it and the client takes it.
fn sse_gzip(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.sse_gzip.on() && super::read::accepts_gzip(headers)
}

pub(super) fn sse_response(body: Body, gzip: bool) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    // A cache or proxy must not hand one client's encoding to another.
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-transform"),
    );
    // nginx and similar proxies must pass events through as they come.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

async fn event_stream(
    State(state): State<AppState>,
    MatchId(id): MatchId,
    ApiQuery(q): ApiQuery<Since>,
    headers: HeaderMap,
    peer: Option<Extension<Peer>>,
) -> Result<Response, ApiError> {
    state.origins.check(&headers)?;
    let since = since_of(&q, &headers)?;
    if let Some(replay) = q.replay {
        let speed = super::replay_stream::speed(replay)?;
        let hold = peer.map(|Extension(p)| p.hold());
        return super::replay_stream::response(&state, id, speed, since, hold).await;
    }
    require_match(&state, id).await?;
    let gzip = sse_gzip(&state, &headers);
    let stream = sse::match_stream(
        state.hubs.clone(),
        id,
        since,
        gzip,
        peer.map(|Extension(p)| p.hold()),
    )
    .await;
    Ok(sse_response(Body::from_stream(stream), gzip))
}

async fn ticker(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<Extension<Peer>>,
) -> Result<Response, ApiError> {
    state.origins.check(&headers)?;
    let gzip = sse_gzip(&state, &headers);
    Ok(sse_response(
        Body::from_stream(sse::ticker_stream(
            state.hubs.clone(),
            gzip,
            peer.map(|Extension(p)| p.hold()),
        )),
        gzip,
    ))
}
