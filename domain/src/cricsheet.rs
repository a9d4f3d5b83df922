//! Cricsheet JSON (data_version 1.0.0 and 1.1.0) into a match setup and its events.
//!
//! Lenient on what it does not need (Cricsheet adds fields over time), strict on what it does:
//! a missing or mistyped field the engine depends on is a [`CricsheetError`], never a panic.
//! What the deliveries leave implicit becomes an explicit event: a bowler finishing another's
//! over ([`BowlerChange`]), an over of more or fewer balls ([`MiscountedOver`]), a batter retiring
//! between balls (a `role` replacement of a batter), a target revised by rain, and a result the
//! balls alone cannot give.

use serde_json::Value;

use crate::event::{
    BowlerChange, DeclaredOutcome, DeclaredResult, Delivery, DismissalKind, Extras, Fielder,
    Forfeit, InningsStart, MatchEvent, MiscountedOver, PenaltyRuns, Replacement, Retirement,
    RetirementKind, RevisedTarget, Runs, Toss, TossDecision, Wicket,
};
use crate::setup::{MatchFormat, MatchSetup, TeamSheet};

/// A Cricsheet match as the engine needs it, plus the facts about it that fixtures need.
#[derive(Debug, Clone)]
pub struct CricsheetMatch {
    pub setup: MatchSetup,
    /// Every event of the match in order, ready for [`crate::Match::apply`].
    pub events: Vec<MatchEvent>,
    pub info: MatchInfo,
}

/// Fixture facts: where and when, and the result as Cricsheet records it.
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    pub event_name: Option<String>,
    pub venue: Option<String>,
    pub city: Option<String>,
    pub dates: Vec<String>,
    pub gender: Option<String>,
    pub match_type: String,
    /// Cricsheet's `outcome` object, verbatim.
    pub outcome: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum CricsheetError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a Cricsheet match: {0}")]
    Shape(String),
}

fn shape(msg: impl Into<String>) -> CricsheetError {
    CricsheetError::Shape(msg.into())
}

fn text(v: &Value, key: &str) -> Result<String, CricsheetError> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| shape(format!("missing text field `{key}`")))
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn count(v: &Value, key: &str) -> Result<u32, CricsheetError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| shape(format!("`{key}` is not a count"))),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The 2015 Laws change: a free hit after every no-ball in international limited-overs cricket.
const FREE_HIT_FROM: &str = "2015-07-05";

fn delivery(d: &Value) -> Result<Delivery, CricsheetError> {
    let runs = d
        .get("runs")
        .ok_or_else(|| shape("delivery without runs"))?;
    let ex = d.get("extras").cloned().unwrap_or(Value::Null);
    let mut wickets = vec![];
    for w in array(d, "wickets") {
        let kind_text = text(w, "kind")?;
        let kind: DismissalKind = serde_json::from_value(Value::String(kind_text.clone()))
            .map_err(|_| shape(format!("unknown dismissal kind `{kind_text}`")))?;
        let fielders = array(w, "fielders")
            .iter()
            .map(|f| Fielder {
                name: opt_text(f, "name").unwrap_or_else(|| "unknown".into()),
                substitute: f
                    .get("substitute")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
            .collect();
        wickets.push(Wicket {
            kind,
            player_out: text(w, "player_out")?,
            fielders,
        });
    }
    Ok(Delivery {
        batter: text(d, "batter")?,
        non_striker: text(d, "non_striker")?,
        bowler: text(d, "bowler")?,
        runs: Runs {
            batter: count(runs, "batter")?,
            extras: count(runs, "extras")?,
            total: count(runs, "total")?,
        },
        extras: Extras {
            wides: count(&ex, "wides")?,
            noballs: count(&ex, "noballs")?,
            byes: count(&ex, "byes")?,
            legbyes: count(&ex, "legbyes")?,
            penalty: count(&ex, "penalty")?,
        },
        wickets,
        non_boundary: d
            .get("non_boundary")
            .is_some_and(|b| b.as_bool() != Some(false)),
        commentary: None,
    })
}

fn is_legal(d: &Value) -> bool {
    let ex = d.get("extras");
    !ex.is_some_and(|e| e.get("wides").is_some() || e.get("noballs").is_some())
}

/// One innings of the file, read once.
struct RawInnings<'a> {
    team: String,
    super_over: bool,
    overs: &'a [Value],
    runs: u32,
    wickets: u32,
    value: &'a Value,
}

fn read_innings(inn: &Value) -> Result<RawInnings<'_>, CricsheetError> {
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

pub fn parse(json: &str) -> Result<CricsheetMatch, CricsheetError> {
    let v: Value = serde_json::from_str(json)?;
    let info = v.get("info").ok_or_else(|| shape("no `info`"))?;
    let match_type = text(info, "match_type")?;
    let team_names: Vec<String> = array(info, "teams")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    let [a, b] = team_names.as_slice() else {
        return Err(shape("`info.teams` must name two teams"));
    };
    let innings: Vec<RawInnings> = array(&v, "innings")
        .iter()
        .map(read_innings)
        .collect::<Result<_, _>>()?;

    // Players brought in during the match join the sheet through a Replacement event.
    let mut brought_in: Vec<(String, String)> = vec![];
    for inn in &innings {
        for over in inn.overs {
            for d in array(over, "deliveries") {
                if let Some(r) = d.get("replacements") {
                    for m in array(r, "match") {
                        if let (Some(team), Some(p)) = (opt_text(m, "team"), opt_text(m, "in")) {
                            brought_in.push((team, p));
                        }
                    }
                }
            }
        }
    }
    let sheet = |name: &String| -> TeamSheet {
        let players = info
            .get("players")
            .and_then(|p| p.get(name))
            .and_then(Value::as_array)
            .map_or(vec![], |ps| {
                ps.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .filter(|p| !brought_in.iter().any(|(t, i)| t == name && i == p))
                    .collect()
            });
        TeamSheet {
            name: name.clone(),
            players,
        }
    };
    let teams = [sheet(a), sheet(b)];

    let bpo = match info.get("balls_per_over") {
        None => 6,
        Some(n) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| shape("bad balls_per_over"))?,
    };
    let bpo32 = u32::from(bpo);
    let dates: Vec<String> = array(info, "dates")
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    let multi_day = matches!(match_type.as_str(), "Test" | "MDM");
    let regular: Vec<&RawInnings> = innings.iter().filter(|i| !i.super_over).collect();
    let chase_target = regular.get(1).and_then(|i| i.value.get("target"));
    let setup = if multi_day {
        let mut s = MatchSetup::test(teams);
        s.format = if match_type == "Test" {
            MatchFormat::Test
        } else {
            MatchFormat::Other
        };
        s.balls_per_over = bpo;
        s
    } else {
        let (format, default_overs) = match match_type.as_str() {
            "ODI" => (MatchFormat::Odi, 50),
            "T20" => (MatchFormat::T20, 20),
            "ODM" => (MatchFormat::Other, 50),
            _ => (MatchFormat::Other, 20),
        };
        let mut overs = info
            .get("overs")
            .and_then(Value::as_u64)
            .and_then(|o| u16::try_from(o).ok())
            .unwrap_or(default_overs);
        // A match shortened before or during the first innings: the first innings shows it.
        if let Some(first) = regular.first() {
            let first_overs = u16::try_from(first.overs.len()).unwrap_or(u16::MAX);
            let target_overs = chase_target
                .and_then(|t| t.get("overs"))
                .and_then(Value::as_f64)
                .map(|o| o.ceil() as u16);
            let all_out = first.wickets >= 10;
            if regular.len() > 1 && !all_out && first_overs < overs {
                overs = first_overs;
            } else if let Some(t) = target_overs.filter(|t| *t < overs && first_overs <= *t) {
                overs = t;
            }
        }
        let mut s = MatchSetup::limited_overs(format, teams, overs);
        s.balls_per_over = bpo;
        s.free_hit = dates.first().is_some_and(|d| d.as_str() >= FREE_HIT_FROM);
        s
    };

    let mut events = vec![];
    if let Some(toss) = info.get("toss") {
        let decision = match opt_text(toss, "decision").as_deref() {
            Some("bat") => Some(TossDecision::Bat),
            Some("field") => Some(TossDecision::Field),
            _ => None,
        };
        if let (Some(winner), Some(decision)) = (opt_text(toss, "winner"), decision) {
            events.push(MatchEvent::Toss(Toss { winner, decision }));
        }
    }

    let mut regular_seen = 0usize;
    for inn in &innings {
        let chase = !multi_day && !inn.super_over && regular_seen == 1;
        if !inn.super_over {
            regular_seen += 1;
        }
        if inn.value.get("forfeited").and_then(Value::as_bool) == Some(true) {
            events.push(MatchEvent::Forfeit(Forfeit {
                team: inn.team.clone(),
            }));
            continue;
        }
        let Some(first) = inn.overs.iter().flat_map(|o| array(o, "deliveries")).next() else {
            continue;
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

        // A revised target goes before the chase, unless the chasers were already past it
        // before their last ball: then it is a par score set when play stopped.
        let mut revised_after = None;
        if chase {
            if let Some(t) = inn.value.get("target") {
                let runs = count(t, "runs")?;
                let overs = t.get("overs").and_then(Value::as_f64);
                let natural_runs = regular.first().map_or(0, |f| f.runs).saturating_add(1);
                let natural_overs = setup.overs_per_innings.map(f64::from);
                if runs > 0
                    && (runs != natural_runs || overs.is_some_and(|o| Some(o) != natural_overs))
                {
                    let event = MatchEvent::RevisedTarget(RevisedTarget { runs, overs });
                    let mut so_far = pre;
                    let all: Vec<&Value> = inn
                        .overs
                        .iter()
                        .flat_map(|o| array(o, "deliveries"))
                        .collect();
                    let mut passed_early = false;
                    for (i, d) in all.iter().enumerate() {
                        so_far = so_far
                            .saturating_add(d.get("runs").map_or(Ok(0), |r| count(r, "total"))?);
                        if so_far >= runs && i + 1 < all.len() {
                            passed_early = true;
                        }
                    }
                    if passed_early {
                        revised_after = Some(event);
                    } else {
                        events.push(event);
                    }
                }
            }
        }

        // Batters retired hurt and not yet back; if the innings ends with them needed, they
        // are recorded as not resuming (Law 25.4.2), which is what ends it.
        let mut retired_hurt: Vec<String> = vec![];
        let last_over = inn.overs.len().saturating_sub(1);
        for (oi, over) in inn.overs.iter().enumerate() {
            let deliveries = array(over, "deliveries");
            let legal = deliveries.iter().filter(|d| is_legal(d)).count();
            let legal = u32::try_from(legal).unwrap_or(u32::MAX);
            if legal > 0 && legal != bpo32 && (oi != last_over || legal > bpo32) {
                let balls =
                    u8::try_from(legal).map_err(|_| shape("an over of more than 255 balls"))?;
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
                match &over_bowler {
                    Some(b) if *b != ball.bowler => {
                        events.push(MatchEvent::BowlerChange(BowlerChange {
                            bowler: ball.bowler.clone(),
                        }));
                    }
                    _ => {}
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
    }

    let outcome = info.get("outcome").cloned().unwrap_or(Value::Null);
    if let Some(r) = declared_result(&outcome, &innings, bpo32) {
        events.push(MatchEvent::Result(r));
    }

    Ok(CricsheetMatch {
        setup,
        events,
        info: MatchInfo {
            event_name: info.get("event").and_then(|e| opt_text(e, "name")),
            venue: opt_text(info, "venue"),
            city: opt_text(info, "city"),
            dates,
            gender: opt_text(info, "gender"),
            match_type,
            outcome,
        },
    })
}

/// The result event for outcomes the balls cannot decide; `None` when the balls do.
fn declared_result(outcome: &Value, innings: &[RawInnings], _bpo: u32) -> Option<DeclaredResult> {
    let result = opt_text(outcome, "result");
    let method = opt_text(outcome, "method");
    let winner = opt_text(outcome, "winner");
    let simple = |o| DeclaredResult {
        outcome: o,
        winner: None,
        method: None,
    };
    match result.as_deref() {
        Some("draw") => return Some(simple(DeclaredOutcome::Draw)),
        Some("no result") => return Some(simple(DeclaredOutcome::NoResult)),
        Some("abandoned") => return Some(simple(DeclaredOutcome::Abandoned)),
        _ => {}
    }
    if method
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("awarded"))
    {
        return Some(DeclaredResult {
            outcome: DeclaredOutcome::Awarded,
            winner,
            method,
        });
    }
    if result.as_deref() == Some("tie") {
        if let Some(w) = opt_text(outcome, "bowl_out") {
            return Some(DeclaredResult {
                outcome: DeclaredOutcome::TieBroken,
                winner: Some(w),
                method: Some("bowl-out".into()),
            });
        }
        let eliminator = opt_text(outcome, "eliminator")?;
        let supers: Vec<&RawInnings> = innings.iter().filter(|i| i.super_over).collect();
        let last_pair_tied = match supers.as_slice() {
            [.., x, y] if supers.len().is_multiple_of(2) => x.runs == y.runs,
            _ => true,
        };
        if last_pair_tied {
            return Some(DeclaredResult {
                outcome: DeclaredOutcome::TieBroken,
                winner: Some(eliminator),
                method: Some(
                    if supers.is_empty() {
                        "eliminator"
                    } else {
                        "boundary count"
                    }
                    .into(),
                ),
            });
        }
    }
    None
}
