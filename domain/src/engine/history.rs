//! A match's deliveries as its log tells them: each one scored, with the commentary a viewer
//! reads, and what became of it: standing, or undone, amended or deleted by a later event.

use serde::Serialize;

use super::commentary::generate;
use super::Match;
use crate::event::{CorrectionAction, Delivery, MatchEvent, Recorded};
use crate::law::LawViolation;
use crate::setup::MatchSetup;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// In force: part of the score.
    Stands,
    /// Taken back by an undo.
    Undone,
    /// Replaced by a correction; the delivery that stands instead has the same seq.
    Amended,
    /// Taken out by a correction.
    Deleted,
}

/// One delivery in the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The seq the delivery stands at: the ball's own, or the correction's that inserted it.
    pub seq: u64,
    pub status: Fate,
    /// The undo or correction that took it back or changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<u64>,
    /// Innings and "over.ball", as the commentary numbers it; only for a standing delivery,
    /// since one taken out has no place in the match as it stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub innings: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_ball: Option<String>,
    /// The commentary line: the scorer's, or one generated from the delivery.
    pub text: String,
    pub ball: Delivery,
}

/// The deliveries of the match whose log is `log` (seqs 1, 2, 3… in order), in the order of
/// play: those standing with their commentary, and each one no longer standing just before
/// the first standing one scored after it. On a log the engine refuses, the index refused.
pub fn ball_history(
    setup: MatchSetup,
    log: impl IntoIterator<Item = Recorded>,
) -> Result<Vec<HistoryEntry>, (usize, LawViolation)> {
    let mut m = Match::new(setup.clone());
    let mut gone: Vec<HistoryEntry> = vec![];
    for (i, rec) in log.into_iter().enumerate() {
        let taken = taken_out(&m, &rec.event);
        let old = taken.and_then(|(seq, _)| {
            let pos = m.seqs.iter().position(|&s| s == seq)?;
            match &m.events.get(pos)?.event {
                MatchEvent::Ball(d) => Some(d.clone()),
                _ => None,
            }
        });
        m.record(rec).map_err(|e| (i, e))?;
        if let (Some((seq, status)), Some(ball)) = (taken, old) {
            gone.push(HistoryEntry {
                seq,
                status,
                by: Some(m.logged),
                innings: None,
                over_ball: None,
                text: ball.commentary.clone().unwrap_or_else(|| generate(&ball)),
                ball,
            });
        }
    }
    let standing = standing_balls(&m).map_err(|(_, e)| (0, e))?;
    Ok(interleave(standing, gone))
}

/// The event in force `event` will take out, and how.
fn taken_out(m: &Match, event: &MatchEvent) -> Option<(u64, Fate)> {
    match event {
        MatchEvent::Undo => m.seqs.last().map(|&s| (s, Fate::Undone)),
        MatchEvent::Correction(c) => match c.action {
            CorrectionAction::Amend => Some((c.seq, Fate::Amended)),
            CorrectionAction::Delete => Some((c.seq, Fate::Deleted)),
            CorrectionAction::Insert => None,
        },
        _ => None,
    }
}

/// The deliveries in force with the commentary line each one gave, by a replay of them.
fn standing_balls(m: &Match) -> Result<Vec<HistoryEntry>, (u64, LawViolation)> {
    let mut fresh = Match::new(m.setup.clone());
    let mut out = vec![];
    for (seq, rec) in m.in_force() {
        let ball = match &rec.event {
            MatchEvent::Ball(d) => Some(d.clone()),
            _ => None,
        };
        fresh.record(rec).map_err(|e| (seq, e))?;
        let Some(ball) = ball else { continue };
        let line = fresh.live.commentary.last();
        out.push(HistoryEntry {
            seq,
            status: Fate::Stands,
            by: None,
            innings: line.map(|l| l.innings),
            over_ball: line.map(|l| l.ball.clone()),
            text: line.map_or_else(|| generate(&ball), |l| l.text.clone()),
            ball,
        });
    }
    Ok(out)
}

/// `standing` in order of play, each of `gone` placed where it was when it was scored: before
/// the first standing delivery scored after it (the end when none). A delivery inserted by a
/// correction has a late seq for an early place, so it counts as scored with the one after it.
fn interleave(standing: Vec<HistoryEntry>, mut gone: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    gone.sort_by_key(|e| (e.seq, e.by));
    let mut keys: Vec<u64> = standing.iter().map(|e| e.seq).collect();
    for i in (0..keys.len().saturating_sub(1)).rev() {
        keys[i] = keys[i].min(keys[i + 1]);
    }
    let mut out = Vec::with_capacity(standing.len() + gone.len());
    let mut gone = gone.into_iter().peekable();
    for (entry, key) in standing.into_iter().zip(keys) {
        while let Some(g) = gone.next_if(|g| g.seq <= key) {
            out.push(g);
        }
        out.push(entry);
    }
    out.extend(gone);
    out
}
