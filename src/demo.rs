//! The demo: seeds an empty database and keeps a real match going live, ball by ball.
//!
//! One driver task posts the bundled live match's remaining events through the same ingest as
//! a scorer, one delivery every `demo_interval_ms`. When the match ends it imports a fresh live
//! copy and goes again, so whoever opens the server first always finds a match moving.

use std::time::Duration;

use crease_domain::cricsheet::CricsheetMatch;
use crease_domain::{MatchEvent, Recorded};

use crate::fixtures::{self, bundled, ImportError, Seeded};
use crate::http::state::AppState;
use crate::ingest::IngestError;
use crate::store::LIVE_STATUSES;

/// Pause, in balls, between a finished demo match and its fresh copy: long enough to read the
/// result.
const BREAK_BALLS: u32 = 10;

/// After a failure the driver waits this long before trying again, at most.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

pub async fn start(state: &AppState) -> anyhow::Result<()> {
    let mut live = None;
    // Seeding inline means the first request after "serving" already finds matches; a failure
    // is logged and the server still comes up, with the driver retrying its own import.
    match fixtures::seed(&state.store, &state.scoring).await {
        Ok(Seeded::NotEmpty(n)) => {
            tracing::info!(matches = n, "demo: the database is not empty; not seeding")
        }
        Ok(Seeded::Created {
            matches,
            live: seeded_live,
            failed,
        }) => {
            for m in &matches {
                tracing::info!(match_id = m.match_id, title = %m.title, status = %m.status, "demo: seeded");
            }
            for (file, e) in &failed {
                tracing::error!(file, error = %e, "demo: a bundled match could not be seeded");
            }
            live = seeded_live;
        }
        Err(e) => tracing::error!(error = %e, "demo: could not check the database for matches"),
    }
    if state
        .config
        .admin_token
        .as_deref()
        .is_some_and(|t| !t.is_empty())
    {
        tracing::info!("demo: score or post fixtures with the admin token from CREASE_ADMIN_TOKEN");
    } else {
        tracing::info!("demo: score or post fixtures with the admin token in the file crease-admin-token (set CREASE_ADMIN_TOKEN to choose one)");
    }
    let driver = state.clone();
    state
        .shutdown
        .spawn(async move { drive(driver, live).await });
    Ok(())
}

/// How a run of the live match ended.
enum Run {
    Finished,
    Stopped,
    Failed(String),
}

async fn drive(state: AppState, mut live: Option<i64>) {
    let interval = Duration::from_millis(state.config.demo_interval_ms.max(10));
    // Checked whole once, so that a refusal late in the match cannot make the driver import
    // (and abandon) a fresh copy every time round.
    let checked = tokio::task::spawn_blocking(|| fixtures::check(bundled::LIVE.json, None)).await;
    let parsed = match checked {
        Ok(Ok(checked)) => checked.parsed,
        Ok(Err(e)) => {
            tracing::error!(file = bundled::LIVE.file, error = %e, "demo: the engine refuses the bundled live match; no match will be driven");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "demo: parsing the bundled live match was interrupted");
            return;
        }
    };
    if live.is_none() {
        live = resume(&state, &parsed).await;
    }
    let mut backoff = interval;
    loop {
        let id = match live {
            Some(id) => id,
            None => match fresh_copy(&state).await {
                Ok(id) => id,
                Err(e) => {
                    tracing::error!(error = %e, "demo: could not import a live match");
                    if !pause(&state, backoff).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        announce(&state, id);
        match play(&state, id, &parsed.events, interval).await {
            Run::Stopped => return,
            Run::Finished => {
                tracing::info!(
                    match_id = id,
                    "demo: the match is over; a fresh copy follows"
                );
                backoff = interval;
                live = None;
                if !pause(&state, interval * BREAK_BALLS).await {
                    return;
                }
            }
            Run::Failed(why) => {
                tracing::warn!(
                    match_id = id,
                    why,
                    "demo: the live match went astray; starting a fresh copy"
                );
                live = None;
                if !pause(&state, backoff).await {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// A demo match left live by an earlier run: the newest live match with the bundled teams.
async fn resume(state: &AppState, parsed: &CricsheetMatch) -> Option<i64> {
    let title = fixtures::title_of(&parsed.setup);
    let matches = state.store.list_matches().await.ok()?;
    matches
        .into_iter()
        .filter(|m| {
            m.title == title
                && m.setup == parsed.setup
                && LIVE_STATUSES.contains(&m.status.as_str())
                && usize::try_from(m.seq).is_ok_and(|s| s <= parsed.events.len())
        })
        .map(|m| m.id)
        .max()
}

async fn fresh_copy(state: &AppState) -> Result<i64, ImportError> {
    let done = fixtures::import_bundled(
        &state.store,
        &state.scoring,
        &bundled::LIVE,
        Some(bundled::LIVE_AT),
    )
    .await?;
    Ok(done.match_id)
}

fn announce(state: &AppState, id: i64) {
    let addr = state.config.addr;
    if addr.port() == 0 {
        tracing::info!(match_id = id, "demo: live match at /api/matches/{id}/live (WebSocket /api/matches/{id}/ws, SSE /api/matches/{id}/stream)");
    } else {
        tracing::info!(match_id = id, "demo: live match at http://{addr}/api/matches/{id}/live (WebSocket /api/matches/{id}/ws, SSE /api/matches/{id}/stream)");
    }
}

/// Posts the events after the match's stored ones (they are a prefix of the same match), a
/// delivery per `interval`; other events follow their delivery at once.
async fn play(state: &AppState, id: i64, events: &[Recorded], interval: Duration) -> Run {
    let mut seq = match state.store.current_seq(id).await {
        Ok(Some(seq)) => seq,
        Ok(None) => return Run::Failed("the match is gone".into()),
        Err(e) => return Run::Failed(e.to_string()),
    };
    let Ok(start) = usize::try_from(seq) else {
        return Run::Failed(format!("seq {seq} is not an event count"));
    };
    for event in events.iter().skip(start) {
        if matches!(event.event, MatchEvent::Ball(_)) && !pause(state, interval).await {
            return Run::Stopped;
        }
        // `expected_seq`: if someone else scores the demo match, stop rather than interleave.
        match state
            .scoring
            .submit(id, event.clone(), Some(seq), None)
            .await
        {
            Ok(scored) => seq = scored.seq,
            Err(IngestError::Internal(detail)) => return Run::Failed(detail),
            Err(e) => return Run::Failed(e.to_string()),
        }
    }
    Run::Finished
}

/// Sleeps for `d` unless shutdown comes first; false when it did.
async fn pause(state: &AppState, d: Duration) -> bool {
    tokio::select! {
        _ = state.shutdown.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}
