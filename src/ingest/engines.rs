//! Each match's engine in memory: loaded (rebuilt from the event log) when an ingest needs it,
//! dropped when no ingest has used it for a while. The first step of ingest.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crease_domain::{Match, Recorded};

use super::{IngestError, Scoring};

/// A match's engine as of `seq`, the last stored event this node has applied, in the history
/// of `epoch`.
pub(super) struct Loaded {
    pub seq: i64,
    pub epoch: i64,
    pub game: Match,
    /// When an ingest last used it: an engine keeps every event of its match, so one left
    /// idle is dropped (see [`Scoring::evict_idle`]) and rebuilt from the log when needed.
    pub touched: Instant,
}

/// How often idle engines are looked for, at most: a shorter idle time sweeps as often.
const ENGINE_SWEEP: Duration = Duration::from_secs(60);

/// Events are read back in pages of this many when an engine is rebuilt.
const REPLAY_PAGE: i64 = 5_000;

impl Scoring {
    /// Drops the engine of every match no ingest has used for `idle`, so a node's memory
    /// follows the matches being scored, not every match it ever scored. The match's lock
    /// stays (a few bytes), so ingest for it is still serialized on this node; an engine in
    /// use is skipped. Returns how many were dropped.
    pub fn evict_idle(&self, idle: Duration) -> usize {
        // Collected first: no match lock is taken while a map guard is alive.
        let slots: Vec<_> = self.engines.iter().map(|e| e.value().clone()).collect();
        let mut evicted = 0;
        for slot in slots {
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            if slot.as_ref().is_some_and(|l| l.touched.elapsed() >= idle) {
                *slot = None;
                evicted += 1;
            }
        }
        evicted
    }

    /// Engines held in memory now.
    pub fn engines_loaded(&self) -> usize {
        let slots: Vec<_> = self.engines.iter().map(|e| e.value().clone()).collect();
        slots
            .iter()
            .filter(|s| s.try_lock().map_or(true, |l| l.is_some()))
            .count()
    }

    /// Every [`ENGINE_SWEEP`] (or `idle`, if shorter), drops engines idle for `idle`.
    pub async fn run_engine_eviction(
        self: std::sync::Arc<Self>,
        idle: Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        let mut tick = tokio::time::interval(ENGINE_SWEEP.min(idle));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let evicted = self.evict_idle(idle);
            metrics::counter!("crease_engines_evicted_total").increment(evicted as u64);
            metrics::gauge!("crease_engines_loaded").set(self.engines_loaded() as f64);
        }
    }

    /// Reads the match's stored events in order (up to `upto` when given), each parsed and
    /// handed to `each` with its seq and when it was stored; returns the last seq read.
    pub(super) async fn read_log(
        &self,
        match_id: i64,
        upto: Option<i64>,
        mut each: impl FnMut(i64, Recorded, DateTime<Utc>) -> Result<(), IngestError>,
    ) -> Result<i64, IngestError> {
        let mut seq = 0;
        loop {
            let page = self.store.events_after(match_id, seq, REPLAY_PAGE).await?;
            let done = (page.len() as i64) < REPLAY_PAGE;
            for stored in page {
                if upto.is_some_and(|u| stored.seq > u) {
                    return Ok(seq);
                }
                let event: Recorded = serde_json::from_str(&stored.payload).map_err(|e| {
                    IngestError::Internal(format!("match {match_id} event {}: {e}", stored.seq))
                })?;
                each(stored.seq, event, stored.created_at)?;
                seq = stored.seq;
            }
            if done || upto.is_some_and(|u| seq >= u) {
                return Ok(seq);
            }
        }
    }

    /// Rebuilds a match's engine from its stored events.
    pub(super) async fn load(&self, match_id: i64) -> Result<Loaded, IngestError> {
        let row = self
            .store
            .get_match(match_id)
            .await?
            .ok_or(IngestError::MatchNotFound)?;
        let epoch = row.epoch;
        let mut game = Match::new(row.setup);
        let seq = self
            .read_log(match_id, None, |seq, event, _| {
                game.record(event).map_err(|e| {
                    IngestError::Internal(format!("match {match_id} event {seq} replays: {e}"))
                })
            })
            .await?;
        Ok(Loaded {
            seq,
            epoch,
            game,
            touched: Instant::now(),
        })
    }
}
