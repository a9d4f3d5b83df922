//! What past states are replayed from: per match and epoch, the log read so far (parsed once)
//! and a few engines part-way through it. A past state is the nearest engine at or before its
//! seq, copied and taken forward over the events between, so a reader dragging through a match
//! costs a few events per state rather than a replay of the log and a read of it from the
//! database. Within an epoch the log only grows, so what was read stays true; a new epoch is a
//! new key, and what was kept for the old one ages out.

use std::sync::{Arc, Mutex};

use crease_domain::{Match, MatchSetup, Recorded};

use super::past::Logged;
use super::IngestError;

/// Matches whose logs and engines are kept at once.
const MATCHES_KEPT: usize = 4;
/// Engines kept per match: each holds every event in force and the whole state, which for a
/// Test is thousands of events.
const ENGINES_KEPT: usize = 4;

/// A match's log and engines, for one epoch.
pub(super) struct Replayable {
    setup: MatchSetup,
    /// Every event read so far, with its seq: 1, 2, 3… with no gap.
    log: Vec<(i64, Recorded)>,
    /// Engines after the event of that seq, in the order they were made.
    engines: Vec<(i64, Match)>,
}

impl Replayable {
    /// The last seq read.
    pub fn read_to(&self) -> i64 {
        self.log.last().map_or(0, |(s, _)| *s)
    }

    /// Parses and keeps events read after [`Replayable::read_to`].
    pub fn extend(&mut self, match_id: i64, more: Vec<Logged>) -> Result<(), IngestError> {
        for e in more {
            if e.seq != self.read_to() + 1 {
                return Err(IngestError::Internal(format!(
                    "match {match_id}: event {} read after {}",
                    e.seq,
                    self.read_to()
                )));
            }
            let rec: Recorded = serde_json::from_str(&e.payload).map_err(|err| {
                IngestError::Internal(format!("match {match_id} event {}: {err}", e.seq))
            })?;
            self.log.push((e.seq, rec));
        }
        Ok(())
    }

    /// The engine after event `seq`, from the nearest kept engine at or before it; kept in
    /// turn for the next reader.
    pub fn engine_at(&mut self, match_id: i64, seq: i64) -> Result<&Match, IngestError> {
        let nearest = self
            .engines
            .iter()
            .enumerate()
            .filter(|(_, (s, _))| *s <= seq)
            .max_by_key(|(_, (s, _))| *s)
            .map(|(i, (s, _))| (i, *s));
        let (at, mut game) = match nearest {
            Some((i, s)) if s == seq => return Ok(&self.engines[i].1),
            Some((i, s)) => (s, self.engines[i].1.clone()),
            None => (0, Match::new(self.setup.clone())),
        };
        let start = usize::try_from(at).unwrap_or(usize::MAX);
        let end = usize::try_from(seq)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        for (s, rec) in self.log.get(start..end).unwrap_or_default() {
            game.record(rec.clone()).map_err(|err| {
                IngestError::Internal(format!("match {match_id} event {s} replays: {err}"))
            })?;
        }
        if self.engines.len() >= ENGINES_KEPT {
            self.engines.remove(0);
        }
        self.engines.push((seq, game));
        Ok(&self.engines[self.engines.len() - 1].1)
    }
}

type Key = (i64, i64);

/// The kept matches, the least recently used first out.
#[derive(Default)]
pub(super) struct Checkpoints {
    kept: Mutex<Vec<(Key, Arc<Mutex<Replayable>>)>>,
}

impl Checkpoints {
    /// The match's log and engines in `epoch`, made empty when not kept.
    pub fn of(&self, match_id: i64, epoch: i64, setup: MatchSetup) -> Arc<Mutex<Replayable>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let key = (match_id, epoch);
        let found = kept.iter().position(|(k, _)| *k == key);
        let entry = match found {
            Some(i) => kept.remove(i),
            None => (
                key,
                Arc::new(Mutex::new(Replayable {
                    setup,
                    log: vec![],
                    engines: vec![],
                })),
            ),
        };
        let r = entry.1.clone();
        kept.push(entry);
        while kept.len() > MATCHES_KEPT {
            kept.remove(0);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From any kept engine, in any order, a past state is the one a replay from the start
    /// gives.
    #[test]
    fn a_state_from_a_kept_engine_is_the_state_from_the_start() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/cricsheet/odi_2023-09-02_india_v_pakistan.json"
        );
        let text = std::fs::read_to_string(path).expect("the match file");
        let parsed = crease_domain::cricsheet::parse(&text).expect("parses");
        let n = parsed.events.len() as i64;
        let cp = Checkpoints::default();
        let r = cp.of(1, 7, parsed.setup.clone());
        let mut r = r.lock().unwrap();
        let logged = |from: i64, to: i64| -> Vec<Logged> {
            (from..=to)
                .map(|seq| Logged {
                    seq,
                    payload: serde_json::to_string(&parsed.events[seq as usize - 1]).unwrap(),
                    at: chrono::Utc::now(),
                })
                .collect()
        };
        r.extend(1, logged(1, n / 2)).unwrap();
        let mut asked = vec![n / 2, 10, 11, n / 4, 3, n / 2 - 1];
        for seq in asked.drain(..) {
            check(&mut r, &parsed, seq);
        }
        r.extend(1, logged(n / 2 + 1, n)).unwrap();
        for seq in [n, n - 1, 1, n / 2 + 5, n / 2 + 4] {
            check(&mut r, &parsed, seq);
        }
        assert!(r.engines.len() <= ENGINES_KEPT);
        // Events must follow on from what was read.
        assert!(r.extend(1, logged(3, 3)).is_err());
    }

    fn check(r: &mut Replayable, parsed: &crease_domain::cricsheet::CricsheetMatch, seq: i64) {
        let want = Match::replay(
            parsed.setup.clone(),
            parsed.events[..seq as usize].iter().cloned(),
        )
        .expect("replays");
        let got = r.engine_at(1, seq).expect("replays");
        assert_eq!(
            serde_json::to_value(got.live()).unwrap(),
            serde_json::to_value(want.live()).unwrap(),
            "at seq {seq}"
        );
    }
}
