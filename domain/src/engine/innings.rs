//! Innings starting and ending: the toss, who may bat next (follow-on, super overs), declarations,
//! forfeits, and the balls ending an innings. Each checks everything before changing anything.

use super::state::{new_innings_state, BatStatus, Closed, InningsCtx};
use super::Match;
use crate::event::{Forfeit, InningsStart, Toss};
use crate::law::LawViolation;
use crate::live::MatchStatus;

/// The smallest first-innings lead with which Law 14.1 allows the follow-on.
const FOLLOW_ON_MIN_LEAD: u32 = 75;

impl Match {
    pub(super) fn team_index(
        &self,
        name: &str,
        field: &'static str,
    ) -> Result<usize, LawViolation> {
        self.setup
            .teams
            .iter()
            .position(|t| t.name == name)
            .ok_or_else(|| LawViolation::UnknownTeam {
                field,
                name: name.to_string(),
            })
    }

    fn regular_innings(&self) -> impl Iterator<Item = &InningsCtx> {
        self.st.inns.iter().filter(|c| !c.super_over)
    }

    /// Whether `team` may begin a regular innings now; `Ok(true)` when it is following on.
    fn check_regular_start(&self, team: usize) -> Result<bool, LawViolation> {
        if self.st.inns.last().is_some_and(|c| c.closed.is_none()) {
            return Err(LawViolation::InningsInProgress);
        }
        if self.live.status == MatchStatus::Finished {
            return Err(LawViolation::MatchOver);
        }
        if self.st.inns.iter().any(|c| c.super_over) {
            return Err(LawViolation::InvalidEvent("the regular innings are over"));
        }
        let per_side = usize::from(self.setup.innings_per_side.max(1));
        let played = self.regular_innings().count();
        if played >= per_side.saturating_mul(2) {
            return Err(LawViolation::InvalidEvent(
                "every innings of the match has been played",
            ));
        }
        if self.regular_innings().filter(|c| c.bat == team).count() >= per_side {
            return Err(LawViolation::InvalidEvent(
                "this side has had all its innings",
            ));
        }
        let last_team = self.regular_innings().last().map(|c| c.bat);
        if last_team == Some(team) && played != 2 {
            return Err(LawViolation::InvalidEvent(
                "a side cannot bat twice in a row unless following on",
            ));
        }
        let follow_on = played == 2 && last_team == Some(team);
        if follow_on {
            // Law 14.1: only the side batting first, leading by at least the match's margin
            // (by default the smallest the Law allows, 75, a one-day match's).
            let lead = self
                .team_total(1 - team)
                .saturating_sub(self.team_total(team));
            if lead < self.setup.follow_on_lead.unwrap_or(FOLLOW_ON_MIN_LEAD) {
                return Err(LawViolation::InvalidEvent(
                    "only the side batting first, and leading by enough, can make the other follow on",
                ));
            }
        }
        Ok(follow_on)
    }

    fn check_super_over_start(&self, team: usize) -> Result<(), LawViolation> {
        if self.st.inns.last().is_some_and(|c| c.closed.is_none()) {
            return Err(LawViolation::InningsInProgress);
        }
        let supers: Vec<&InningsCtx> = self.st.inns.iter().filter(|c| c.super_over).collect();
        let mid_pair = supers.len() % 2 == 1 && self.live.status != MatchStatus::Finished;
        if mid_pair {
            if supers.last().is_some_and(|c| c.bat == team) {
                return Err(LawViolation::InvalidEvent(
                    "the other side bats the second half of a super over",
                ));
            }
            return Ok(());
        }
        if self.live.status == MatchStatus::Finished && !self.st.tied {
            return Err(LawViolation::MatchOver);
        }
        if !self.st.tied {
            return Err(LawViolation::InvalidEvent(
                "a super over is played only when the match is tied",
            ));
        }
        Ok(())
    }

    pub(super) fn apply_innings_start(&mut self, e: &InningsStart) -> Result<(), LawViolation> {
        if self.setup.balls_per_over == 0 {
            return Err(LawViolation::InvalidEvent(
                "balls per over must be at least one",
            ));
        }
        let bat = self.team_index(&e.batting_team, "batting_team")?;
        let bowl = 1 - bat;
        let follow_on = if e.super_over {
            self.check_super_over_start(bat)?;
            false
        } else {
            self.check_regular_start(bat)?
        };
        for (name, field) in [(&e.striker, "striker"), (&e.non_striker, "non_striker")] {
            if !self.eligible(bat, name) {
                return Err(LawViolation::NotInTeam {
                    field,
                    name: name.clone(),
                    team: e.batting_team.clone(),
                });
            }
        }
        if e.striker == e.non_striker {
            return Err(LawViolation::SameBatters);
        }
        if !self.eligible(bowl, &e.bowler) {
            return Err(LawViolation::NotInTeam {
                field: "bowler",
                name: e.bowler.clone(),
                team: self.team_name(bowl),
            });
        }

        let idx = self.open_new_innings(bat, e.super_over, follow_on);
        self.seat_batters(idx, &e.striker, &e.non_striker);
        if let Some(ctx) = self.st.inns.get_mut(idx) {
            ctx.over_bowler = Some(e.bowler.clone());
        }
        self.check_innings_end(idx);
        Ok(())
    }

    /// Adds an innings (checked already) and returns its index.
    fn open_new_innings(&mut self, bat: usize, super_over: bool, follow_on: bool) -> usize {
        let bpo = u32::from(self.setup.balls_per_over);
        let ordinal = self
            .st
            .inns
            .iter()
            .filter(|c| c.super_over == super_over)
            .count();
        let chase = !super_over && self.setup.innings_per_side <= 1 && ordinal == 1;
        let xi = self.st.rosters.get(bat).map_or(11, |r| r.len()).min(11);
        let max_balls = if super_over {
            Some(bpo)
        } else {
            self.setup
                .overs_per_innings
                .map(|o| u32::from(o).saturating_mul(bpo))
        };
        let max_wickets = if super_over {
            2
        } else {
            (xi as u32).saturating_sub(1).max(1)
        };
        let mut ctx = InningsCtx::fresh(bat, super_over, ordinal, bpo, max_balls, max_wickets);
        if chase {
            if let Some((runs, balls)) = self.st.pending_revision.take() {
                ctx.target_override = Some(runs);
                if balls.is_some() {
                    ctx.max_balls = balls;
                }
                ctx.revised = true;
            }
        }
        if !super_over {
            ctx.quota = self.setup.quota_for(ctx.max_balls);
        }
        let number = u8::try_from(self.st.inns.len().saturating_add(1)).unwrap_or(u8::MAX);
        let mut inn = new_innings_state(
            number,
            self.team_name(bat),
            self.team_name(1 - bat),
            super_over,
            follow_on,
        );
        if !super_over {
            if let Some(p) = self.st.pending_penalty.get_mut(bat) {
                inn.runs = *p;
                inn.extras.penalty = *p;
                inn.extras.total = *p;
                *p = 0;
            }
        }
        self.st.inns.push(ctx);
        self.live.innings.push(inn);
        self.live.status = MatchStatus::InProgress;
        self.live.result = None;
        self.live.winner = None;
        self.st.tied = false;
        self.st.inns.len() - 1
    }

    pub(super) fn apply_toss(&mut self, t: &Toss) -> Result<(), LawViolation> {
        if self.live.status == MatchStatus::Finished {
            return Err(LawViolation::MatchOver);
        }
        if !self.st.inns.is_empty() {
            return Err(LawViolation::InvalidEvent(
                "the toss comes before the first innings",
            ));
        }
        self.team_index(&t.winner, "winner")?;
        self.live.toss = Some(t.clone());
        Ok(())
    }

    pub(super) fn apply_declaration(&mut self) -> Result<(), LawViolation> {
        let idx = self.open_innings()?;
        if let Some(inn) = self.live.innings.get_mut(idx) {
            inn.declared = true;
        }
        self.close_innings(idx, Closed::Declared);
        Ok(())
    }

    pub(super) fn apply_forfeit(&mut self, f: &Forfeit) -> Result<(), LawViolation> {
        let bat = self.team_index(&f.team, "team")?;
        let follow_on = self.check_regular_start(bat)?;
        let idx = self.open_new_innings(bat, false, follow_on);
        if let Some(inn) = self.live.innings.get_mut(idx) {
            inn.forfeited = true;
        }
        self.close_innings(idx, Closed::Forfeited);
        Ok(())
    }

    /// Batters who are in or could still come in: at the crease, yet to bat, or retired hurt.
    fn batters_available(&self, idx: usize) -> usize {
        let Some(ctx) = self.st.inns.get(idx) else {
            return 0;
        };
        let yet_to_bat = self.st.rosters.get(ctx.bat).map_or(0, |r| {
            r.iter()
                .filter(|p| !ctx.batters.contains_key(*p) && self.eligible(ctx.bat, p))
                .count()
        });
        // Law 25.4: a batter retired hurt may resume, so is still available until recorded
        // as not resuming (a `Retirement` of kind not out for that batter).
        let may_resume = ctx
            .status
            .iter()
            .filter(|s| **s == BatStatus::RetiredHurt)
            .count();
        (2 - ctx.vacancies())
            .saturating_add(yet_to_bat)
            .saturating_add(may_resume)
    }

    /// Closes the innings if the balls have ended it: all out, overs done, or target reached.
    pub(super) fn check_innings_end(&mut self, idx: usize) {
        let bpo = u32::from(self.setup.balls_per_over);
        let (Some(ctx), Some(inn)) = (self.st.inns.get(idx), self.live.innings.get(idx)) else {
            return;
        };
        if ctx.closed.is_some() {
            return;
        }
        let reason = if self.target_for(idx).is_some_and(|t| inn.runs >= t) {
            Some(Closed::Target)
        } else if inn.wickets >= ctx.max_wickets || self.batters_available(idx) < 2 {
            Some(Closed::AllOut)
        } else if ctx.max_balls.is_some_and(|m| ctx.nominal_balls(bpo) >= m) {
            Some(Closed::Overs)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.close_innings(idx, reason);
        }
    }
}
