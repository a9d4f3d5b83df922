//! One innings of the file: read once into [`RawInnings`], then turned into events, with what
//! the deliveries leave implicit made explicit (a bowler finishing another's over, an over of
//! more or fewer balls, a batter retiring between balls, a target revised by rain).

use serde_json::Value;

use super::delivery::{delivery, is_legal};
use super::fields::{array, count, opt_text, shape, text};
use super::CricsheetError;
use crate::event::{
    BowlerChange, DismissalKind, Forfeit, InningsStart, MatchEvent, MiscountedOver, PenaltyRuns,
    Replacement, Retirement, RetirementKind, RevisedTarget,
};
use crate::setup::MatchSetup;

/// One innings of the file, read once.
pub(super) struct RawInnings<'a> {
    pub team: String,
    pub super_over: bool,
    pub overs: &'a [Value],
    /// Runs scored, penalty runs included.
    pub runs: u32,
    /// Wickets fallen (retirements are not wickets).
    pub wickets: u32,
    pub value: &'a Value,
}

pub(super) fn read_innings(inn: &Value) -> Result<RawInnings<'_>, CricsheetError> {
    let overs = array(inn, "overs");
    let mut runs = 0u32;
    let mut wickets = 0u32;
    for over in overs {
        for d in array(over, "deliveries") {
            let total = d.get("runs").map_or(Ok(0), |r| count(r, "total"))?;
            runs = runs.saturating_add(total);
            for w in array(d, "wickets") {
                let kind = opt_text(w, "kind").unwrap_or_default();
                if kind != "retired hurt" && kind != "retired not out" {
                    wickets = wickets.saturating_add(1);
                }
            }
        }
    }
    let pen = inn.get("penalty_runs").cloned().unwrap_or(Value::Null);
    runs = runs
        .saturating_add(count(&pen, "pre")?)
        .saturating_add(count(&pen, "post")?);
    Ok(RawInnings {
        team: text(inn, "team")?,
        super_over: inn
            .get("super_over")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        overs,
        runs,
        wickets,
        value: inn,
    })
}

/// Appends the events of `inn`. `chase` is the second innings of a limited-overs match, set
/// against a first innings of `first_runs`.
pub(super) fn push_events(
    inn: &RawInnings,
    setup: &MatchSetup,
    chase: bool,
    first_runs: u32,
    events: &mut Vec<MatchEvent>,
) -> Result<(), CricsheetError> {
    if inn.value.get("forfeited").and_then(Value::as_bool) == Some(true) {
        events.push(MatchEvent::Forfeit(Forfeit {
            team: inn.team.clone(),
        }));
        return Ok(());
    }
    let Some(first) = inn.overs.iter().flat_map(|o| array(o, "deliveries")).next() else {
        return Ok(());
    };
    events.push(MatchEvent::InningsStart(InningsStart {
        batting_team: inn.team.clone(),
        striker: text(first, "batter")?,
        non_striker: text(first, "non_striker")?,
        bowler: text(first, "bowler")?,
        super_over: inn.super_over,
    }));
    let pen = inn
        .value
        .get("penalty_runs")
        .cloned()
        .unwrap_or(Value::Null);
    let pre = count(&pen, "pre")?;
    if pre > 0 {
        events.push(MatchEvent::PenaltyRuns(PenaltyRuns {
            team: inn.team.clone(),
            runs: pre,
        }));
    }

    let mut revised_after = None;
    if chase {
        if let Some((event, after)) = revised_target(inn, setup, first_runs, pre)? {
            if after {
                revised_after = Some(event);
            } else {
                events.push(event);
            }
        }
    }

    let retired_hurt = push_overs(inn, u32::from(setup.balls_per_over), events)?;
    let xi = setup
        .teams
        .iter()
        .find(|t| t.name == inn.team)
        .map_or(11, |t| t.players.len().min(11));
    let gone = usize::try_from(inn.wickets).unwrap_or(usize::MAX);
    if !retired_hurt.is_empty() && gone.saturating_add(retired_hurt.len()) + 1 >= xi {
        for batter in retired_hurt {
            events.push(MatchEvent::Retirement(Retirement {
                batter,
                kind: RetirementKind::NotOut,
            }));
        }
    }
    if let Some(e) = revised_after {
        events.push(e);
    }
    let post = count(&pen, "post")?;
    if post > 0 {
        events.push(MatchEvent::PenaltyRuns(PenaltyRuns {
            team: inn.team.clone(),
            runs: post,
        }));
    }
    if inn.value.get("declared").and_then(Value::as_bool) == Some(true) {
        events.push(MatchEvent::Declaration);
    }
    Ok(())
}

/// The chase's revised target, if it differs from the natural one, and whether it goes after
/// the innings: a target the chasers were already past before their last ball is a par score
/// set when play stopped, not one they batted towards.
fn revised_target(
    inn: &RawInnings,
    setup: &MatchSetup,
    first_runs: u32,
    pre: u32,
) -> Result<Option<(MatchEvent, bool)>, CricsheetError> {
    let Some(t) = inn.value.get("target") else {
        return Ok(None);
    };
    let runs = count(t, "runs")?;
    let overs = t.get("overs").and_then(Value::as_f64);
    let natural_runs = first_runs.saturating_add(1);
    let natural_overs = setup.overs_per_innings.map(f64::from);
    if runs == 0 || (runs == natural_runs && overs.is_none_or(|o| Some(o) == natural_overs)) {
        return Ok(None);
    }
    let event = MatchEvent::RevisedTarget(RevisedTarget { runs, overs });
    let mut so_far = pre;
    let all: Vec<&Value> = inn
        .overs
        .iter()
        .flat_map(|o| array(o, "deliveries"))
        .collect();
    let mut passed_early = false;
    for (i, d) in all.iter().enumerate() {
        so_far = so_far.saturating_add(d.get("runs").map_or(Ok(0), |r| count(r, "total"))?);
        if so_far >= runs && i + 1 < all.len() {
            passed_early = true;
        }
    }
    Ok(Some((event, passed_early)))
}

/// Appends the balls of every over with the events between them; returns the batters retired
/// hurt and not yet back when the innings ended.
fn push_overs(
    inn: &RawInnings,
    bpo: u32,
    events: &mut Vec<MatchEvent>,
) -> Result<Vec<String>, CricsheetError> {
    let mut retired_hurt: Vec<String> = vec![];
    let last_over = inn.overs.len().saturating_sub(1);
    for (oi, over) in inn.overs.iter().enumerate() {
        let deliveries = array(over, "deliveries");
        let legal = deliveries.iter().filter(|d| is_legal(d)).count();
        let legal = u32::try_from(legal).unwrap_or(u32::MAX);
        if legal > 0 && legal != bpo && (oi != last_over || legal > bpo) {
            let balls = u8::try_from(legal).map_err(|_| shape("an over of more than 255 balls"))?;
            events.push(MatchEvent::MiscountedOver(MiscountedOver { balls }));
        }
        let mut over_bowler: Option<String> = None;
        for d in deliveries {
            let ball = delivery(d)?;
            if let Some(r) = d.get("replacements") {
                for m in array(r, "match") {
                    events.push(MatchEvent::Replacement(Replacement {
                        team: text(m, "team")?,
                        player_in: text(m, "in")?,
                        player_out: text(m, "out")?,
                        reason: opt_text(m, "reason"),
                    }));
                }
                // A batter replaced in the `batter` role between balls has retired.
                for role in array(r, "role") {
                    let out = text(role, "out")?;
                    let batter_role = opt_text(role, "role").as_deref() == Some("batter");
                    if batter_role && out != ball.batter && out != ball.non_striker {
                        retired_hurt.push(out.clone());
                        events.push(MatchEvent::Retirement(Retirement {
                            batter: out,
                            kind: RetirementKind::Hurt,
                        }));
                    }
                }
            }
            if over_bowler.as_ref().is_some_and(|b| *b != ball.bowler) {
                events.push(MatchEvent::BowlerChange(BowlerChange {
                    bowler: ball.bowler.clone(),
                }));
            }
            over_bowler = Some(ball.bowler.clone());
            retired_hurt.retain(|p| *p != ball.batter && *p != ball.non_striker);
            for w in &ball.wickets {
                if w.kind == DismissalKind::RetiredHurt {
                    retired_hurt.push(w.player_out.clone());
                }
            }
            events.push(MatchEvent::Ball(ball));
        }
    }
    Ok(retired_hurt)
}
