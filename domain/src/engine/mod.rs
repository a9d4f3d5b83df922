//! The match engine: [`Match`] applies events under the Laws and keeps [`LiveState`] current.
//!
//! Each event is checked in full before anything changes, so a refusal leaves the match exactly
//! as it was. Derived figures are updated incrementally: a ball touches only its own lines.
//! Undo is rare, so it replays the events still in force.

mod ball;
mod changes;
mod commentary;
mod correction;
mod cut_short;
mod history;
pub use history::{ball_history, Fate, HistoryEntry};
mod innings;
mod interruptions;
mod overrides;
mod result;
pub use result::Margin;
mod state;
pub(crate) use state::notation_to_balls;
mod validate;
mod wickets;

#[cfg(test)]
mod tests;

use crate::event::{MatchEvent, Recorded};
use crate::law::LawViolation;
use crate::live::{BallLine, CorrectionNote, LiveState, MatchStatus};
use crate::setup::MatchSetup;

use state::InningsCtx;

#[derive(Debug, Clone)]
pub struct Match {
    setup: MatchSetup,
    events: Vec<Recorded>,
    /// The log's seq of each event in `events`: the log numbers every event it keeps (undos
    /// and corrections too) from 1, so after an undo or a correction they are not `1..=n`.
    seqs: Vec<u64>,
    /// How many events of the log this match has recorded: the last seq.
    logged: u64,
    /// What the last event changed, when it was a correction.
    corrected: Option<CorrectionNote>,
    live: LiveState,
    st: State,
    /// Set while an event with an override is applied: the checks an umpire may overrule
    /// let it through (see [`LawViolation::overridable`]); every other check still refuses.
    overriding: bool,
}

/// Match-wide bookkeeping that is not part of the served snapshot.
#[derive(Debug, Clone, Default)]
struct State {
    /// Who may play for each side: the XI plus replacements brought in.
    rosters: [Vec<String>; 2],
    /// Players replaced out, who may no longer come in to bat or bowl.
    replaced: [Vec<String>; 2],
    /// Parallel to `live.innings`.
    inns: Vec<InningsCtx>,
    /// Penalty runs for a side that has not batted yet, added to its first innings.
    pending_penalty: [u32; 2],
    /// A revised target (runs, balls) set before the chase began.
    pending_revision: Option<(u32, Option<u32>)>,
    /// The balls left the match tied: a super over or a declared tie-break may follow.
    tied: bool,
    /// How the balls decided the match, when they did.
    margin: Option<Margin>,
}

impl Match {
    pub fn new(setup: MatchSetup) -> Self {
        let live = LiveState {
            format: setup.format,
            teams: [setup.teams[0].name.clone(), setup.teams[1].name.clone()],
            balls_per_over: setup.balls_per_over,
            overs_per_innings: setup.overs_per_innings,
            status: MatchStatus::NotStarted,
            toss: None,
            current_innings: None,
            innings: vec![],
            striker: None,
            non_striker: None,
            bowler: None,
            free_hit: false,
            due: vec![],
            result: None,
            winner: None,
            summary: String::new(),
            commentary: vec![],
            overrides: vec![],
            corrections: vec![],
            interruption: None,
            stoppages: vec![],
        };
        let st = State {
            rosters: [
                setup.teams[0].players.clone(),
                setup.teams[1].players.clone(),
            ],
            ..State::default()
        };
        let mut m = Self {
            setup,
            events: vec![],
            seqs: vec![],
            logged: 0,
            corrected: None,
            live,
            st,
            overriding: false,
        };
        m.refresh();
        m
    }

    /// A match rebuilt from its setup and events; on a refusal, the index of the event refused.
    pub fn replay<E: Into<Recorded>>(
        setup: MatchSetup,
        events: impl IntoIterator<Item = E>,
    ) -> Result<Match, (usize, LawViolation)> {
        let mut m = Match::new(setup);
        for (i, e) in events.into_iter().enumerate() {
            m.record(e.into()).map_err(|err| (i, err))?;
        }
        Ok(m)
    }

    pub fn setup(&self) -> &MatchSetup {
        &self.setup
    }

    /// Applies one event under every check; on refusal the match is unchanged.
    pub fn apply(&mut self, event: MatchEvent) -> Result<(), LawViolation> {
        self.record(Recorded::from(event))
    }

    /// Applies one event as recorded: with an override, an event that only the overridable
    /// checks refuse stands, and the override is completed with the rule it overrules.
    /// On refusal the match is unchanged.
    pub fn record(&mut self, mut rec: Recorded) -> Result<(), LawViolation> {
        match &rec.event {
            MatchEvent::Undo if rec.overridden.is_some() => {
                return Err(LawViolation::InvalidEvent("an undo needs no override"));
            }
            MatchEvent::Correction(_) if rec.overridden.is_some() => {
                return Err(LawViolation::InvalidEvent(
                    "a correction's override goes on the event it puts in",
                ));
            }
            MatchEvent::Undo => {
                self.undo()?;
                self.logged += 1;
                return Ok(());
            }
            MatchEvent::Correction(c) => return self.correct(c),
            _ => {}
        }
        match rec.overridden.as_mut() {
            None => self.apply_event(&rec.event)?,
            Some(ov) => {
                if ov.reason.trim().is_empty() {
                    return Err(LawViolation::InvalidEvent(
                        "an override gives the umpires' reason",
                    ));
                }
                // Overrides are rare, so finding the rule overruled by a trial on a copy costs
                // nothing that matters, and it keeps every check free of override logic.
                let refused = match self.clone().apply_event(&rec.event) {
                    Ok(()) => return Err(LawViolation::OverrideNotNeeded),
                    Err(v) if !v.overridable() => return Err(v),
                    Err(v) => v,
                };
                self.overriding = true;
                let applied = self.apply_event(&rec.event);
                self.overriding = false;
                applied?;
                ov.rule = Some(refused.code().to_string());
                self.note_override(&rec.event, &refused, &ov.reason);
            }
        }
        self.events.push(rec);
        self.logged += 1;
        self.seqs.push(self.logged);
        self.corrected = None;
        self.refresh();
        Ok(())
    }

    fn apply_event(&mut self, event: &MatchEvent) -> Result<(), LawViolation> {
        match event {
            MatchEvent::Toss(t) => self.apply_toss(t),
            MatchEvent::InningsStart(s) => self.apply_innings_start(s),
            MatchEvent::Ball(d) => {
                if let Some(s) = &self.live.interruption {
                    return Err(LawViolation::PlaySuspended {
                        what: s.text.clone(),
                    });
                }
                let plan = self.check_ball(d)?;
                let idx = plan.idx;
                self.commit_ball(plan, d);
                self.check_innings_end(idx);
                Ok(())
            }
            MatchEvent::NewBatter(n) => self.apply_new_batter(n),
            MatchEvent::BowlerChange(b) => self.apply_bowler_change(b),
            MatchEvent::Retirement(r) => self.apply_retirement(r),
            MatchEvent::Declaration => self.apply_declaration(),
            MatchEvent::Forfeit(f) => self.apply_forfeit(f),
            MatchEvent::RevisedTarget(r) => self.apply_revised_target(r),
            MatchEvent::PenaltyRuns(p) => self.apply_penalty(p),
            MatchEvent::Replacement(r) => self.apply_replacement(r),
            MatchEvent::MiscountedOver(m) => self.apply_miscounted(m),
            MatchEvent::Result(r) => self.apply_result(r),
            MatchEvent::NoFurtherBatter(n) => self.apply_no_further_batter(n),
            MatchEvent::ReducedOvers(r) => self.apply_reduced_overs(r),
            MatchEvent::Interruption(i) => self.apply_interruption(i),
            MatchEvent::Resumption(r) => self.apply_resumption(r),
            MatchEvent::Undo | MatchEvent::Correction(_) => Ok(()),
        }
    }

    /// Refuses with `v`, unless an override is being applied and an umpire may overrule `v`.
    pub(super) fn law(&self, v: LawViolation) -> Result<(), LawViolation> {
        if self.overriding && v.overridable() {
            Ok(())
        } else {
            Err(v)
        }
    }

    fn undo(&mut self) -> Result<(), LawViolation> {
        let mut events = self.in_force();
        if events.pop().is_none() {
            return Err(LawViolation::NothingToUndo);
        }
        // Every remaining event was accepted in this order before, so the rebuild succeeds.
        let mut rebuilt = self.rebuild(events).map_err(|(_, e)| e)?;
        // Corrections are not events in force, but what they changed stays told.
        rebuilt.live.corrections = std::mem::take(&mut self.live.corrections);
        *self = rebuilt;
        Ok(())
    }

    /// The events in force with their seqs, oldest first.
    fn in_force(&self) -> Vec<(u64, Recorded)> {
        self.seqs
            .iter()
            .copied()
            .zip(self.events.iter().cloned())
            .collect()
    }

    /// This match from its setup and `events` in force, each keeping its seq, with the same
    /// count of events logged; on a refusal, the seq refused. An override the checks no longer
    /// need (an earlier event corrected) leaves the event standing on its own.
    fn rebuild(
        &self,
        events: impl IntoIterator<Item = (u64, Recorded)>,
    ) -> Result<Match, (u64, LawViolation)> {
        let mut m = Match::new(self.setup.clone());
        for (seq, rec) in events {
            let plain = rec.event.clone();
            match m.record(rec) {
                Err(LawViolation::OverrideNotNeeded) => m.record(plain.into()),
                other => other,
            }
            .map_err(|e| (seq, e))?;
            if let Some(last) = m.seqs.last_mut() {
                *last = seq;
            }
        }
        m.logged = self.logged;
        Ok(m)
    }

    /// The seq of each event in force, parallel to [`Match::events`].
    pub fn seqs(&self) -> &[u64] {
        &self.seqs
    }

    /// What the last event changed in words and figures, when it was a correction.
    pub fn last_correction(&self) -> Option<&CorrectionNote> {
        self.corrected.as_ref()
    }

    /// The events in force, oldest first (undone events and undos themselves are gone).
    pub fn events(&self) -> &[Recorded] {
        &self.events
    }

    pub fn live(&self) -> &LiveState {
        &self.live
    }

    /// The over the next delivery belongs to, counted from 0 as Cricsheet numbers overs;
    /// `None` with no innings open.
    pub fn over_in_progress(&self) -> Option<u32> {
        let ctx = self.st.inns.last()?;
        ctx.closed.is_none().then_some(ctx.completed_overs)
    }

    /// By how much the balls decided the match; `None` while it is undecided, tied, or decided
    /// by a declared result.
    pub fn margin(&self) -> Option<Margin> {
        self.st.margin
    }

    /// The latest delivery in one line, for a realtime "ball" message; `None` before the first.
    pub fn last_ball_line(&self) -> Option<BallLine> {
        let line = self.live.commentary.last()?;
        let inn = self
            .live
            .innings
            .get(usize::from(line.innings).checked_sub(1)?)?;
        Some(BallLine {
            innings: line.innings,
            team: inn.team.clone(),
            ball: line.ball.clone(),
            score: format!("{}/{}", inn.runs, inn.wickets),
            runs: inn.runs,
            wickets: inn.wickets,
            overs: inn.overs.clone(),
            run_rate: inn.run_rate,
            required_rate: inn.required_rate,
            striker: self.live.striker.clone(),
            non_striker: self.live.non_striker.clone(),
            bowler: self.live.bowler.clone(),
            text: line.text.clone(),
            boundary: self.last_boundary(),
            non_boundary: self
                .last_delivery()
                .is_some_and(|d| d.non_boundary && matches!(d.runs.batter, 4 | 6)),
        })
    }

    /// The last event in force, when it is a delivery.
    fn last_delivery(&self) -> Option<&crate::event::Delivery> {
        match self.events.last().map(|r| &r.event) {
            Some(MatchEvent::Ball(d)) => Some(d),
            _ => None,
        }
    }

    /// 4 or 6 when the last delivery was a boundary: runs off the bat that were not run.
    fn last_boundary(&self) -> Option<u32> {
        self.last_delivery()
            .filter(|d| !d.non_boundary && matches!(d.runs.batter, 4 | 6))
            .map(|d| d.runs.batter)
    }
}
