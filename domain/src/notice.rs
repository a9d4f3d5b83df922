//! What an event did that the outside world may want to hear of at once: a wicket, a
//! boundary, a milestone, the end of an innings, the result, a correction. Worked out from the
//! few figures an event can move, taken before it ([`Watch`]) and read after it, so that it
//! costs a ball next to nothing.

use serde::Serialize;
use serde_json::{json, Value};

use crate::event::{Correction, CorrectionAction, MatchEvent};
use crate::live::{LiveState, MatchStatus};
use crate::Match;

/// The kinds a subscriber chooses from, spelt as they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Wicket,
    Boundary,
    Milestone,
    InningsEnd,
    Result,
    Correction,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::Wicket,
        NoticeKind::Boundary,
        NoticeKind::Milestone,
        NoticeKind::InningsEnd,
        NoticeKind::Result,
        NoticeKind::Correction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Wicket => "wicket",
            NoticeKind::Boundary => "boundary",
            NoticeKind::Milestone => "milestone",
            NoticeKind::InningsEnd => "innings_end",
            NoticeKind::Result => "result",
            NoticeKind::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One thing worth telling, with what a subscriber needs to tell it in turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub data: Value,
}

/// Runs at which a batter's innings is a milestone.
const BATTING_MILESTONES: [u32; 4] = [50, 100, 150, 200];
/// Wickets in an innings at which a bowler's figures are a milestone.
const BOWLING_MILESTONES: [u32; 2] = [5, 10];

/// The figures an event can move, as they stood before it.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    closed: usize,
    /// The result as it stood, when the match was finished: a tie can be followed by a super
    /// over or a declared tie-break, each a result of its own.
    result: Option<String>,
    /// Runs of the batters at the crease, and wickets of the bowler, in the innings in progress.
    batters: Vec<(String, u32)>,
    bowler: Option<(String, u32)>,
}

impl Watch {
    /// What `event` may change, read from the match before it.
    pub fn before(live: &LiveState, event: &MatchEvent) -> Watch {
        let mut w = Watch {
            closed: live.innings.iter().filter(|i| i.closed).count(),
            result: (live.status == MatchStatus::Finished)
                .then(|| live.result.clone())
                .flatten(),
            ..Watch::default()
        };
        if let (MatchEvent::Ball(d), Some(inn)) = (event, live.innings.last()) {
            for name in [&d.batter, &d.non_striker] {
                let runs = inn
                    .batting
                    .iter()
                    .find(|b| &b.name == name)
                    .map_or(0, |b| b.runs);
                w.batters.push((name.clone(), runs));
            }
            let wickets = inn
                .bowling
                .iter()
                .find(|b| b.name == d.bowler)
                .map_or(0, |b| b.wickets);
            w.bowler = Some((d.bowler.clone(), wickets));
        }
        w
    }

    /// What `event`, just recorded in `game`, did worth telling.
    pub fn notices(&self, game: &Match, event: &MatchEvent) -> Vec<Notice> {
        let live = game.live();
        let mut out = vec![];
        let at = |live: &LiveState| -> Value {
            match live.innings.last() {
                Some(inn) => json!({
                    "innings": inn.number, "team": inn.team,
                    "score": format!("{}/{}", inn.runs, inn.wickets), "overs": inn.overs,
                }),
                None => Value::Null,
            }
        };
        match event {
            MatchEvent::Ball(d) => {
                // A ball belongs to the innings in progress, which stays the last even when
                // the ball closes it.
                let inn = live.innings.last();
                for w in d.wickets.iter().filter(|w| w.kind.counts_as_wicket()) {
                    let how = inn
                        .and_then(|i| i.batting.iter().find(|b| b.name == w.player_out))
                        .map(|b| b.dismissal.clone())
                        .unwrap_or_default();
                    out.push(Notice {
                        kind: NoticeKind::Wicket,
                        data: json!({
                            "batter": w.player_out, "how": how, "bowler": d.bowler,
                            "at": at(live),
                        }),
                    });
                }
                if matches!(d.runs.batter, 4 | 6) && !d.non_boundary {
                    out.push(Notice {
                        kind: NoticeKind::Boundary,
                        data: json!({
                            "batter": d.batter, "runs": d.runs.batter, "bowler": d.bowler,
                            "at": at(live),
                        }),
                    });
                }
                if let Some(inn) = inn {
                    for (name, before) in &self.batters {
                        let Some(b) = inn.batting.iter().find(|b| &b.name == name) else {
                            continue;
                        };
                        if let Some(m) = crossed(&BATTING_MILESTONES, *before, b.runs) {
                            out.push(Notice {
                                kind: NoticeKind::Milestone,
                                data: json!({
                                    "player": name, "milestone": format!("{m} runs"),
                                    "runs": b.runs, "balls": b.balls, "at": at(live),
                                }),
                            });
                        }
                    }
                    if let Some((name, before)) = &self.bowler {
                        if let Some(b) = inn.bowling.iter().find(|b| &b.name == name) {
                            if let Some(m) = crossed(&BOWLING_MILESTONES, *before, b.wickets) {
                                out.push(Notice {
                                    kind: NoticeKind::Milestone,
                                    data: json!({
                                        "player": name, "milestone": format!("{m} wickets"),
                                        "figures": format!("{}-{}", b.wickets, b.runs),
                                        "overs": b.overs, "at": at(live),
                                    }),
                                });
                            }
                        }
                    }
                }
            }
            MatchEvent::Correction(c) => out.push(Notice {
                kind: NoticeKind::Correction,
                data: json!({
                    "corrected_seq": c.seq,
                    "action": c.action.as_str(),
                    "text": game.last_correction().map(|n| n.text.clone()),
                    "at": at(live),
                }),
            }),
            _ => {}
        }
        let closed: Vec<_> = live.innings.iter().filter(|i| i.closed).collect();
        if closed.len() > self.closed {
            for inn in &closed[self.closed..] {
                out.push(Notice {
                    kind: NoticeKind::InningsEnd,
                    data: json!({
                        "innings": inn.number, "team": inn.team,
                        "score": format!("{}/{}", inn.runs, inn.wickets), "overs": inn.overs,
                        "declared": inn.declared,
                    }),
                });
            }
        }
        if live.status == MatchStatus::Finished && live.result != self.result {
            out.push(Notice {
                kind: NoticeKind::Result,
                data: json!({ "result": live.result, "winner": live.winner }),
            });
        }
        out
    }
}

/// What a correction puts in, told as its own: the wicket and boundary notices of the ball it
/// amends to or inserts, as they would have been at its place, with the seq that ball stands
/// at (the amended ball's own, or the correction's `own_seq` for an inserted one). `game` is
/// the match before the correction. `None` for a deletion, for an event put in that is not a
/// ball, or where the ball does not stand at its place.
///
/// Only what is the ball's own is told again: a milestone, an innings' end or a result the
/// correction moves is said by the correction's own notice, since a later ball's notices
/// would have to be taken back too.
pub fn put_in(game: &Match, c: &Correction, own_seq: u64) -> Option<(u64, Vec<Notice>)> {
    let rec = c.event.as_deref()?;
    if !matches!(rec.event, MatchEvent::Ball(_)) {
        return None;
    }
    let seq = match c.action {
        CorrectionAction::Amend => c.seq,
        CorrectionAction::Insert => own_seq,
        CorrectionAction::Delete => return None,
    };
    let pos = game.seqs().iter().position(|&s| s == c.seq)?;
    // The events before its place were each accepted in this order, so this is a replay.
    let mut at = Match::new(game.setup().clone());
    for before in &game.events()[..pos] {
        at.record(before.clone()).ok()?;
    }
    let watch = Watch::before(at.live(), &rec.event);
    at.record(rec.clone()).ok()?;
    let own = watch
        .notices(&at, &rec.event)
        .into_iter()
        .filter(|n| matches!(n.kind, NoticeKind::Wicket | NoticeKind::Boundary))
        .collect();
    Some((seq, own))
}

/// The highest milestone passed going from `before` to `after`.
fn crossed(marks: &[u32], before: u32, after: u32) -> Option<u32> {
    marks
        .iter()
        .copied()
        .filter(|m| before < *m && *m <= after)
        .max()
}
