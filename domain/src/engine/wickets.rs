//! The modes of dismissal a delivery allows: a wide or a no-ball rules some out, a free hit
//! more, and only a batter yet to come in can be timed out.

use super::state::InningsCtx;
use super::Match;
use crate::event::{Delivery, DismissalKind};
use crate::law::LawViolation;

pub(super) fn kind_name(kind: DismissalKind) -> &'static str {
    match kind {
        DismissalKind::Bowled => "bowled",
        DismissalKind::Caught => "caught",
        DismissalKind::CaughtAndBowled => "caught and bowled",
        DismissalKind::Lbw => "lbw",
        DismissalKind::Stumped => "stumped",
        DismissalKind::RunOut => "run out",
        DismissalKind::HitWicket => "hit wicket",
        DismissalKind::HitTheBallTwice => "hit the ball twice",
        DismissalKind::HandledTheBall => "handled the ball",
        DismissalKind::ObstructingTheField => "obstructing the field",
        DismissalKind::TimedOut => "timed out",
        DismissalKind::RetiredHurt => "retired hurt",
        DismissalKind::RetiredOut => "retired out",
        DismissalKind::RetiredNotOut => "retired not out",
    }
}

/// Not a mode of dismissal by the ball: possible whatever the delivery was.
fn off_the_ball(kind: DismissalKind) -> bool {
    matches!(
        kind,
        DismissalKind::TimedOut
            | DismissalKind::RetiredHurt
            | DismissalKind::RetiredOut
            | DismissalKind::RetiredNotOut
    )
}

/// The modes possible off a no-ball, and so on a free hit (Law 21.18).
fn noball_possible(kind: DismissalKind) -> bool {
    off_the_ball(kind)
        || matches!(
            kind,
            DismissalKind::RunOut
                | DismissalKind::ObstructingTheField
                | DismissalKind::HitTheBallTwice
                | DismissalKind::HandledTheBall
        )
}

/// The modes possible off a wide (Law 22.7); stumped needs no contact with the bat.
fn wide_possible(kind: DismissalKind) -> bool {
    off_the_ball(kind)
        || matches!(
            kind,
            DismissalKind::Stumped
                | DismissalKind::RunOut
                | DismissalKind::HitWicket
                | DismissalKind::ObstructingTheField
                | DismissalKind::HandledTheBall
        )
}

impl Match {
    /// At most two wickets, of two batters, each by a mode this delivery allows.
    pub(super) fn check_wickets(
        &self,
        ctx: &InningsCtx,
        d: &Delivery,
        wide: bool,
        noball: bool,
    ) -> Result<(), LawViolation> {
        if d.wickets.len() > 2 {
            return Err(LawViolation::TooManyWickets);
        }
        if let [a, b] = d.wickets.as_slice() {
            if a.player_out == b.player_out {
                return Err(LawViolation::TooManyWickets);
            }
        }
        for w in &d.wickets {
            let possible_here = if wide {
                wide_possible(w.kind)
            } else if noball {
                noball_possible(w.kind)
            } else {
                true
            };
            if !possible_here {
                self.law(LawViolation::DismissalNotPossible {
                    kind: kind_name(w.kind),
                    delivery: if wide { "wide" } else { "no-ball" },
                })?;
            }
            if ctx.free_hit && self.setup.free_hit.enforced() && !noball_possible(w.kind) {
                self.law(LawViolation::FreeHitDismissal)?;
            }
            if w.kind == DismissalKind::TimedOut {
                // The incoming batter, who never reached the crease in time.
                if w.player_out == d.batter
                    || w.player_out == d.non_striker
                    || ctx.at_crease(&w.player_out)
                {
                    return Err(LawViolation::InvalidEvent(
                        "only a batter yet to reach the crease can be timed out",
                    ));
                }
                self.check_incoming(ctx, &w.player_out, "wickets/player_out")?;
            } else if w.player_out != d.batter && w.player_out != d.non_striker {
                return Err(LawViolation::PlayerOutNotBatting {
                    name: w.player_out.clone(),
                });
            }
        }
        Ok(())
    }
}
