//! Each match's ball-by-ball history (every delivery, with its commentary and what became of it)
//! as the engine derives it from the event log: computed once per stored seq and kept for the
//! next reader, so a crowd paging through commentary costs one replay per ball, not one each.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crease_domain::engine::{ball_history, HistoryEntry};
use tokio::sync::Mutex;

use super::{IngestError, Scoring};

/// Histories kept at once, for the matches being read now: each is a replay's worth of work to
/// rebuild, and every delivery of its match with its commentary line to keep.
const HISTORIES_KEPT: usize = 8;

/// A match's history as of `(epoch, seq)`, each entry with when its seq was stored.
pub struct History {
    pub epoch: i64,
    pub seq: i64,
    pub entries: Vec<(HistoryEntry, Option<DateTime<Utc>>)>,
}

pub(super) type HistorySlot = Arc<Mutex<Option<Arc<History>>>>;

impl Scoring {
    /// The history of `match_id` as the store holds it now; `None` for no such match.
    pub async fn history(&self, match_id: i64) -> Result<Option<Arc<History>>, IngestError> {
        let Some(row) = self.store.get_match(match_id).await? else {
            return Ok(None);
        };
        let seq = self.current_seq(match_id).await?;
        let slot = self.histories.entry(match_id).or_default().clone();
        // One replay per match at a time: the readers that arrive meanwhile wait for it.
        let mut slot = slot.lock().await;
        if let Some(h) = slot
            .as_ref()
            .filter(|h| (h.epoch, h.seq) == (row.epoch, seq))
        {
            return Ok(Some(h.clone()));
        }
        let mut log = Vec::new();
        self.read_log(match_id, Some(seq), |_, event, at| {
            log.push((event, at));
            Ok(())
        })
        .await?;
        let setup = row.setup;
        let built = tokio::task::spawn_blocking(move || {
            let times: Vec<_> = log.iter().map(|(_, at)| *at).collect();
            let entries = ball_history(setup, log.into_iter().map(|(rec, _)| rec))?;
            Ok::<_, (usize, crease_domain::LawViolation)>(
                entries
                    .into_iter()
                    .map(|e| {
                        let at = usize::try_from(e.seq)
                            .ok()
                            .and_then(|s| times.get(s.checked_sub(1)?));
                        (e, at.copied())
                    })
                    .collect(),
            )
        })
        .await
        .map_err(|e| IngestError::Internal(format!("history of match {match_id}: {e}")))?
        .map_err(|(i, e)| {
            IngestError::Internal(format!("match {match_id} event {} replays: {e}", i + 1))
        })?;
        let history = Arc::new(History {
            epoch: row.epoch,
            seq,
            entries: built,
        });
        *slot = Some(history.clone());
        drop(slot);
        self.forget_old_histories(match_id);
        Ok(Some(history))
    }

    /// Keeps at most [`HISTORIES_KEPT`] histories: beyond it, others than `keep` are dropped
    /// (their slots stay, a few bytes each, like the engines' locks).
    fn forget_old_histories(&self, keep: i64) {
        let slots: Vec<(i64, HistorySlot)> = self
            .histories
            .iter()
            .map(|e| (*e.key(), e.value().clone()))
            .collect();
        let mut held = 0;
        for (id, slot) in slots {
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            if slot.is_some() {
                held += 1;
                if held > HISTORIES_KEPT && id != keep {
                    *slot = None;
                }
            }
        }
    }
}
