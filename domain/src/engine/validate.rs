//! The Laws a delivery must satisfy, checked before anything changes, so a refusal leaves the
//! match exactly as it was.

use super::state::{BatStatus, InningsCtx};
use super::Match;
use crate::event::Delivery;
use crate::law::LawViolation;
use crate::live::MatchStatus;

/// Runs the batters can make on one delivery by running, a boundary, or both: a 6, or three
/// run and an overthrow to the boundary. More has happened (overthrows of overthrows), so a
/// delivery past it is refused as a rule of play that the umpires' word can overrule.
pub const MAX_RUNS_MADE: u32 = 7;

/// Penalty runs one award brings (Law 41.1).
pub const PENALTY_AWARD: u32 = 5;

/// The most runs one event may carry whatever the umpires say: twice anything seen on a real
/// delivery, and a bound that keeps every total far from overflow.
pub const MAX_RUNS_PER_EVENT: u32 = 20;

/// What the checks learnt about a delivery that the commit needs.
#[derive(Debug)]
pub(super) struct BallPlan {
    pub idx: usize,
    pub wide: bool,
    pub noball: bool,
    pub new_over: bool,
    /// Runs charged to the bowler: off the bat, wides and no-balls.
    pub charged: u32,
    /// Runs the batters ran, whose oddness swaps their ends.
    pub ran: u32,
}

impl Match {
    /// The index of the innings in progress, or why there is none.
    pub(super) fn open_innings(&self) -> Result<usize, LawViolation> {
        if self.live.status == MatchStatus::Finished {
            self.law(LawViolation::MatchOver)?;
        }
        match self.st.inns.last() {
            Some(ctx) if ctx.closed.is_none() => Ok(self.st.inns.len() - 1),
            _ => Err(LawViolation::NoInningsInProgress),
        }
    }

    /// The innings in progress with its context.
    pub(super) fn open_innings_ctx(&self) -> Result<(usize, &InningsCtx), LawViolation> {
        let idx = self.open_innings()?;
        Ok((idx, self.innings_ctx(idx)?))
    }

    /// The context of innings `idx`, which the engine keeps beside every innings it opened.
    pub(super) fn innings_ctx(&self, idx: usize) -> Result<&InningsCtx, LawViolation> {
        self.st
            .inns
            .get(idx)
            .ok_or(LawViolation::NoInningsInProgress)
    }

    /// Whether `name` may play for team `team` now (named in the XI or brought in, not replaced).
    pub(super) fn eligible(&self, team: usize, name: &str) -> bool {
        self.st
            .rosters
            .get(team)
            .is_some_and(|r| r.iter().any(|p| p == name))
            && !self
                .st
                .replaced
                .get(team)
                .is_some_and(|r| r.iter().any(|p| p == name))
    }

    pub(super) fn team_name(&self, team: usize) -> String {
        self.setup
            .teams
            .get(team)
            .map(|t| t.name.clone())
            .unwrap_or_default()
    }

    /// A batter may come in: in the XI, and not dismissed in this innings.
    pub(super) fn check_incoming(
        &self,
        ctx: &InningsCtx,
        name: &str,
        field: &'static str,
    ) -> Result<(), LawViolation> {
        if !self.eligible(ctx.bat, name) {
            return Err(LawViolation::NotInTeam {
                field,
                name: name.to_string(),
                team: self.team_name(ctx.bat),
            });
        }
        let status = ctx.batters.get(name).and_then(|&i| ctx.status.get(i));
        if status == Some(&BatStatus::Out) {
            return Err(LawViolation::BatterAlreadyOut {
                field,
                name: name.to_string(),
            });
        }
        Ok(())
    }

    /// A bowler may begin an over: in the fielding XI, not the last over's bowler, within quota.
    pub(super) fn check_new_over_bowler(
        &self,
        ctx: &InningsCtx,
        name: &str,
    ) -> Result<(), LawViolation> {
        if !self.eligible(ctx.bowl, name) {
            return Err(LawViolation::NotInTeam {
                field: "bowler",
                name: name.to_string(),
                team: self.team_name(ctx.bowl),
            });
        }
        self.check_not_consecutive(ctx, name)?;
        if let Some(quota) = ctx.quota {
            let started = ctx
                .bowlers
                .get(name)
                .and_then(|&i| ctx.bowl_ctx.get(i))
                .map_or(0, |b| b.overs_started);
            if !ctx.super_over && started >= quota {
                self.law(LawViolation::OverQuotaExceeded {
                    name: name.to_string(),
                    quota: u16::try_from(quota).unwrap_or(u16::MAX),
                })?;
            }
        }
        Ok(())
    }

    /// A bowler may not bowl more overs in a row than the playing conditions allow (one).
    pub(super) fn check_not_consecutive(
        &self,
        ctx: &InningsCtx,
        name: &str,
    ) -> Result<(), LawViolation> {
        let in_a_row = u32::from(self.setup.max_consecutive_overs.max(1));
        if ctx.prev_over_bowlers.iter().any(|b| b == name) && ctx.streak >= in_a_row {
            self.law(LawViolation::ConsecutiveOvers {
                name: name.to_string(),
            })?;
        }
        Ok(())
    }

    /// The runs of each kind within what a delivery can bring under the Laws. A wide counts
    /// its one-run penalty on top; a no-ball its value, and runs that older scorebooks
    /// credited to the no-ball rather than as byes.
    fn check_runs_made(&self, d: &Delivery) -> Result<(), LawViolation> {
        let noball = u32::from(self.setup.noball_runs);
        let bounds = [
            (
                "runs.batter",
                "runs off the bat",
                d.runs.batter,
                MAX_RUNS_MADE,
            ),
            ("extras.byes", "byes", d.extras.byes, MAX_RUNS_MADE),
            (
                "extras.legbyes",
                "leg-byes",
                d.extras.legbyes,
                MAX_RUNS_MADE,
            ),
            ("extras.wides", "wides", d.extras.wides, 1 + MAX_RUNS_MADE),
            (
                "extras.noballs",
                "no-ball runs",
                d.extras.noballs,
                noball + MAX_RUNS_MADE,
            ),
            (
                "extras.penalty",
                "penalty runs",
                d.extras.penalty,
                PENALTY_AWARD,
            ),
        ];
        for (field, what, runs, max) in bounds {
            if runs > max {
                self.law(LawViolation::TooManyRuns {
                    field,
                    what,
                    runs,
                    max,
                })?;
            }
        }
        Ok(())
    }

    /// Refuses runs that would take the match total past `u32`: the match total bounds every
    /// runs figure (an innings, a team, a batter, a bowler, a partnership, an over), so once it
    /// fits, their sums cannot overflow.
    pub(super) fn check_total_fits(&self, runs: u32) -> Result<(), LawViolation> {
        self.live
            .innings
            .iter()
            .map(|i| i.runs)
            .chain(self.st.pending_penalty)
            .chain([runs])
            .try_fold(0u32, u32::checked_add)
            .map(|_| ())
            .ok_or(LawViolation::TotalOutOfRange)
    }

    pub(super) fn check_ball(&self, d: &Delivery) -> Result<BallPlan, LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        self.check_figures(d)?;
        let wide = d.extras.wides > 0;
        let noball = d.extras.noballs > 0;
        self.check_batters(ctx, d)?;
        let new_over = self.check_bowler(ctx, d)?;
        self.check_wickets(ctx, d, wide, noball)?;

        // Parts of the total, which is at most MAX_RUNS_PER_EVENT: no overflow.
        let charged = d.runs.batter + d.extras.wides + d.extras.noballs;
        let ran = if wide {
            d.extras.wides.saturating_sub(1)
        } else {
            d.runs.batter + d.extras.byes + d.extras.legbyes
        };
        Ok(BallPlan {
            idx,
            wide,
            noball,
            new_over,
            charged,
            ran,
        })
    }

    /// The delivery's runs and extras add up, fit the match total, and are ones a single
    /// delivery can bring.
    fn check_figures(&self, d: &Delivery) -> Result<(), LawViolation> {
        let extras_sum = d
            .extras
            .checked_total()
            .ok_or(LawViolation::ImpossibleExtras("extras overflow"))?;
        if d.runs.batter.checked_add(d.runs.extras) != Some(d.runs.total) {
            return Err(LawViolation::RunsMismatch {
                total: d.runs.total,
                batter: d.runs.batter,
                extras: d.runs.extras,
            });
        }
        if extras_sum != d.runs.extras {
            return Err(LawViolation::ImpossibleExtras(
                "runs.extras is not the sum of the extras by kind",
            ));
        }
        // Every figure of the delivery is part of its total, so this bounds them all.
        if d.runs.total > MAX_RUNS_PER_EVENT {
            return Err(LawViolation::RunsOutOfRange {
                runs: d.runs.total,
                max: MAX_RUNS_PER_EVENT,
            });
        }
        self.check_total_fits(d.runs.total)?;
        self.check_extras_combine(d)?;
        self.check_runs_made(d)?;
        let noball = d.extras.noballs > 0;
        if noball && d.extras.noballs < u32::from(self.setup.noball_runs) {
            self.law(LawViolation::NoBallValue {
                value: self.setup.noball_runs,
            })?;
        }
        Ok(())
    }

    /// Extras of kinds one delivery cannot bring together.
    fn check_extras_combine(&self, d: &Delivery) -> Result<(), LawViolation> {
        let wide = d.extras.wides > 0;
        if wide && d.extras.noballs > 0 {
            return Err(LawViolation::WideAndNoBall);
        }
        if wide && d.runs.batter > 0 {
            return Err(LawViolation::ImpossibleExtras(
                "a wide cannot score runs off the bat",
            ));
        }
        if wide && (d.extras.byes > 0 || d.extras.legbyes > 0) {
            return Err(LawViolation::ImpossibleExtras(
                "every run off a wide is a wide",
            ));
        }
        if d.extras.byes > 0 && d.extras.legbyes > 0 {
            return Err(LawViolation::ImpossibleExtras(
                "a delivery cannot give both byes and leg-byes",
            ));
        }
        Ok(())
    }

    /// The delivery's names are authoritative, within who can be at the crease.
    fn check_batters(&self, ctx: &InningsCtx, d: &Delivery) -> Result<(), LawViolation> {
        if d.batter == d.non_striker {
            return Err(LawViolation::SameBatters);
        }
        let mut newcomers = 0usize;
        for (name, field) in [(&d.batter, "batter"), (&d.non_striker, "non_striker")] {
            if !ctx.at_crease(name) {
                self.check_incoming(ctx, name, field)?;
                newcomers += 1;
                if newcomers > ctx.vacancies() {
                    return Err(LawViolation::BatterNotIn {
                        field,
                        name: name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A new over may be anyone allowed; mid-over only the over's bowler. True when the
    /// delivery begins an over.
    fn check_bowler(&self, ctx: &InningsCtx, d: &Delivery) -> Result<bool, LawViolation> {
        let new_over = ctx.deliveries_in_over == 0;
        if new_over {
            // A bowler the umpires allowed this over, on the change that named them, is not
            // refused again on its first ball: one decision, one override.
            let overruled = ctx.overruled_bowler.as_deref() == Some(d.bowler.as_str())
                && self.eligible(ctx.bowl, &d.bowler);
            if !overruled {
                self.check_new_over_bowler(ctx, &d.bowler)?;
            }
        } else if ctx.over_bowler.as_deref() != Some(d.bowler.as_str()) {
            return Err(LawViolation::BowlerChangedMidOver {
                name: ctx.over_bowler.clone().unwrap_or_default(),
            });
        }
        Ok(new_over)
    }
}
