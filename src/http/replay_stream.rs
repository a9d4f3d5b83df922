//! `GET /api/matches/{id}/stream?replay=SPEED`: a stored match watched again as an event
//! stream, SPEED times as fast as it was scored, in the live stream's own messages. It reads a
//! script built once per match and point of its history ([`crate::ingest::ReplayScript`]) and
//! writes nothing anywhere; it resumes from `Last-Event-ID`, and a client already at the end
//! is told `204`, which stops a browser's EventSource from reconnecting.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use tokio_util::sync::CancellationToken;

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::hub::frame::sse_event;
use crate::hub::{sse::RETRY_MS, Resume};
use crate::ingest::{ReplayScript, StreamSlot};

/// The fastest replay: a T20 told at a nominal 30 seconds a ball takes under a second.
pub const MAX_SPEED: f64 = 10_000.0;
/// The slowest: ten times slower than it was scored.
pub const MIN_SPEED: f64 = 0.1;
/// A comment this often while a long gap passes, so that proxies keep the stream open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// The checked speed: from [`MIN_SPEED`] to [`MAX_SPEED`].
pub fn speed(replay: f64) -> Result<f64, ApiError> {
    if (MIN_SPEED..=MAX_SPEED).contains(&replay) {
        Ok(replay)
    } else {
        Err(ApiError::invalid_field(
            "replay",
            format!("replay is a speed from {MIN_SPEED} to {MAX_SPEED}"),
        ))
    }
}

pub async fn response(
    state: &AppState,
    id: i64,
    speed: f64,
    since: Option<Resume>,
    hold: impl Send + Sync + 'static,
) -> Result<Response, ApiError> {
    let slot = state.scoring.replay_stream_slot().ok_or_else(|| {
        ApiError::Unavailable("this node holds as many replay streams as it may".into())
    })?;
    let script = state.scoring.replay_script(id).await?;
    // Resuming in the same history: the client holds every message up to its seq.
    let from = since
        .filter(|r| r.epoch == Some(script.epoch))
        .map(|r| r.seq);
    if from.is_some_and(|seq| seq >= script.last_seq()) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let first = match from {
        Some(seq) => script.steps.partition_point(|s| s.seq <= seq),
        None => 0,
    };
    let told = Told {
        script,
        next: first,
        opened: false,
        resumed: from.is_some(),
        speed,
        waited: Duration::ZERO,
        shutdown: state.shutdown.token(),
        _slot: slot,
        _hold: Box::new(hold),
    };
    Ok(super::realtime::sse_response(
        Body::from_stream(stream(told)),
        false,
    ))
}

struct Told {
    script: Arc<ReplayScript>,
    next: usize,
    opened: bool,
    resumed: bool,
    speed: f64,
    /// How much of the next step's gap has passed already.
    waited: Duration,
    shutdown: CancellationToken,
    _slot: StreamSlot,
    _hold: Box<dyn Send + Sync>,
}

/// An event outside the match's history (`end`): no `id:`, so it leaves the resume token alone.
fn sse_without_id(json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 8);
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

fn stream(told: Told) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    futures::stream::unfold(Some(told), |told| async move {
        let mut t = told?;
        if !t.opened {
            t.opened = true;
            let mut first = format!("retry: {RETRY_MS}\n\n").into_bytes();
            if !t.resumed {
                first.extend_from_slice(&sse_event((t.script.epoch, 0), &t.script.opening));
            }
            return Some((Ok(Bytes::from(first)), Some(t)));
        }
        let Some(step) = t.script.steps.get(t.next) else {
            let end = serde_json::json!({
                "type": "end",
                "match_id": t.script.match_id,
                "seq": t.script.last_seq(),
                "epoch": t.script.epoch,
            });
            return Some((Ok(sse_without_id(end.to_string().as_bytes())), None));
        };
        let wait = step.gap.div_f64(t.speed).saturating_sub(t.waited);
        let chunk = wait.min(HEARTBEAT);
        tokio::select! {
            () = t.shutdown.cancelled() => {
                // The browser reconnects to another node and resumes from its last id.
                return Some((Ok(Bytes::from_static(b": node shutting down\n\n")), None));
            }
            () = tokio::time::sleep(chunk) => {}
        }
        if chunk < wait {
            // Part of a long gap has passed: say so, and wait out the rest next time.
            t.waited += chunk;
            return Some((Ok(Bytes::from_static(b": ping\n\n")), Some(t)));
        }
        t.waited = Duration::ZERO;
        let out = sse_event((t.script.epoch, step.seq), &step.message);
        t.next += 1;
        Some((Ok(out), Some(t)))
    })
}
