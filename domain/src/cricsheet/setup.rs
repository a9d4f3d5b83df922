//! The match setup a file implies: teams and their sheets, the format, balls per over, and the
//! overs per innings, shortened where the innings show that rain shortened the match.

use serde_json::Value;

use super::fields::{array, opt_text, shape};
use super::innings::RawInnings;
use super::CricsheetError;
use crate::setup::{MatchFormat, MatchSetup, TeamSheet};

/// The 2015 Laws change: a free hit after every no-ball in international limited-overs cricket.
const FREE_HIT_FROM: &str = "2015-07-05";

/// The setup of the match whose `info` this is; `multi_day` for a Test or other multi-day match.
pub(super) fn read_setup(
    info: &Value,
    match_type: &str,
    multi_day: bool,
    dates: &[String],
    innings: &[RawInnings],
) -> Result<MatchSetup, CricsheetError> {
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
    let teams = [sheet(a), sheet(b)];

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
    let mut s = MatchSetup::limited_overs(format, teams, shortened(overs, innings));
    s.balls_per_over = bpo;
    s.free_hit = dates.first().is_some_and(|d| d.as_str() >= FREE_HIT_FROM);
    Ok(s)
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

/// The overs per innings of a match shortened before or during the first innings: the first
/// innings, or the chase's target, shows it.
fn shortened(mut overs: u16, innings: &[RawInnings]) -> u16 {
    let regular: Vec<&RawInnings> = innings.iter().filter(|i| !i.super_over).collect();
    let Some(first) = regular.first() else {
        return overs;
    };
    let first_overs = u16::try_from(first.overs.len()).unwrap_or(u16::MAX);
    let target_overs = regular
        .get(1)
        .and_then(|i| i.value.get("target"))
        .and_then(|t| t.get("overs"))
        .and_then(Value::as_f64)
        .map(|o| o.ceil() as u16);
    let all_out = first.wickets >= 10;
    if regular.len() > 1 && !all_out && first_overs < overs {
        overs = first_overs;
    } else if let Some(t) = target_overs.filter(|t| *t < overs && first_overs <= *t) {
        overs = t;
    }
    overs
}
