//! One innings of the file: read once into [`RawInnings`], then turned into events, with what
//! the deliveries leave implicit made explicit (a bowler finishing another's over, an over of
//! more or fewer balls, a batter retiring between balls, a target revised by rain).

use serde_json::Value;

use super::delivery::{delivery, is_legal};
use super::fields::{array, count, opt_text, shape, text};
use super::CricsheetError;
use crate::event::{
    BowlerChange, DismissalKind, Forfeit, InningsStart, MatchEvent, MiscountedOver, PenaltyRuns,
    ReducedOvers, Replacement, Retirement, RetirementKind, RevisedTarget,
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
/// against a first innings of `first_runs`; `cut` is the overs an interruption cut this innings
/// to, when the file shows it ended short of its overs.
pub(super) fn push_events(
    inn: &RawInnings,
    setup: &MatchSetup,
    chase: bool,
    first_runs: u32,
    cut: Option<u16>,
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
    let pre = push_opening(inn, first, events)?;

    let mut revised_after = None;
    let mut revised_before_over = None;
    if chase {
        match revised_target(inn, setup, first_runs, pre)? {
            Some((event, Revision::AtStart)) => events.push(event),
            Some((event, Revision::BeforeOver(k))) => revised_before_over = Some((k, event)),
            Some((event, Revision::After)) => revised_after = Some(event),
            None => {}
        }
    }

    let retired_hurt = push_overs(
        inn,
        u32::from(setup.balls_per_over),
        revised_before_over,
        events,
    )?;
    push_left_not_out(inn, setup, retired_hurt, events);
    if let Some(overs) = cut {
        events.push(MatchEvent::ReducedOvers(ReducedOvers {
            overs: f64::from(overs),
        }));
    }
    if let Some(e) = revised_after {
        events.push(e);
    }
    let post = penalty_runs(inn, "post")?;
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

/// The innings' first events: players brought in on its first ball, its openers and bowler,
/// and penalty runs awarded before it; returns those penalty runs.
fn push_opening(
    inn: &RawInnings,
    first: &Value,
    events: &mut Vec<MatchEvent>,
) -> Result<u32, CricsheetError> {
    // A player brought in on the first ball (an impact player opening the batting or the
    // bowling) must be in the side before the innings names its openers.
    if let Some(r) = first.get("replacements") {
        push_match_replacements(r, events)?;
    }
    events.push(MatchEvent::InningsStart(InningsStart {
        batting_team: inn.team.clone(),
        striker: text(first, "batter")?,
        non_striker: text(first, "non_striker")?,
        bowler: text(first, "bowler")?,
        super_over: inn.super_over,
    }));
    let pre = penalty_runs(inn, "pre")?;
    if pre > 0 {
        events.push(MatchEvent::PenaltyRuns(PenaltyRuns {
            team: inn.team.clone(),
            runs: pre,
        }));
    }
    Ok(pre)
}

/// Penalty runs the file awards `when` ("pre" or "post") the innings.
fn penalty_runs(inn: &RawInnings, when: &str) -> Result<u32, CricsheetError> {
    let pen = inn
        .value
        .get("penalty_runs")
        .cloned()
        .unwrap_or(Value::Null);
    count(&pen, when)
}

/// Batters retired hurt who did not come back, when the innings ended for want of anyone
/// else: they are recorded as retired not out.
fn push_left_not_out(
    inn: &RawInnings,
    setup: &MatchSetup,
    retired_hurt: Vec<String>,
    events: &mut Vec<MatchEvent>,
) {
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
}

/// Where in the chase a revised target goes.
enum Revision {
    /// Before the first ball: set when the match was shortened before the chase began.
    AtStart,
    /// Before this over (an index into the innings' overs): rain stopped the chase, and the
    /// quota of the fewer overs shows bowlers had bowled more before it was set.
    BeforeOver(usize),
    /// After the last ball: a par score set when play stopped with the chasers already past it.
    After,
}

/// The chase's revised target, if it differs from the natural one, and where it goes: a target
/// the chasers were already past before their last ball is a par score set when play stopped,
/// not one they batted towards.
fn revised_target(
    inn: &RawInnings,
    setup: &MatchSetup,
    first_runs: u32,
    pre: u32,
) -> Result<Option<(MatchEvent, Revision)>, CricsheetError> {
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
    let bpo = u32::from(setup.balls_per_over.max(1));
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
    if passed_early {
        return Ok(Some((event, Revision::After)));
    }
    let balls = overs.and_then(|o| crate::engine::notation_to_balls(o, bpo));
    let quota = setup.quota_for(balls).unwrap_or(u32::MAX);
    let place = match last_over_past_quota(inn, quota) {
        None => Revision::AtStart,
        Some(k) if k + 1 < inn.overs.len() => Revision::BeforeOver(k + 1),
        Some(_) => Revision::After,
    };
    Ok(Some((event, place)))
}

/// The last over of the innings that a bowler began beyond `quota` overs.
fn last_over_past_quota(inn: &RawInnings, quota: u32) -> Option<usize> {
    let mut started: Vec<(String, u32)> = vec![];
    let mut last = None;
    for (k, over) in inn.overs.iter().enumerate() {
        let Some(bowler) = array(over, "deliveries")
            .first()
            .and_then(|d| opt_text(d, "bowler"))
        else {
            continue;
        };
        let n = match started.iter_mut().find(|(b, _)| *b == bowler) {
            Some(entry) => {
                entry.1 += 1;
                entry.1
            }
            None => {
                started.push((bowler, 1));
                1
            }
        };
        if n > quota {
            last = Some(k);
        }
    }
    last
}

/// Appends the balls of every over with the events between them; returns the batters retired
/// hurt and not yet back when the innings ended.
fn push_overs(
    inn: &RawInnings,
    bpo: u32,
    mut before_over: Option<(usize, MatchEvent)>,
    events: &mut Vec<MatchEvent>,
) -> Result<Vec<String>, CricsheetError> {
    let mut retired_hurt: Vec<String> = vec![];
    let last_over = inn.overs.len().saturating_sub(1);
    let mut first_ball = true;
    for (oi, over) in inn.overs.iter().enumerate() {
        if before_over.as_ref().is_some_and(|(k, _)| *k == oi) {
            if let Some((_, e)) = before_over.take() {
                events.push(e);
            }
        }
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
                if !first_ball {
                    push_match_replacements(r, events)?;
                }
                // A batter replaced in the `batter` role between balls has retired. A role
                // taken over with no `out` (a bowler finishing an injured team-mate's over)
                // needs no event: the delivery names its bowler.
                for role in array(r, "role") {
                    let Some(out) = opt_text(role, "out") else {
                        continue;
                    };
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
            first_ball = false;
        }
    }
    Ok(retired_hurt)
}

/// A `replacements.match` list: players brought into a side (concussion substitute, impact
/// player, supersub).
fn push_match_replacements(r: &Value, events: &mut Vec<MatchEvent>) -> Result<(), CricsheetError> {
    for m in array(r, "match") {
        events.push(MatchEvent::Replacement(Replacement {
            team: text(m, "team")?,
            player_in: text(m, "in")?,
            player_out: text(m, "out")?,
            reason: opt_text(m, "reason"),
        }));
    }
    Ok(())
}
