//! Corrections: an event still in force amended, deleted, or preceded by a new one. The
//! corrected sequence is replayed from the first event, so the state is exactly what scoring
//! it from scratch gives; what changed is told in words and in figures.

use super::commentary::outcome;
use super::Match;
use crate::event::{Correction, CorrectionAction, MatchEvent, Recorded};
use crate::law::LawViolation;
use crate::live::{CorrectionNote, FigureChange, LiveState};

impl Match {
    /// Applies `c`: on a refusal (the event put in breaks a Law, or a later event would no
    /// longer stand) the match is unchanged.
    pub(super) fn correct(&mut self, c: &Correction) -> Result<(), LawViolation> {
        let pos = self
            .seqs
            .iter()
            .position(|&s| s == c.seq)
            .ok_or(LawViolation::NoSuchEvent { seq: c.seq })?;
        let put_in = event_put_in(c)?;
        let own = self.logged + 1;
        let mut events = self.in_force();
        let before = events.get(pos).map(|(_, r)| r.event.clone());
        // The seq the event put in stands at, so that its own refusal is told as its own.
        let new_seq = match c.action {
            CorrectionAction::Amend => Some(c.seq),
            CorrectionAction::Insert => Some(own),
            CorrectionAction::Delete => None,
        };
        let after = put_in.as_ref().map(|r| r.event.clone());
        match put_in {
            None => {
                events.remove(pos);
            }
            Some(e) if c.action == CorrectionAction::Insert => events.insert(pos, (own, e)),
            Some(e) => {
                if let Some(slot) = events.get_mut(pos) {
                    slot.1 = e;
                }
            }
        }
        let mut rebuilt = self.rebuild(events.clone()).map_err(|(seq, cause)| {
            if Some(seq) == new_seq {
                cause
            } else {
                LawViolation::LaterEventRefused {
                    seq,
                    cause: Box::new(cause),
                }
            }
        })?;
        // Where it happened: the deleted event's place in the old sequence, else the new
        // event's in the corrected one. Each is a replay of the events up to it; corrections
        // are rare, and the place is worth a viewer's reading it.
        let place = match c.action {
            CorrectionAction::Delete => self.place_of(self.in_force(), pos),
            _ => self.place_of(events, pos),
        };
        let note = CorrectionNote::new(
            c,
            place,
            (before.as_ref(), after.as_ref()),
            figure_changes(&self.live, &rebuilt.live),
        );
        rebuilt.logged = own;
        rebuilt.live.corrections = std::mem::take(&mut self.live.corrections);
        rebuilt.live.corrections.push(note.clone());
        rebuilt.corrected = Some(note);
        *self = rebuilt;
        Ok(())
    }

    /// The innings and "over.ball" of the event at `pos` in `events`: the ball's own for a
    /// delivery, the last ball before it for any other event.
    fn place_of(&self, mut events: Vec<(u64, Recorded)>, pos: usize) -> (u8, String) {
        events.truncate(pos + 1);
        let is_ball = matches!(
            events.last().map(|(_, r)| &r.event),
            Some(MatchEvent::Ball(_))
        );
        let Ok(upto) = self.rebuild(events) else {
            return (0, String::new());
        };
        let live = upto.live();
        if is_ball {
            if let Some(line) = live.commentary.last() {
                return (line.innings, line.ball.clone());
            }
        }
        let inn = live.current_innings.and_then(|i| live.innings.get(i));
        match inn {
            Some(inn) => (inn.number, format!("after {}", inn.overs)),
            None => (0, "before play".into()),
        }
    }
}

/// The event a correction puts in, checked for its shape: none for a deletion; never an undo
/// or another correction, which only make sense at the end of the log.
fn event_put_in(c: &Correction) -> Result<Option<Recorded>, LawViolation> {
    match (c.action, c.event.as_deref()) {
        (CorrectionAction::Delete, None) => Ok(None),
        (CorrectionAction::Delete, Some(_)) => Err(LawViolation::InvalidEvent(
            "a deletion puts no event in: send it without one",
        )),
        (_, None) => Err(LawViolation::InvalidEvent(
            "an amendment or an insertion gives the event to put in",
        )),
        (_, Some(r)) if matches!(r.event, MatchEvent::Undo | MatchEvent::Correction(_)) => Err(
            LawViolation::InvalidEvent("an undo or a correction cannot be put in a match's past"),
        ),
        (_, Some(r)) => Ok(Some(r.clone())),
    }
}

/// An event in a few words: a delivery's outcome ("FOUR", "1 run", "OUT, b Cummins"), any
/// other event's kind ("bowler change").
pub(crate) fn event_words(e: &MatchEvent) -> String {
    match e {
        MatchEvent::Ball(d) => outcome(d),
        other => other.kind().replace('_', " "),
    }
}

impl CorrectionNote {
    fn new(
        c: &Correction,
        (innings, ball): (u8, String),
        (before, after): (Option<&MatchEvent>, Option<&MatchEvent>),
        changes: Vec<FigureChange>,
    ) -> Self {
        let before = before.map(event_words);
        let after = after.map(event_words);
        let what = match (c.action, &before, &after) {
            (CorrectionAction::Amend, Some(b), Some(a)) => format!("{b} → {a}"),
            (CorrectionAction::Insert, _, Some(a)) => format!("{a} inserted"),
            (_, Some(b), _) => format!("{b} deleted"),
            _ => c.action.as_str().to_string(),
        };
        let mut text = format!("{ball}: {what}");
        for ch in &changes {
            text.push_str(&format!(", {} {} → {}", ch.name, ch.from, ch.to));
        }
        CorrectionNote {
            seq: c.seq,
            action: c.action.as_str().to_string(),
            innings,
            ball,
            before,
            after,
            changes,
            text,
        }
    }
}

/// Every figure a viewer reads that differs between `old` and `new`: batters' runs (and how
/// they were out), bowlers' wickets and runs, and each innings' score, innings by innings.
fn figure_changes(old: &LiveState, new: &LiveState) -> Vec<FigureChange> {
    let mut out = vec![];
    let count = old.innings.len().max(new.innings.len());
    for i in 0..count {
        let (o, n) = (old.innings.get(i), new.innings.get(i));
        let number = n.or(o).map_or(0, |inn| inn.number);
        let mut change = |what: &'static str, name: &str, from: String, to: String| {
            if from != to {
                out.push(FigureChange {
                    what: what.into(),
                    innings: number,
                    name: name.into(),
                    from,
                    to,
                });
            }
        };
        let batting = |inn: Option<&crate::live::InningsState>, name: &str| {
            inn.and_then(|inn| inn.batting.iter().find(|b| b.name == name))
                .map_or_else(
                    || "did not bat".to_string(),
                    // Cricket's notation: 48* is 48 not out.
                    |b| format!("{}{}", b.runs, if b.out { "" } else { "*" }),
                )
        };
        let bowling = |inn: Option<&crate::live::InningsState>, name: &str| {
            inn.and_then(|inn| inn.bowling.iter().find(|b| b.name == name))
                .map_or_else(
                    || "did not bowl".to_string(),
                    |b| format!("{}-{}", b.wickets, b.runs),
                )
        };
        for name in names(o, n, |inn| {
            inn.batting.iter().map(|b| b.name.as_str()).collect()
        }) {
            change("batter", &name, batting(o, &name), batting(n, &name));
        }
        for name in names(o, n, |inn| {
            inn.bowling.iter().map(|b| b.name.as_str()).collect()
        }) {
            change("bowler", &name, bowling(o, &name), bowling(n, &name));
        }
        let score = |inn: Option<&crate::live::InningsState>| {
            inn.map_or_else(
                || "no innings".to_string(),
                |i| format!("{}/{}", i.runs, i.wickets),
            )
        };
        let team = n.or(o).map_or("", |inn| inn.team.as_str());
        change("score", team, score(o), score(n));
    }
    out
}

/// The names `pick` lists in either innings, in the new innings' order and then any only the
/// old one had.
fn names<'a>(
    o: Option<&'a crate::live::InningsState>,
    n: Option<&'a crate::live::InningsState>,
    pick: impl Fn(&'a crate::live::InningsState) -> Vec<&'a str>,
) -> Vec<String> {
    let mut all: Vec<String> = n
        .map(&pick)
        .unwrap_or_default()
        .into_iter()
        .map(String::from)
        .collect();
    for name in o.map(&pick).unwrap_or_default() {
        if !all.iter().any(|a| a == name) {
            all.push(name.to_string());
        }
    }
    all
}
