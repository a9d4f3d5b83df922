//! Targets, the end of innings and of the match, and the result in words ("won by 5 wickets
//! (3 balls left)", "won by an innings and 12 runs", "Match tied", "No result").

use super::state::{overs_text, per_over, Closed};
use super::Match;
use crate::event::{DeclaredOutcome, DeclaredResult};
use crate::law::LawViolation;
use crate::live::{Due, MatchStatus};

/// How a decided match was won, as Cricsheet's `outcome.by` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Margin {
    Runs(u32),
    Wickets(u32),
    /// Won by an innings and this many runs.
    InningsAndRuns(u32),
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Match {
    /// The runs the batting side of innings `idx` needs to win, when it is the last of its kind.
    pub(super) fn target_for(&self, idx: usize) -> Option<u32> {
        let ctx = self.st.inns.get(idx)?;
        if let Some(t) = ctx.target_override {
            return Some(t);
        }
        if ctx.super_over {
            if ctx.ordinal % 2 == 1 {
                let prev = self.live.innings.get(idx.checked_sub(1)?)?;
                return Some(prev.runs.saturating_add(1));
            }
            return None;
        }
        let per_side = usize::from(self.setup.innings_per_side.max(1));
        if ctx.ordinal.saturating_add(1) != per_side.saturating_mul(2) {
            return None;
        }
        let (mut theirs, mut ours) = (0u32, 0u32);
        for (c, inn) in self.st.inns.iter().zip(&self.live.innings).take(idx) {
            if c.super_over {
                continue;
            }
            if c.bat == ctx.bat {
                ours = ours.saturating_add(inn.runs);
            } else {
                theirs = theirs.saturating_add(inn.runs);
            }
        }
        Some(theirs.saturating_sub(ours).saturating_add(1))
    }

    pub(super) fn team_total(&self, team: usize) -> u32 {
        self.st
            .inns
            .iter()
            .zip(&self.live.innings)
            .filter(|(c, _)| c.bat == team && !c.super_over)
            .fold(0u32, |sum, (_, inn)| sum.saturating_add(inn.runs))
    }

    fn finish(&mut self, winner: Option<usize>, text: String) {
        self.st.margin = None;
        self.live.status = MatchStatus::Finished;
        self.live.winner = winner.map(|w| self.team_name(w));
        self.live.result = Some(text);
    }

    pub(super) fn close_innings(&mut self, idx: usize, reason: Closed) {
        let (Some(ctx), Some(inn)) = (self.st.inns.get_mut(idx), self.live.innings.get_mut(idx))
        else {
            return;
        };
        if ctx.closed.is_some() {
            return;
        }
        ctx.closed = Some(reason);
        inn.closed = true;
        self.live.status = MatchStatus::InningsBreak;
        if reason != Closed::Ended {
            self.decide(idx, reason);
        }
    }

    /// Whether the innings just closed decides the match, and how.
    fn decide(&mut self, idx: usize, reason: Closed) {
        let Some(ctx) = self.st.inns.get(idx) else {
            return;
        };
        let (bat, bowl, super_over, ordinal) = (ctx.bat, ctx.bowl, ctx.super_over, ctx.ordinal);
        let runs = self.live.innings.get(idx).map_or(0, |i| i.runs);
        if super_over {
            if ordinal % 2 == 0 {
                return;
            }
            let target = self.target_for(idx).unwrap_or(1);
            if runs >= target {
                self.finish(
                    Some(bat),
                    format!("Match tied, {} won the super over", self.team_name(bat)),
                );
            } else if runs.saturating_add(1) == target {
                self.st.tied = true;
                self.finish(None, "Match tied (super over tied)".into());
            } else {
                self.finish(
                    Some(bowl),
                    format!("Match tied, {} won the super over", self.team_name(bowl)),
                );
            }
            return;
        }
        let per_side = usize::from(self.setup.innings_per_side.max(1));
        if per_side >= 2 && ordinal == 2 {
            let (ours, theirs) = (self.team_total(bat), self.team_total(bowl));
            if ours < theirs {
                let text = format!(
                    "{} won by an innings and {}",
                    self.team_name(bowl),
                    plural(theirs - ours, "run", "runs")
                );
                self.finish(Some(bowl), text);
                self.st.margin = Some(Margin::InningsAndRuns(theirs - ours));
            }
            return;
        }
        if ordinal.saturating_add(1) != per_side.saturating_mul(2) {
            return;
        }
        self.decide_chase(idx, reason, runs);
    }

    fn decide_chase(&mut self, idx: usize, reason: Closed, runs: u32) {
        let bpo = u32::from(self.setup.balls_per_over);
        let Some(ctx) = self.st.inns.get(idx) else {
            return;
        };
        let (bat, bowl, revised) = (ctx.bat, ctx.bowl, ctx.revised);
        let wickets_left = ctx
            .max_wickets
            .saturating_sub(self.live.innings.get(idx).map_or(0, |i| i.wickets));
        let balls_left = ctx
            .max_balls
            .map(|m| m.saturating_sub(ctx.nominal_balls(bpo)));
        let target = self.target_for(idx).unwrap_or(1);
        let par = target.saturating_sub(1);
        let method = if revised { " (DLS method)" } else { "" };
        if runs >= target && reason == Closed::Par {
            let text = format!(
                "{} won by {}{method}",
                self.team_name(bat),
                plural(runs - par, "run", "runs")
            );
            self.finish(Some(bat), text);
            self.st.margin = Some(Margin::Runs(runs - par));
        } else if runs >= target {
            let left = match balls_left {
                Some(b) if b > 0 && self.setup.is_limited_overs() => {
                    format!(" ({} left)", plural(b, "ball", "balls"))
                }
                _ => String::new(),
            };
            let text = format!(
                "{} won by {}{left}{method}",
                self.team_name(bat),
                plural(wickets_left, "wicket", "wickets")
            );
            self.finish(Some(bat), text);
            self.st.margin = Some(Margin::Wickets(wickets_left));
        } else if runs == par {
            self.st.tied = true;
            self.finish(None, format!("Match tied{method}"));
        } else {
            let text = format!(
                "{} won by {}{method}",
                self.team_name(bowl),
                plural(par - runs, "run", "runs")
            );
            self.finish(Some(bowl), text);
            self.st.margin = Some(Margin::Runs(par - runs));
        }
    }

    pub(super) fn apply_result(&mut self, r: &DeclaredResult) -> Result<(), LawViolation> {
        let tie_break = r.outcome == DeclaredOutcome::TieBroken;
        if self.live.status == MatchStatus::Finished && !(self.st.tied && tie_break) {
            return Err(LawViolation::MatchOver);
        }
        let winner = match &r.winner {
            Some(w) => Some(self.team_index(w, "winner")?),
            None => None,
        };
        let needs_winner = matches!(
            r.outcome,
            DeclaredOutcome::Awarded | DeclaredOutcome::TieBroken
        );
        if needs_winner && winner.is_none() {
            return Err(LawViolation::InvalidEvent(
                "an award or a broken tie names the winner",
            ));
        }
        if !needs_winner && winner.is_some() {
            return Err(LawViolation::InvalidEvent(
                "a draw, no result or abandonment has no winner",
            ));
        }
        if let Some(idx) = self.st.inns.iter().position(|c| c.closed.is_none()) {
            self.close_innings(idx, Closed::Ended);
        }
        let name = winner.map(|w| self.team_name(w)).unwrap_or_default();
        let method = r.method.clone().unwrap_or_default();
        let m = method.to_lowercase();
        let text = match r.outcome {
            DeclaredOutcome::Draw => "Match drawn".to_string(),
            DeclaredOutcome::NoResult => "No result".to_string(),
            DeclaredOutcome::Abandoned => "Match abandoned".to_string(),
            DeclaredOutcome::Awarded => format!("{name} won (awarded)"),
            DeclaredOutcome::TieBroken if m.contains("bowl") => {
                format!("Match tied, {name} won the bowl-out")
            }
            DeclaredOutcome::TieBroken if m.contains("boundar") => {
                format!("Match tied, {name} won on boundary count")
            }
            DeclaredOutcome::TieBroken if m.contains("super") => {
                format!("Match tied, {name} won the super over")
            }
            DeclaredOutcome::TieBroken if m.is_empty() => format!("Match tied, {name} won"),
            DeclaredOutcome::TieBroken => format!("Match tied, {name} won ({method})"),
        };
        self.st.tied = false;
        self.finish(winner, text);
        Ok(())
    }

    /// The derived figures of one innings: rates, target, what is needed, projection.
    pub(super) fn refresh_innings(&mut self, idx: usize) {
        let bpo = u32::from(self.setup.balls_per_over).max(1);
        let target = self.target_for(idx);
        let (Some(ctx), Some(inn)) = (self.st.inns.get(idx), self.live.innings.get_mut(idx)) else {
            return;
        };
        inn.overs = overs_text(ctx.completed_overs, ctx.balls_in_over_shown(bpo));
        inn.run_rate = per_over(inn.runs, inn.balls, bpo);
        inn.target = target;
        inn.max_balls = ctx.max_balls;
        let remaining = ctx
            .max_balls
            .map(|m| m.saturating_sub(ctx.nominal_balls(bpo)));
        inn.balls_remaining = remaining;
        inn.runs_needed = target.map(|t| t.saturating_sub(inn.runs));
        inn.required_rate = match (inn.runs_needed, remaining) {
            (Some(n), Some(b)) if b > 0 && ctx.closed.is_none() => Some(per_over(n, b, bpo)),
            _ => None,
        };
        inn.projected = remaining.map(|b| {
            if ctx.closed.is_some() {
                inn.runs
            } else {
                let more = (inn.run_rate * f64::from(b) / f64::from(bpo)).round();
                // A rate of at most a few hundred times a bounded ball count: fits a u32.
                inn.runs.saturating_add(if more.is_finite() && more > 0.0 {
                    more as u32
                } else {
                    0
                })
            }
        });
    }

    /// Everything outside the cards: who is in, what is due, the one-line summary.
    pub(super) fn refresh(&mut self) {
        let last = self.st.inns.len().checked_sub(1);
        if let Some(idx) = last {
            self.refresh_innings(idx);
        }
        self.live.current_innings = last;
        let open = last
            .and_then(|i| self.st.inns.get(i))
            .filter(|c| c.closed.is_none());
        self.live.striker = open.and_then(|c| c.crease[0].clone());
        self.live.non_striker = open.and_then(|c| c.crease[1].clone());
        self.live.bowler = open.and_then(|c| c.over_bowler.clone());
        self.live.free_hit = open.is_some_and(|c| c.free_hit);

        let mut due = vec![];
        match (self.live.status, open) {
            (MatchStatus::Finished, _) => {}
            (_, Some(c)) => {
                if c.vacancies() > 0 {
                    due.push(Due::NewBatter);
                }
                if c.over_bowler.is_none() {
                    due.push(Due::NewBowler);
                }
            }
            (_, None) => {
                if self.live.toss.is_none() && self.st.inns.is_empty() {
                    due.push(Due::Toss);
                }
                let per_side = usize::from(self.setup.innings_per_side.max(1));
                let played = self.st.inns.iter().filter(|c| !c.super_over).count();
                if played < per_side.saturating_mul(2) || self.st.inns.iter().any(|c| c.super_over)
                {
                    due.push(Due::InningsStart);
                } else {
                    due.push(Due::Result);
                }
            }
        }
        self.live.due = due;
        self.live.summary = match &self.live.interruption {
            // A stoppage is the first thing a viewer of the list needs to know.
            Some(s) if self.live.status != MatchStatus::Finished => {
                format!("{} · {}", s.text, self.summary_line())
            }
            _ => self.summary_line(),
        };
    }

    fn summary_line(&self) -> String {
        if let (MatchStatus::Finished, Some(r)) = (self.live.status, &self.live.result) {
            return r.clone();
        }
        let Some(inn) = self
            .live
            .current_innings
            .and_then(|i| self.live.innings.get(i))
        else {
            return format!("{} v {}", self.live.teams[0], self.live.teams[1]);
        };
        let mut s = format!(
            "{} {}/{} ({} ov)",
            inn.team, inn.runs, inn.wickets, inn.overs
        );
        if inn.closed {
            s.push_str(" · innings break");
        } else if let Some(n) = inn.runs_needed {
            match inn.balls_remaining {
                Some(b) => s.push_str(&format!(" · need {n} from {}", plural(b, "ball", "balls"))),
                None => s.push_str(&format!(" · need {}", plural(n, "run", "runs"))),
            }
        } else if let Some(ctx) = self
            .st
            .inns
            .last()
            .filter(|c| !c.super_over && c.ordinal > 0)
        {
            // Mid-match in a multi-innings game, the lead is what a viewer wants next.
            let (ours, theirs) = (self.team_total(ctx.bat), self.team_total(ctx.bowl));
            if ours > theirs {
                s.push_str(&format!(
                    " · lead by {}",
                    plural(ours - theirs, "run", "runs")
                ));
            } else if ours < theirs {
                s.push_str(&format!(
                    " · trail by {}",
                    plural(theirs - ours, "run", "runs")
                ));
            } else {
                s.push_str(" · scores level");
            }
        }
        s
    }
}
