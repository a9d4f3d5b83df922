//! Innings cut short: no batter left to come in (absent hurt, absent), and overs reduced by an
//! interruption, which shrinks the bowlers' quota with them.

use super::state::{notation_to_balls, BatStatus, Closed};
use super::Match;
use crate::event::{AbsentReason, NoFurtherBatter, ReducedOvers};
use crate::law::LawViolation;

impl Match {
    pub(super) fn apply_no_further_batter(
        &mut self,
        n: &NoFurtherBatter,
    ) -> Result<(), LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        if ctx.vacancies() == 0 {
            return Err(LawViolation::InvalidEvent(
                "both batters are at the crease: no batter is due",
            ));
        }
        for (i, name) in n.batters.iter().enumerate() {
            if !self.eligible(ctx.bat, name) {
                return Err(LawViolation::NotInTeam {
                    field: "batters",
                    name: name.clone(),
                    team: self.team_name(ctx.bat),
                });
            }
            if ctx.batters.contains_key(name) || n.batters[..i].contains(name) {
                return Err(LawViolation::InvalidEvent(
                    "an absent batter is one who has not batted in this innings",
                ));
            }
        }
        let text = match n.reason {
            AbsentReason::AbsentHurt => "absent hurt",
            AbsentReason::Absent => "absent",
        };
        for name in &n.batters {
            let Some(i) = self.batter_line(idx, name) else {
                continue;
            };
            if let Some(s) = self.st.inns.get_mut(idx).and_then(|c| c.status.get_mut(i)) {
                *s = BatStatus::Absent;
            }
            if let Some(line) = self
                .live
                .innings
                .get_mut(idx)
                .and_then(|inn| inn.batting.get_mut(i))
            {
                line.dismissal = text.into();
            }
        }
        self.close_innings(idx, Closed::AllOut);
        Ok(())
    }

    pub(super) fn apply_reduced_overs(&mut self, r: &ReducedOvers) -> Result<(), LawViolation> {
        let (idx, ctx) = self.open_innings_ctx()?;
        if !self.setup.is_limited_overs() || ctx.super_over {
            return Err(LawViolation::InvalidEvent(
                "overs are reduced only in a limited-overs innings",
            ));
        }
        let bpo = u32::from(self.setup.balls_per_over);
        let balls = notation_to_balls(r.overs, bpo).filter(|b| *b > 0).ok_or(
            LawViolation::InvalidEvent(
                "overs must be in cricket notation, balls fewer than an over",
            ),
        )?;
        if balls < ctx.nominal_balls(bpo) {
            return Err(LawViolation::InvalidEvent(
                "overs cannot be reduced below those already bowled",
            ));
        }
        if ctx.max_balls.is_some_and(|m| balls > m) {
            return Err(LawViolation::InvalidEvent(
                "a reduction cannot give an innings more overs than it had",
            ));
        }
        let quota = self.setup.quota_for(Some(balls));
        if let Some(ctx) = self.st.inns.get_mut(idx) {
            ctx.max_balls = Some(balls);
            ctx.quota = quota;
        }
        self.refresh_innings(idx);
        self.check_innings_end(idx);
        Ok(())
    }
}
