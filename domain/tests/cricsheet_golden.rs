//! Thirty real Cricsheet matches replayed through the importer and the engine: every innings
//! total matches the independently counted `expected_totals.json`, and every batter's and
//! bowler's figures match figures this test counts itself from the raw JSON.
//!
//! Maidens, as counted here and by the engine: a Cricsheet over is a maiden for its bowler when
//! that one bowler bowled every delivery of it, it conceded nothing to the bowler (bat + wides +
//! no-balls), and the over was completed — it reached the balls per over, or it is not the
//! innings' last over (a miscounted short over was still a whole over). The unfinished last
//! over of an innings is never a maiden.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crease_domain::cricsheet;
use crease_domain::live::InningsState;
use crease_domain::{Match, MatchEvent};
use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/cricsheet")
}

fn n(v: &Value, path: &[&str]) -> u32 {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_u64().unwrap_or(0) as u32
}

#[derive(Default, Debug, PartialEq)]
struct Bat {
    runs: u32,
    balls: u32,
    fours: u32,
    sixes: u32,
}

#[derive(Default, Debug, PartialEq)]
struct Bowl {
    runs: u32,
    wickets: u32,
    maidens: u32,
}

const CREDITED: [&str; 6] = [
    "bowled",
    "caught",
    "caught and bowled",
    "lbw",
    "stumped",
    "hit wicket",
];

/// Batting and bowling figures of one innings, counted straight from the JSON.
fn count_cards(inn: &Value, bpo: u32) -> (BTreeMap<String, Bat>, BTreeMap<String, Bowl>) {
    let mut bat: BTreeMap<String, Bat> = BTreeMap::new();
    let mut bowl: BTreeMap<String, Bowl> = BTreeMap::new();
    let overs = inn["overs"].as_array().cloned().unwrap_or_default();
    for (oi, over) in overs.iter().enumerate() {
        let dels = over["deliveries"].as_array().cloned().unwrap_or_default();
        let mut bowlers = vec![];
        let mut conceded = 0;
        let mut legal = 0;
        for d in &dels {
            let wide = d["extras"].get("wides").is_some();
            let noball = d["extras"].get("noballs").is_some();
            let off_bat = n(d, &["runs", "batter"]);
            let non_boundary = d.get("non_boundary").is_some();
            let b = bat
                .entry(d["batter"].as_str().unwrap().to_string())
                .or_default();
            b.runs += off_bat;
            if !wide {
                b.balls += 1;
            }
            if !non_boundary && off_bat == 4 {
                b.fours += 1;
            }
            if !non_boundary && off_bat == 6 {
                b.sixes += 1;
            }
            let bowler = d["bowler"].as_str().unwrap().to_string();
            let charged = off_bat + n(d, &["extras", "wides"]) + n(d, &["extras", "noballs"]);
            let w = bowl.entry(bowler.clone()).or_default();
            w.runs += charged;
            for wk in d["wickets"].as_array().cloned().unwrap_or_default() {
                if CREDITED.contains(&wk["kind"].as_str().unwrap_or("")) {
                    w.wickets += 1;
                }
            }
            if !bowlers.contains(&bowler) {
                bowlers.push(bowler);
            }
            conceded += charged;
            if !wide && !noball {
                legal += 1;
            }
        }
        let complete = legal >= bpo || oi + 1 < overs.len();
        if bowlers.len() == 1 && conceded == 0 && complete {
            bowl.entry(bowlers[0].clone()).or_default().maidens += 1;
        }
    }
    (bat, bowl)
}

fn compare_cards(
    file: &str,
    i: usize,
    inn: &InningsState,
    raw: &Value,
    bpo: u32,
    errors: &mut Vec<String>,
) {
    let (bat, bowl) = count_cards(raw, bpo);
    for (name, want) in &bat {
        let Some(line) = inn.batting.iter().find(|l| &l.name == name) else {
            errors.push(format!("{file} innings {}: batter {name} missing", i + 1));
            continue;
        };
        let got = Bat {
            runs: line.runs,
            balls: line.balls,
            fours: line.fours,
            sixes: line.sixes,
        };
        if &got != want {
            errors.push(format!(
                "{file} innings {}: batter {name} got {got:?} want {want:?}",
                i + 1
            ));
        }
    }
    for line in &inn.batting {
        if !bat.contains_key(&line.name) && (line.runs != 0 || line.balls != 0) {
            errors.push(format!(
                "{file} innings {}: batter {} has figures but faced nothing",
                i + 1,
                line.name
            ));
        }
    }
    for (name, want) in &bowl {
        let Some(line) = inn.bowling.iter().find(|l| &l.name == name) else {
            errors.push(format!("{file} innings {}: bowler {name} missing", i + 1));
            continue;
        };
        let got = Bowl {
            runs: line.runs,
            wickets: line.wickets,
            maidens: line.maidens,
        };
        if &got != want {
            errors.push(format!(
                "{file} innings {}: bowler {name} got {got:?} want {want:?}",
                i + 1
            ));
        }
    }
    if inn.bowling.len() != bowl.len() {
        errors.push(format!(
            "{file} innings {}: {} bowlers on the card, {} in the file",
            i + 1,
            inn.bowling.len(),
            bowl.len()
        ));
    }
}

fn check_result(file: &str, m: &Match, outcome: &Value, errors: &mut Vec<String>) {
    let live = m.live();
    let Some(result) = live.result.clone() else {
        errors.push(format!("{file}: no result (summary {:?})", live.summary));
        return;
    };
    let lower = result.to_lowercase();
    let expected_winner = outcome
        .get("winner")
        .or_else(|| outcome.get("eliminator"))
        .or_else(|| outcome.get("bowl_out"))
        .and_then(Value::as_str);
    if let Some(w) = expected_winner {
        if !result.contains(w) || live.winner.as_deref() != Some(w) {
            errors.push(format!(
                "{file}: result {result:?} / winner {:?}, want {w}",
                live.winner
            ));
        }
    } else if live.winner.is_some() {
        errors.push(format!(
            "{file}: winner {:?} where Cricsheet has none",
            live.winner
        ));
    }
    let by = outcome.get("by");
    if let Some(r) = by.and_then(|b| b.get("runs")).and_then(Value::as_u64) {
        let want = if r == 1 {
            "by 1 run".to_string()
        } else {
            format!("{r} runs")
        };
        if !result.contains(&want) {
            errors.push(format!("{file}: result {result:?} lacks {want:?}"));
        }
    }
    if let Some(w) = by.and_then(|b| b.get("wickets")).and_then(Value::as_u64) {
        let want = if w == 1 {
            "by 1 wicket".to_string()
        } else {
            format!("by {w} wickets")
        };
        if !result.contains(&want) {
            errors.push(format!("{file}: result {result:?} lacks {want:?}"));
        }
    }
    if by.and_then(|b| b.get("innings")).is_some() && !lower.contains("an innings") {
        errors.push(format!("{file}: result {result:?} is not an innings win"));
    }
    let word = match outcome.get("result").and_then(Value::as_str) {
        Some("tie") => Some("tied"),
        Some("draw") => Some("drawn"),
        Some("no result") => Some("no result"),
        _ => None,
    };
    if let Some(word) = word {
        if !lower.contains(word) {
            errors.push(format!("{file}: result {result:?} lacks {word:?}"));
        }
    }
    if outcome.get("method").and_then(Value::as_str) == Some("D/L") && !result.contains("DLS") {
        errors.push(format!(
            "{file}: result {result:?} does not name the DLS method"
        ));
    }
}

#[test]
fn every_cricsheet_match_replays_to_its_figures() {
    let dir = data_dir();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected_totals.json")).unwrap())
            .unwrap();
    let files = expected.as_object().unwrap();
    assert_eq!(files.len(), 30);
    let mut errors = vec![];
    for (file, want) in files {
        let json = std::fs::read_to_string(dir.join(file)).unwrap();
        let raw: Value = serde_json::from_str(&json).unwrap();
        let parsed = match cricsheet::parse(&json) {
            Ok(p) => p,
            Err(e) => {
                errors.push(format!("{file}: import failed: {e}"));
                continue;
            }
        };
        let bpo = u32::from(parsed.setup.balls_per_over);
        let mut m = Match::new(parsed.setup.clone());
        let mut refused = false;
        let mut before_last = None;
        for (i, e) in parsed.events.iter().enumerate() {
            if i + 1 == parsed.events.len() {
                before_last = Some(m.live().clone());
            }
            if let Err(err) = m.apply(e.clone()) {
                errors.push(format!("{file}: event {i} {e:?} refused: {err}"));
                refused = true;
                break;
            }
        }
        if refused {
            continue;
        }
        let live = m.live();
        let want_innings = want["innings"].as_array().unwrap();
        if live.innings.len() != want_innings.len() {
            errors.push(format!(
                "{file}: {} innings, want {}",
                live.innings.len(),
                want_innings.len()
            ));
        }
        let raw_innings = raw["innings"].as_array().unwrap();
        for (i, (inn, w)) in live.innings.iter().zip(want_innings).enumerate() {
            let got = (
                inn.team.as_str(),
                inn.runs,
                inn.wickets,
                inn.balls,
                inn.super_over,
            );
            let exp = (
                w["team"].as_str().unwrap(),
                n(w, &["runs"]),
                n(w, &["wickets"]),
                n(w, &["balls"]),
                w["super_over"].as_bool().unwrap(),
            );
            if got != exp {
                errors.push(format!(
                    "{file} innings {}: got {got:?} want {exp:?}",
                    i + 1
                ));
            }
            compare_cards(file, i, inn, &raw_innings[i], bpo, &mut errors);
        }
        check_result(file, &m, &want["outcome"], &mut errors);
        if m.last_ball_line().is_none() {
            errors.push(format!("{file}: no last ball line"));
        }
        let mut undone = m.clone();
        undone.apply(MatchEvent::Undo).unwrap();
        if Some(undone.live()) != before_last.as_ref() {
            errors.push(format!(
                "{file}: undoing the last event does not restore the state before it"
            ));
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let dir = data_dir();
    let json =
        std::fs::read_to_string(dir.join("t20_2022-11-22_new_zealand_v_india.json")).unwrap();
    assert!(cricsheet::parse("not json").is_err());
    assert!(cricsheet::parse("{}").is_err());
    assert!(cricsheet::parse(r#"{"info": {"match_type": "T20", "teams": ["A"]}}"#).is_err());
    assert!(cricsheet::parse(&json[..json.len() / 2]).is_err());
    let mut raw: Value = serde_json::from_str(&json).unwrap();
    raw["innings"][0]["overs"][0]["deliveries"][0]["wickets"] =
        serde_json::json!([{"kind": "vanished", "player_out": "x"}]);
    assert!(cricsheet::parse(&raw.to_string()).is_err());
    raw["innings"][0]["overs"][0]["deliveries"][0]["runs"]["total"] = serde_json::json!(-1);
    assert!(cricsheet::parse(&raw.to_string()).is_err());
    raw["info"]["balls_per_over"] = serde_json::json!(0);
    assert!(cricsheet::parse(&raw.to_string()).is_err());
}

#[test]
fn a_tampered_delivery_is_refused_by_the_engine() {
    let json =
        std::fs::read_to_string(data_dir().join("odi_2019-07-14_england_v_new_zealand.json"))
            .unwrap();
    let mut raw: Value = serde_json::from_str(&json).unwrap();
    // Total no longer batter + extras.
    raw["innings"][0]["overs"][3]["deliveries"][2]["runs"]["total"] = serde_json::json!(9);
    let parsed = cricsheet::parse(&raw.to_string()).unwrap();
    let err = Match::replay(parsed.setup, parsed.events).unwrap_err();
    assert_eq!(err.1.code(), "runs-mismatch");
}
