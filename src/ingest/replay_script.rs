//! A stored match told again: every message its live stream carried, in order, each with the
//! time that passed before it when it was scored. Built once per match and point of its
//! history, on the replay thread in turn with past states, and shared by every stream that
//! watches it; nothing is written anywhere.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use crease_domain::{Match, Recorded};

use super::past::Logged;
use super::{IngestError, PastError, Scoring};

/// Scripts kept at once, over all matches: a Test's holds a message for each of its thousands
/// of events, a full state for each that is not a ball.
const SCRIPTS_KEPT: usize = 4;
/// Replay streams one node holds open at once; past that, 503.
pub const REPLAY_STREAMS: usize = 1_000;
/// The longest wait between two events, however long play stopped: a replay skips rain.
const LONGEST_GAP: Duration = Duration::from_secs(120);
/// Between deliveries, when the log was written all at once (an import) and its own times
/// say nothing of the pace of play: about a T20's rate.
const NOMINAL_BALL: Duration = Duration::from_secs(30);

pub struct ReplayScript {
    pub match_id: i64,
    pub epoch: i64,
    /// The match as set up, before any event: the stream's first message.
    pub opening: Bytes,
    pub steps: Vec<Step>,
}

/// One event's message, as the live stream sent it.
pub struct Step {
    pub seq: i64,
    /// How long after the previous event it came, at speed 1.
    pub gap: Duration,
    pub message: Bytes,
}

impl ReplayScript {
    /// The seq of the last event told.
    pub fn last_seq(&self) -> i64 {
        self.steps.last().map_or(0, |s| s.seq)
    }
}

/// A match, the epoch of its history and the seq its log stood at.
type ScriptKey = (i64, i64, i64);

#[derive(Default)]
pub(super) struct ReplayScripts {
    kept: Mutex<VecDeque<(ScriptKey, Arc<ReplayScript>)>>,
    streams: AtomicUsize,
}

/// A replay stream's place among the node's open ones, given back when it drops.
pub struct StreamSlot(Arc<Scoring>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.replays.streams.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Scoring {
    /// A place for one more replay stream, or `None` when the node holds as many as it may.
    pub fn replay_stream_slot(self: &Arc<Self>) -> Option<StreamSlot> {
        let streams = &self.replays.streams;
        if streams.fetch_add(1, Ordering::AcqRel) >= REPLAY_STREAMS {
            streams.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(StreamSlot(self.clone()))
    }

    /// The match's script as its log stands now.
    pub async fn replay_script(&self, match_id: i64) -> Result<Arc<ReplayScript>, PastError> {
        let row = self.match_row(match_id).await?;
        let key = (match_id, row.epoch, row.seq);
        if let Some(s) = self.replays.kept(key) {
            return Ok(s);
        }
        let _turn = self.past.wait_turn().await?;
        // A stream ahead in the queue may have built this very script.
        if let Some(s) = self.replays.kept(key) {
            return Ok(s);
        }
        let log = self.log_upto(match_id, row.seq).await?;
        let (epoch, setup) = (row.epoch, row.setup);
        let script = self
            .past
            .run(move || script(match_id, epoch, setup, log))
            .await??;
        let script = Arc::new(script);
        self.replays.keep(key, script.clone());
        Ok(script)
    }
}

impl ReplayScripts {
    fn kept(&self, key: ScriptKey) -> Option<Arc<ReplayScript>> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone())
    }

    fn keep(&self, key: ScriptKey, script: Arc<ReplayScript>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _)| *k != key);
        kept.push_back((key, script));
        while kept.len() > SCRIPTS_KEPT {
            kept.pop_front();
        }
    }
}

fn script(
    match_id: i64,
    epoch: i64,
    setup: crease_domain::MatchSetup,
    log: Vec<Logged>,
) -> Result<ReplayScript, IngestError> {
    let mut game = Match::new(setup);
    let opening = crate::message::state_message("snapshot", match_id, 0, epoch, None, game.live());
    let nominal = written_at_once(&log);
    let mut steps = Vec::with_capacity(log.len());
    let mut previous = log.first().map(|e| e.at);
    for e in log {
        let rec: Recorded = serde_json::from_str(&e.payload).map_err(|err| {
            IngestError::Internal(format!("match {match_id} event {}: {err}", e.seq))
        })?;
        game.record(rec.clone()).map_err(|err| {
            IngestError::Internal(format!("match {match_id} event {} replays: {err}", e.seq))
        })?;
        let gap = if nominal {
            match rec.event {
                crease_domain::MatchEvent::Ball(_) => NOMINAL_BALL,
                _ => Duration::ZERO,
            }
        } else {
            previous
                .and_then(|p| (e.at - p).to_std().ok())
                .unwrap_or_default()
                .min(LONGEST_GAP)
        };
        previous = Some(e.at);
        steps.push(Step {
            seq: e.seq,
            gap,
            message: crate::message::event_message(match_id, e.seq, epoch, &rec.event, &game),
        });
    }
    Ok(ReplayScript {
        match_id,
        epoch,
        opening,
        steps,
    })
}

/// Whether the log's own times are no guide to the pace of play: the whole log was written
/// in less than a second per hundred events, as an import writes it.
fn written_at_once(log: &[Logged]) -> bool {
    match (log.first(), log.last()) {
        (Some(a), Some(b)) => {
            let span = (b.at - a.at).num_milliseconds();
            span < i64::try_from(log.len())
                .unwrap_or(i64::MAX)
                .saturating_mul(10)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    /// A toss, an innings start and three balls, stored at these seconds.
    fn log(at_secs: [i64; 5]) -> (crease_domain::MatchSetup, Vec<Logged>) {
        let xi = |p: &str| (1..=11).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
        let setup = serde_json::from_value(json!({
            "format": "t20", "balls_per_over": 6, "overs_per_innings": 20, "innings_per_side": 1,
            "bowler_quota_overs": 4, "free_hit": "all",
            "teams": [{"name": "A", "players": xi("A")}, {"name": "B", "players": xi("B")}],
        }))
        .unwrap();
        let ball = json!({"kind": "ball", "data": {"batter": "A1", "non_striker": "A2",
            "bowler": "B11", "runs": {"batter": 0, "extras": 0, "total": 0}}});
        let events = [
            json!({"kind": "toss", "data": {"winner": "A", "decision": "bat"}}),
            json!({"kind": "innings_start", "data": {"batting_team": "A", "striker": "A1",
                "non_striker": "A2", "bowler": "B11"}}),
            ball.clone(),
            ball.clone(),
            ball,
        ];
        let logged = events
            .iter()
            .zip(at_secs)
            .enumerate()
            .map(|(i, (e, at))| Logged {
                seq: i as i64 + 1,
                payload: e.to_string(),
                at: Utc.timestamp_opt(1_700_000_000 + at, 0).unwrap(),
            })
            .collect();
        (setup, logged)
    }

    fn gaps(s: &ReplayScript) -> Vec<u64> {
        s.steps.iter().map(|s| s.gap.as_secs()).collect()
    }

    #[test]
    fn a_log_scored_live_keeps_its_pace_but_skips_long_stoppages() {
        let (setup, log) = log([0, 60, 100, 140, 140 + 3_600]);
        let s = script(1, 9, setup, log).unwrap();
        assert_eq!(gaps(&s), [0, 60, 40, 40, 120]);
        assert_eq!(s.last_seq(), 5);
    }

    #[test]
    fn a_log_written_at_once_is_told_at_a_nominal_pace() {
        let (setup, log) = log([0, 0, 0, 0, 0]);
        let s = script(1, 9, setup, log).unwrap();
        assert_eq!(gaps(&s), [0, 0, 30, 30, 30]);
    }
}
