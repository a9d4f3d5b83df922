//! The importer's second pass: each event is replayed through the engine as it is read, so that
//! what the file shows happened stands. The file is the umpires' record: an event the Laws
//! checks refuse is recorded with an override, and an innings the file ends with a batter due
//! and none coming in gets a [`NoFurtherBatter`].

use crate::event::{AbsentReason, MatchEvent, NoFurtherBatter, Recorded};
use crate::live::{Due, MatchStatus};
use crate::setup::MatchSetup;
use crate::Match;

/// The reason an imported override gives.
pub const FILE_REASON: &str = "as recorded in the Cricsheet file";

pub(super) struct Settler {
    /// `None` once an event was refused in a way no override lifts: the rest goes out as read,
    /// so that replaying the match reports where the file and the Laws part.
    game: Option<Match>,
    out: Vec<Recorded>,
}

impl Settler {
    pub fn new(setup: MatchSetup) -> Self {
        Self {
            game: Some(Match::new(setup)),
            out: vec![],
        }
    }

    pub fn push(&mut self, event: MatchEvent) {
        if let Some(game) = self.game.as_mut() {
            match game.apply(event.clone()) {
                Ok(()) => {
                    self.out.push(event.into());
                    return;
                }
                Err(v) if v.overridable() => {
                    let rec = Recorded::overriding(event.clone(), FILE_REASON);
                    if game.record(rec).is_ok() {
                        if let Some(stored) = game.events().last() {
                            self.out.push(stored.clone());
                            return;
                        }
                    }
                }
                Err(_) => {}
            }
            self.game = None;
        }
        self.out.push(event.into());
    }

    /// The file's innings is over. If the engine's is still open with a batter due, no batter
    /// came in: the file names them `absent_hurt`, or `decided` says the file goes on past the
    /// innings (a later innings, or a result by runs).
    pub fn end_innings(&mut self, decided: bool, absent_hurt: Vec<String>) {
        let Some(game) = &self.game else {
            return;
        };
        let live = game.live();
        let open =
            live.status != MatchStatus::Finished && live.innings.last().is_some_and(|i| !i.closed);
        if !open || !live.due.contains(&Due::NewBatter) {
            return;
        }
        let reason = if !absent_hurt.is_empty() {
            AbsentReason::AbsentHurt
        } else if decided {
            AbsentReason::Absent
        } else {
            return;
        };
        self.push(MatchEvent::NoFurtherBatter(NoFurtherBatter {
            reason,
            batters: absent_hurt,
        }));
    }

    pub fn finish(self) -> Vec<Recorded> {
        self.out
    }
}
