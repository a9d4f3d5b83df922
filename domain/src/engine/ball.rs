//! A checked delivery applied to the cards, incrementally: only the lines it touches change.

use super::commentary;
use super::state::{
    bowler_overs_text, overs_text, per_over, round2, BatStatus, BowlerCtx, InningsCtx,
};
use super::validate::BallPlan;
use super::Match;
use crate::event::{Delivery, DismissalKind};
use crate::live::{
    BattingLine, BowlingLine, CommentaryLine, FallOfWicket, InningsState, Partnership,
    COMMENTARY_KEPT,
};

impl Match {
    /// The card line of a batter, created (in batting order) on first appearance.
    pub(super) fn batter_line(&mut self, idx: usize, name: &str) -> Option<usize> {
        let ctx = self.st.inns.get_mut(idx)?;
        let inn = self.live.innings.get_mut(idx)?;
        if let Some(&i) = ctx.batters.get(name) {
            return Some(i);
        }
        let i = inn.batting.len();
        inn.batting.push(BattingLine {
            name: name.to_string(),
            runs: 0,
            balls: 0,
            fours: 0,
            sixes: 0,
            strike_rate: 0.0,
            dismissal: "not out".into(),
            out: false,
        });
        ctx.status.push(BatStatus::In);
        ctx.batters.insert(name.to_string(), i);
        Some(i)
    }

    pub(super) fn bowler_line(&mut self, idx: usize, name: &str) -> Option<usize> {
        let ctx = self.st.inns.get_mut(idx)?;
        let inn = self.live.innings.get_mut(idx)?;
        if let Some(&i) = ctx.bowlers.get(name) {
            return Some(i);
        }
        let i = inn.bowling.len();
        inn.bowling.push(BowlingLine {
            name: name.to_string(),
            balls: 0,
            overs: "0.0".into(),
            maidens: 0,
            runs: 0,
            wickets: 0,
            economy: 0.0,
            wides: 0,
            noballs: 0,
            dots: 0,
        });
        ctx.bowl_ctx.push(BowlerCtx::default());
        ctx.bowlers.insert(name.to_string(), i);
        Some(i)
    }

    /// A batter coming in: a card line, and a retired batter resuming goes back to "not out".
    pub(super) fn bring_in(&mut self, idx: usize, name: &str) {
        let Some(i) = self.batter_line(idx, name) else {
            return;
        };
        let Some(status) = self.st.inns.get_mut(idx).and_then(|c| c.status.get_mut(i)) else {
            return;
        };
        if *status != BatStatus::In {
            *status = BatStatus::In;
            if let Some(line) = self
                .live
                .innings
                .get_mut(idx)
                .and_then(|n| n.batting.get_mut(i))
            {
                line.dismissal = "not out".into();
                line.out = false;
            }
        }
    }

    /// Puts the named pair at the crease (filling vacancies) and opens a partnership if new.
    pub(super) fn seat_batters(&mut self, idx: usize, striker: &str, non_striker: &str) {
        self.bring_in(idx, striker);
        self.bring_in(idx, non_striker);
        let (Some(ctx), Some(inn)) = (self.st.inns.get_mut(idx), self.live.innings.get_mut(idx))
        else {
            return;
        };
        ctx.crease = [Some(striker.to_string()), Some(non_striker.to_string())];
        let same = inn.partnerships.last().is_some_and(|p| {
            (p.batters[0] == striker && p.batters[1] == non_striker)
                || (p.batters[1] == striker && p.batters[0] == non_striker)
        });
        if !same {
            inn.partnerships.push(Partnership {
                wicket: inn.wickets.saturating_add(1),
                batters: [striker.to_string(), non_striker.to_string()],
                runs: 0,
                balls: 0,
            });
        }
    }

    /// Records a batter leaving: card text, wicket count, fall of wicket, vacancy.
    pub(super) fn dismiss(&mut self, idx: usize, name: &str, kind: DismissalKind, text: String) {
        let Some(i) = self.batter_line(idx, name) else {
            return;
        };
        let bpo = u32::from(self.setup.balls_per_over);
        let (Some(ctx), Some(inn)) = (self.st.inns.get_mut(idx), self.live.innings.get_mut(idx))
        else {
            return;
        };
        let status = match kind {
            DismissalKind::RetiredHurt => BatStatus::RetiredHurt,
            DismissalKind::RetiredNotOut => BatStatus::RetiredNotOut,
            _ => BatStatus::Out,
        };
        if let Some(s) = ctx.status.get_mut(i) {
            *s = status;
        }
        if let Some(line) = inn.batting.get_mut(i) {
            line.dismissal = text;
            line.out = kind.counts_as_wicket();
        }
        for slot in ctx.crease.iter_mut() {
            if slot.as_deref() == Some(name) {
                *slot = None;
            }
        }
        if kind.counts_as_wicket() {
            inn.wickets = inn.wickets.saturating_add(1);
            inn.fall_of_wickets.push(FallOfWicket {
                wicket: inn.wickets,
                runs: inn.runs,
                batter: name.to_string(),
                overs: overs_text(ctx.completed_overs, ctx.balls_in_over_shown(bpo)),
            });
        }
    }

    pub(super) fn commit_ball(&mut self, plan: BallPlan, d: &Delivery) {
        let idx = plan.idx;
        let legal = !plan.wide && !plan.noball;
        let free_hit_rule = self.setup.free_hit.shown();

        self.seat_batters(idx, &d.batter, &d.non_striker);
        let bat_i = self.batter_line(idx, &d.batter);
        let bowl_i = self.bowler_line(idx, &d.bowler);
        let (Some(bat_i), Some(bowl_i)) = (bat_i, bowl_i) else {
            return;
        };
        self.count_ball(&plan, d, bat_i, bowl_i);

        for w in &d.wickets {
            if w.kind == DismissalKind::TimedOut {
                // Never faced: appears on the card with nothing but the dismissal.
                let _ = self.batter_line(idx, &w.player_out);
            }
            let text = commentary::dismissal_text(w, &d.bowler);
            self.dismiss(idx, &w.player_out, w.kind, text);
        }

        let Some(ctx) = self.st.inns.get_mut(idx) else {
            return;
        };
        if plan.ran % 2 == 1 {
            ctx.crease.swap(0, 1);
        }
        ctx.free_hit = free_hit_rule && (plan.noball || (ctx.free_hit && plan.wide));
        self.refresh_bowler_overs(idx, bowl_i);
        if legal {
            let ended = self
                .st
                .inns
                .get(idx)
                .is_some_and(|c| c.balls_in_over >= c.over_limit);
            if ended {
                self.end_over(idx);
            }
        }
    }

    /// The delivery on the cards: the over, the runs, the batter's and the bowler's lines and
    /// the commentary.
    fn count_ball(&mut self, plan: &BallPlan, d: &Delivery, bat_i: usize, bowl_i: usize) {
        let bpo = u32::from(self.setup.balls_per_over).max(1);
        let legal = !plan.wide && !plan.noball;
        let (Some(ctx), Some(inn)) = (
            self.st.inns.get_mut(plan.idx),
            self.live.innings.get_mut(plan.idx),
        ) else {
            return;
        };
        if plan.new_over {
            open_over(ctx, inn, &d.bowler, bowl_i);
        }
        ctx.deliveries_in_over = ctx.deliveries_in_over.saturating_add(1);
        match ctx.over_bowlers.iter_mut().find(|(n, _)| *n == d.bowler) {
            Some(entry) => entry.1 = entry.1.saturating_add(u32::from(legal)),
            None => ctx.over_bowlers.push((d.bowler.clone(), u32::from(legal))),
        }
        ctx.over_charged += plan.charged;
        let ball_label = overs_text(ctx.completed_overs, ctx.deliveries_in_over);
        add_runs(ctx, inn, d, legal);
        if let Some(line) = inn.batting.get_mut(bat_i) {
            credit_batter(line, d, plan.wide);
        }
        if let Some(line) = inn.bowling.get_mut(bowl_i) {
            charge_bowler(line, d, plan, bpo);
        }

        inn.this_over.push(commentary::chip(d));
        let text = d
            .commentary
            .clone()
            .unwrap_or_else(|| commentary::generate(d));
        self.live.commentary.push(CommentaryLine {
            innings: inn.number,
            ball: ball_label,
            text,
        });
        if self.live.commentary.len() > COMMENTARY_KEPT {
            let extra = self.live.commentary.len() - COMMENTARY_KEPT;
            self.live.commentary.drain(..extra);
        }
    }

    fn refresh_bowler_overs(&mut self, idx: usize, bowl_i: usize) {
        let bpo = u32::from(self.setup.balls_per_over);
        let (Some(ctx), Some(inn)) = (self.st.inns.get(idx), self.live.innings.get_mut(idx)) else {
            return;
        };
        let (Some(b), Some(line)) = (ctx.bowl_ctx.get(bowl_i), inn.bowling.get_mut(bowl_i)) else {
            return;
        };
        let in_over = ctx
            .over_bowlers
            .iter()
            .find(|(n, _)| *n == line.name)
            .map_or(0, |(_, balls)| *balls);
        line.overs = bowler_overs_text(b.full_overs, b.spare_balls.saturating_add(in_over), bpo);
    }

    /// Closes the over: maidens, bowlers' overs, the change of ends.
    pub(super) fn end_over(&mut self, idx: usize) {
        let Some(ctx) = self.st.inns.get_mut(idx) else {
            return;
        };
        let bowlers = std::mem::take(&mut ctx.over_bowlers);
        let alone = bowlers.len() == 1;
        let maiden = alone && ctx.over_charged == 0;
        let mut lines = Vec::with_capacity(bowlers.len());
        for (name, balls) in &bowlers {
            if let Some(&i) = ctx.bowlers.get(name) {
                if let Some(b) = ctx.bowl_ctx.get_mut(i) {
                    if alone {
                        b.full_overs = b.full_overs.saturating_add(1);
                    } else {
                        b.spare_balls = b.spare_balls.saturating_add(*balls);
                    }
                }
                lines.push(i);
            }
        }
        let names: Vec<String> = bowlers.into_iter().map(|(n, _)| n).collect();
        // One bowler again, alone in both overs: the run of overs in a row goes on.
        let again = alone && ctx.prev_over_bowlers.len() == 1 && ctx.prev_over_bowlers == names;
        ctx.streak = if again {
            ctx.streak.saturating_add(1)
        } else {
            1
        };
        ctx.prev_over_bowlers = names;
        ctx.completed_overs = ctx.completed_overs.saturating_add(1);
        ctx.balls_in_over = 0;
        ctx.deliveries_in_over = 0;
        ctx.over_limit = u32::from(self.setup.balls_per_over);
        ctx.over_bowler = None;
        ctx.over_charged = 0;
        ctx.crease.swap(0, 1);
        if maiden {
            if let (Some(&i), Some(inn)) = (lines.first(), self.live.innings.get_mut(idx)) {
                if let Some(line) = inn.bowling.get_mut(i) {
                    line.maidens = line.maidens.saturating_add(1);
                }
            }
        }
        for i in lines {
            self.refresh_bowler_overs(idx, i);
        }
    }
}

/// An over's first delivery: its bowler, and fresh over figures.
fn open_over(ctx: &mut InningsCtx, inn: &mut InningsState, bowler: &str, bowl_i: usize) {
    ctx.over_bowler = Some(bowler.to_owned());
    ctx.overruled_bowler = None;
    ctx.over_bowlers.clear();
    ctx.over_charged = 0;
    if let Some(b) = ctx.bowl_ctx.get_mut(bowl_i) {
        b.overs_started = b.overs_started.saturating_add(1);
    }
    inn.this_over.clear();
    inn.over_runs.push(0);
    inn.worm.push(inn.runs);
}

/// The delivery's runs on the innings' totals: extras, balls, the over, the worm, the
/// partnership.
fn add_runs(ctx: &mut InningsCtx, inn: &mut InningsState, d: &Delivery, legal: bool) {
    // Runs: `check_ball` proved the match total fits, and each figure is part of it.
    inn.runs += d.runs.total;
    let e = &mut inn.extras;
    e.wides += d.extras.wides;
    e.noballs += d.extras.noballs;
    e.byes += d.extras.byes;
    e.legbyes += d.extras.legbyes;
    e.penalty += d.extras.penalty;
    e.total += d.runs.extras;
    if legal {
        inn.balls = inn.balls.saturating_add(1);
        ctx.balls_in_over = ctx.balls_in_over.saturating_add(1);
    }
    if let Some(r) = inn.over_runs.last_mut() {
        *r += d.runs.total;
    }
    if let Some(w) = inn.worm.last_mut() {
        *w = inn.runs;
    }
    if let Some(p) = inn.partnerships.last_mut() {
        p.runs += d.runs.total;
        p.balls = p.balls.saturating_add(u32::from(legal));
    }
}

fn credit_batter(line: &mut BattingLine, d: &Delivery, wide: bool) {
    line.runs += d.runs.batter;
    if !wide {
        line.balls = line.balls.saturating_add(1);
    }
    if !d.non_boundary {
        match d.runs.batter {
            4 => line.fours = line.fours.saturating_add(1),
            6 => line.sixes = line.sixes.saturating_add(1),
            _ => {}
        }
    }
    line.strike_rate = if line.balls == 0 {
        0.0
    } else {
        round2(f64::from(line.runs) * 100.0 / f64::from(line.balls))
    };
}

fn charge_bowler(line: &mut BowlingLine, d: &Delivery, plan: &BallPlan, bpo: u32) {
    let legal = !plan.wide && !plan.noball;
    line.runs += plan.charged;
    line.wides = line.wides.saturating_add(u32::from(plan.wide));
    line.noballs = line.noballs.saturating_add(u32::from(plan.noball));
    if legal {
        line.balls = line.balls.saturating_add(1);
        if plan.charged == 0 {
            line.dots = line.dots.saturating_add(1);
        }
    }
    line.wickets = line.wickets.saturating_add(
        d.wickets
            .iter()
            .filter(|w| w.kind.credited_to_bowler())
            .count() as u32,
    );
    line.economy = per_over(line.runs, line.balls, bpo);
}
