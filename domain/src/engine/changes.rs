//! Events between deliveries that change who plays or what is needed: retirements, new
//! batters, bowler changes, penalty runs, replacements, miscounted overs, revised targets.

use super::state::{notation_to_balls, BatStatus, Closed, InningsCtx};
use super::validate::MAX_RUNS_PER_EVENT;
use super::Match;
use crate::event::{
    BowlerChange, DismissalKind, MiscountedOver, NewBatter, PenaltyRuns, Replacement, Retirement,
    RetirementKind, RevisedTarget,
};
use crate::law::LawViolation;
use crate::live::MatchStatus;

impl Match {
    pub(super) fn apply_retirement(&mut self, r: &Retirement) -> Result<(), LawViolation> {
        let (idx, ctx) = self.innings_for_late_event()?;
        // A batter off the field retired hurt can be recorded as not resuming (Law 25.4.2).
        let not_resuming = r.kind != RetirementKind::Hurt
            && ctx.batters.get(&r.batter).and_then(|&i| ctx.status.get(i))
                == Some(&BatStatus::RetiredHurt);
        if !ctx.at_crease(&r.batter) && !not_resuming {
            return Err(LawViolation::BatterNotIn {
                field: "batter",
                name: r.batter.clone(),
            });
        }
        let kind = match r.kind {
            RetirementKind::Hurt => DismissalKind::RetiredHurt,
            RetirementKind::NotOut => DismissalKind::RetiredNotOut,
            RetirementKind::Out => DismissalKind::RetiredOut,
        };
        let text = super::commentary::dismissal_text(
            &crate::event::Wicket {
                kind,
                player_out: r.batter.clone(),
                fielders: vec![],
            },
            "",
        );
        self.dismiss(idx, &r.batter, kind, text);
        self.check_innings_end(idx);
        Ok(())
    }

    pub(super) fn apply_new_batter(&mut self, n: &NewBatter) -> Result<(), LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        if ctx.at_crease(&n.batter) {
            return Err(LawViolation::InvalidEvent(
                "that batter is already at the crease",
            ));
        }
        if ctx.vacancies() == 0 {
            return Err(LawViolation::InvalidEvent("both batters are at the crease"));
        }
        self.check_incoming(ctx, &n.batter, "batter")?;
        let mut crease = ctx.crease.clone();
        if let Some(slot) = crease.iter_mut().find(|s| s.is_none()) {
            *slot = Some(n.batter.clone());
        }
        match crease {
            [Some(s), Some(ns)] => self.seat_batters(idx, &s, &ns),
            _ => {
                self.bring_in(idx, &n.batter);
                if let Some(ctx) = self.st.inns.get_mut(idx) {
                    ctx.crease = crease;
                }
            }
        }
        Ok(())
    }

    pub(super) fn apply_bowler_change(&mut self, b: &BowlerChange) -> Result<(), LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        let new_over = ctx.deliveries_in_over == 0;
        if new_over {
            self.check_new_over_bowler(ctx, &b.bowler)?;
        } else {
            if !self.eligible(ctx.bowl, &b.bowler) {
                return Err(LawViolation::NotInTeam {
                    field: "bowler",
                    name: b.bowler.clone(),
                    team: self.team_name(ctx.bowl),
                });
            }
            self.check_not_consecutive(ctx, &b.bowler)?;
        }
        let overruled = (self.overriding && new_over).then(|| b.bowler.clone());
        if let Some(ctx) = self.st.inns.get_mut(idx) {
            ctx.over_bowler = Some(b.bowler.clone());
            ctx.overruled_bowler = overruled;
        }
        Ok(())
    }

    pub(super) fn apply_revised_target(&mut self, r: &RevisedTarget) -> Result<(), LawViolation> {
        if self.live.status == MatchStatus::Finished {
            return Err(LawViolation::MatchOver);
        }
        if !self.setup.is_limited_overs() {
            return Err(LawViolation::InvalidEvent(
                "revised targets are for limited-overs matches",
            ));
        }
        if r.runs == 0 {
            return Err(LawViolation::InvalidEvent("a target is at least one run"));
        }
        let bpo = u32::from(self.setup.balls_per_over);
        let balls = match r.overs {
            Some(o) => Some(notation_to_balls(o, bpo).filter(|b| *b > 0).ok_or(
                LawViolation::InvalidEvent(
                    "overs must be in cricket notation, balls fewer than an over",
                ),
            )?),
            None => None,
        };
        let chase = self
            .st
            .inns
            .iter()
            .position(|c| !c.super_over && c.ordinal == 1);
        match chase {
            Some(idx) => {
                let ctx = self
                    .st
                    .inns
                    .get(idx)
                    .ok_or(LawViolation::NoInningsInProgress)?;
                if ctx.closed.is_some() {
                    return Err(LawViolation::InvalidEvent("the chase is over"));
                }
                let Some(ctx) = self.st.inns.get_mut(idx) else {
                    return Ok(());
                };
                ctx.target_override = Some(r.runs);
                if balls.is_some() {
                    ctx.max_balls = balls;
                    ctx.quota = self.setup.quota_for(balls);
                }
                ctx.revised = true;
                let runs = self.live.innings.get(idx).map_or(0, |i| i.runs);
                if runs >= r.runs {
                    // Set after play ended with the chasers past par: they win on runs.
                    self.close_innings(idx, Closed::Par);
                } else {
                    self.check_innings_end(idx);
                }
            }
            None => self.st.pending_revision = Some((r.runs, balls)),
        }
        Ok(())
    }

    pub(super) fn apply_penalty(&mut self, p: &PenaltyRuns) -> Result<(), LawViolation> {
        if self.live.status == MatchStatus::Finished {
            self.law(LawViolation::MatchOver)?;
        }
        let team = self.team_index(&p.team, "team")?;
        if p.runs > MAX_RUNS_PER_EVENT {
            return Err(LawViolation::RunsOutOfRange {
                runs: p.runs,
                max: MAX_RUNS_PER_EVENT,
            });
        }
        self.check_total_fits(p.runs)?;
        let open = self.open_innings().ok();
        let target = match open {
            Some(i) if self.st.inns.get(i).is_some_and(|c| c.bat == team) => Some(i),
            _ => self
                .st
                .inns
                .iter()
                .rposition(|c| c.bat == team && !c.super_over),
        };
        match target.and_then(|i| self.live.innings.get_mut(i).map(|inn| (i, inn))) {
            Some((i, inn)) => {
                // `check_total_fits` proved the match total, and so each part, fits.
                inn.runs += p.runs;
                inn.extras.penalty += p.runs;
                inn.extras.total += p.runs;
                if let Some(w) = inn.worm.last_mut() {
                    *w = inn.runs;
                }
                self.refresh_innings(i);
            }
            None => {
                if let Some(pending) = self.st.pending_penalty.get_mut(team) {
                    *pending += p.runs;
                }
            }
        }
        if let Some(i) = open {
            self.check_innings_end(i);
        }
        Ok(())
    }

    pub(super) fn apply_replacement(&mut self, r: &Replacement) -> Result<(), LawViolation> {
        if self.live.status == MatchStatus::Finished {
            self.law(LawViolation::MatchOver)?;
        }
        let team = self.team_index(&r.team, "team")?;
        if !self.eligible(team, &r.player_out) {
            return Err(LawViolation::NotInTeam {
                field: "player_out",
                name: r.player_out.clone(),
                team: r.team.clone(),
            });
        }
        if r.player_in == r.player_out || self.eligible(1 - team, &r.player_in) {
            return Err(LawViolation::InvalidEvent(
                "the replacement must be a new player for this side",
            ));
        }
        if let Some(roster) = self.st.rosters.get_mut(team) {
            if !roster.contains(&r.player_in) {
                roster.push(r.player_in.clone());
            }
        }
        if let Some(out) = self.st.replaced.get_mut(team) {
            out.retain(|p| *p != r.player_in);
            out.push(r.player_out.clone());
        }
        Ok(())
    }

    pub(super) fn apply_miscounted(&mut self, m: &MiscountedOver) -> Result<(), LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        let balls = u32::from(m.balls);
        if balls == 0 || balls < ctx.balls_in_over {
            return Err(LawViolation::InvalidEvent(
                "an over cannot end before the balls already bowled in it",
            ));
        }
        if balls == ctx.balls_in_over {
            self.end_over(idx);
            self.check_innings_end(idx);
        } else if let Some(ctx) = self.st.inns.get_mut(idx) {
            ctx.over_limit = balls;
        }
        Ok(())
    }

    /// The innings a late event (a retirement) belongs to: the one in progress or, when an
    /// override lets an event after the result stand, the last one played.
    fn innings_for_late_event(&self) -> Result<(usize, &InningsCtx), LawViolation> {
        match self.open_innings_ctx() {
            Err(LawViolation::NoInningsInProgress)
                if self.overriding && self.live.status == MatchStatus::Finished =>
            {
                let idx = self
                    .st
                    .inns
                    .len()
                    .checked_sub(1)
                    .ok_or(LawViolation::NoInningsInProgress)?;
                Ok((idx, self.innings_ctx(idx)?))
            }
            other => other,
        }
    }
}
