//! The match setup a file implies: teams and their sheets, the format, balls per over, the
//! overs per innings (shortened where the innings show that rain shortened the match before
//! it began), and the playing conditions of its competition and era, which Cricsheet does not
//! record.

use serde_json::Value;

use super::fields::{array, opt_text, shape};
use super::innings::RawInnings;
use super::CricsheetError;
use crate::setup::{FreeHits, MatchFormat, MatchSetup, TeamSheet};

/// The 2015 playing conditions: a free hit after every no-ball in limited-overs cricket.
const FREE_HIT_FROM: &str = "2015-07-05";

/// Free hits after front-foot no-balls, in limited-overs cricket from the 2007 World Twenty20.
const FRONT_FOOT_FREE_HIT_FROM: &str = "2007-09-01";

/// English men's domestic limited-overs competitions: a no-ball is worth two runs, and the
/// files show bowler-credited dismissals on the ball after a no-ball, so free hits there are
/// taken to follow front-foot no-balls only.
const ENGLISH_DOMESTIC: [&str; 3] = ["T20 Blast", "Vitality Blast", "One-Day Cup"];

/// The Hundred: a bowler may bowl two sets of five in a row.
const THE_HUNDRED: &str = "The Hundred";

/// The setup of the match whose `info` this is; `multi_day` for a Test or other multi-day match.
pub(super) fn read_setup(
    info: &Value,
    match_type: &str,
    multi_day: bool,
    dates: &[String],
    innings: &[RawInnings],
) -> Result<MatchSetup, CricsheetError> {
    let teams = team_sheets(info, innings)?;

    let bpo = match info.get("balls_per_over") {
        None => 6,
        Some(n) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| shape("bad balls_per_over"))?,
    };
    if multi_day {
        let mut s = MatchSetup::test(teams);
        s.format = if match_type == "Test" {
            MatchFormat::Test
        } else {
            MatchFormat::Other
        };
        s.balls_per_over = bpo;
        return Ok(s);
    }
    let (format, default_overs) = match match_type {
        "ODI" => (MatchFormat::Odi, 50),
        "T20" => (MatchFormat::T20, 20),
        "ODM" => (MatchFormat::Other, 50),
        _ => (MatchFormat::Other, 20),
    };
    let overs = info
        .get("overs")
        .and_then(Value::as_u64)
        .and_then(|o| u16::try_from(o).ok())
        .unwrap_or(default_overs);
    let mut s = MatchSetup::limited_overs(format, teams, overs);
    s.balls_per_over = bpo;
    limited_overs_conditions(&mut s, info, dates);
    if let Some(before) = cut_before_play(&s, innings) {
        s = MatchSetup {
            overs_per_innings: Some(before),
            bowler_quota_overs: s
                .quota_for(Some(u32::from(before) * u32::from(bpo)))
                .and_then(|q| u16::try_from(q).ok()),
            ..s
        };
    }
    Ok(s)
}

/// Each team's sheet: the players the file lists for it, less those brought in later.
fn team_sheets(info: &Value, innings: &[RawInnings]) -> Result<[TeamSheet; 2], CricsheetError> {
    let team_names: Vec<String> = array(info, "teams")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    let [a, b] = team_names.as_slice() else {
        return Err(shape("`info.teams` must name two teams"));
    };
    let brought_in = brought_in(innings);
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
    Ok([sheet(a), sheet(b)])
}

/// The playing conditions of a limited-overs match's era and competition: free hits, the
/// no-ball's value, overs in a row.
fn limited_overs_conditions(s: &mut MatchSetup, info: &Value, dates: &[String]) {
    let date = dates.first().map_or("", String::as_str);
    s.free_hit = if date >= FREE_HIT_FROM {
        FreeHits::All
    } else if date >= FRONT_FOOT_FREE_HIT_FROM {
        FreeHits::FrontFoot
    } else {
        FreeHits::None
    };
    let competition = info
        .get("event")
        .and_then(|e| opt_text(e, "name"))
        .unwrap_or_default();
    if ENGLISH_DOMESTIC.iter().any(|c| competition.contains(c)) {
        s.noball_runs = 2;
        s.free_hit = FreeHits::FrontFoot;
    }
    if competition.contains(THE_HUNDRED) {
        s.max_consecutive_overs = 2;
    }
}

/// Players brought in during the match: they join the sheet through a Replacement event.
fn brought_in(innings: &[RawInnings]) -> Vec<(String, String)> {
    let mut brought_in = vec![];
    for inn in innings {
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
    brought_in
}

/// The overs the first innings shows it was cut to, when it ended short of its overs without
/// being all out and a second innings followed (not when the chase's target shows the first
/// innings had its full length).
pub(super) fn first_innings_cut(setup: &MatchSetup, innings: &[RawInnings]) -> Option<u16> {
    let overs = setup.overs_per_innings?;
    let regular: Vec<&RawInnings> = innings.iter().filter(|i| !i.super_over).collect();
    let (first, chase) = match regular.as_slice() {
        [first, chase, ..] => (first, chase),
        _ => return None,
    };
    let first_overs = u16::try_from(first.overs.len()).unwrap_or(u16::MAX);
    let target_overs = target_overs(chase);
    if first.wickets >= 10 || first_overs >= overs || target_overs == Some(overs) {
        return None;
    }
    Some(first_overs)
}

/// The overs per innings of a match shortened before play began: the first innings was cut to
/// fewer overs and every bowler kept to the smaller quota (else the cut came during the
/// innings, after some bowler had bowled more: [`first_innings_cut`] becomes an event then),
/// or the chase's target names fewer overs that the first innings did not exceed.
fn cut_before_play(setup: &MatchSetup, innings: &[RawInnings]) -> Option<u16> {
    let overs = setup.overs_per_innings?;
    let bpo = u32::from(setup.balls_per_over);
    if let Some(cut) = first_innings_cut(setup, innings) {
        let first = innings.iter().find(|i| !i.super_over)?;
        let quota = setup.quota_for(Some(u32::from(cut) * bpo))?;
        return (most_overs_by_one_bowler(first) <= quota).then_some(cut);
    }
    let regular: Vec<&RawInnings> = innings.iter().filter(|i| !i.super_over).collect();
    let first = regular.first()?;
    let first_overs = u16::try_from(first.overs.len()).unwrap_or(u16::MAX);
    let t = target_overs(regular.get(1)?)?;
    let quota = setup.quota_for(Some(u32::from(t) * bpo))?;
    (t < overs && first_overs <= t && most_overs_by_one_bowler(first) <= quota).then_some(t)
}

/// The chase's overs as its target gives them, rounded up to whole overs.
fn target_overs(chase: &RawInnings) -> Option<u16> {
    chase
        .value
        .get("target")
        .and_then(|t| t.get("overs"))
        .and_then(Value::as_f64)
        .map(|o| o.ceil() as u16)
}

/// The most overs any one bowler began in the innings.
fn most_overs_by_one_bowler(inn: &RawInnings) -> u32 {
    let mut started: Vec<(String, u32)> = vec![];
    for over in inn.overs {
        let Some(bowler) = array(over, "deliveries")
            .first()
            .and_then(|d| opt_text(d, "bowler"))
        else {
            continue;
        };
        match started.iter_mut().find(|(b, _)| *b == bowler) {
            Some(entry) => entry.1 += 1,
            None => started.push((bowler, 1)),
        }
    }
    started.into_iter().map(|(_, n)| n).max().unwrap_or(0)
}
