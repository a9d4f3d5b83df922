//! Thirty real Cricsheet matches replayed through the importer and the engine, one event at a
//! time: every innings total matches the independently counted `expected_totals.json`, every
//! other figure matches the hand-kept scorebook (`scorebook/`, where the counting rules are
//! written), and undoing the last event restores the state before it.

mod scorebook;

use std::path::PathBuf;

use crease_domain::cricsheet;
use crease_domain::{Match, MatchEvent};
use scorebook::{check_match, n, report, Fault};
use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/cricsheet")
}

/// The innings totals against `expected_totals.json`, a second count kept apart from the
/// scorebook's so that a slip in one is caught by the other.
fn check_totals(file: &str, m: &Match, want: &Value, faults: &mut Vec<Fault>) {
    let live = m.live();
    let want_innings = want["innings"].as_array().unwrap();
    if live.innings.len() != want_innings.len() {
        let (got, want) = (live.innings.len(), want_innings.len());
        faults.push(Fault::new(
            "expected totals: innings count",
            file,
            "",
            got.to_string(),
            want.to_string(),
        ));
    }
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
            let at = format!("innings {}", i + 1);
            faults.push(Fault::new(
                "expected totals",
                file,
                &at,
                format!("{got:?}"),
                format!("{exp:?}"),
            ));
        }
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
    let mut faults = vec![];
    for (file, want) in files {
        let json = std::fs::read_to_string(dir.join(file)).unwrap();
        let raw: Value = serde_json::from_str(&json).unwrap();
        let parsed = match cricsheet::parse(&json) {
            Ok(p) => p,
            Err(e) => {
                faults.push(Fault::new(
                    "import failed",
                    file,
                    "",
                    e.to_string(),
                    "a match".into(),
                ));
                continue;
            }
        };
        let mut m = Match::new(parsed.setup.clone());
        let mut refused = false;
        let mut before_last = None;
        for (i, e) in parsed.events.iter().enumerate() {
            if i + 1 == parsed.events.len() {
                before_last = Some(m.live().clone());
            }
            if let Err(err) = m.record(e.clone()) {
                let kind = format!("refused: {}", err.code());
                let at = format!("event {i}");
                faults.push(Fault::new(
                    &kind,
                    file,
                    &at,
                    format!("{err} ({e:?})"),
                    "accepted".into(),
                ));
                refused = true;
                break;
            }
        }
        if refused {
            continue;
        }
        check_totals(file, &m, want, &mut faults);
        faults.extend(check_match(file, &raw, m.live()));
        if m.last_ball_line().is_none() {
            faults.push(Fault::new(
                "no last ball line",
                file,
                "",
                "none".into(),
                "a line".into(),
            ));
        }
        let mut undone = m.clone();
        undone.apply(MatchEvent::Undo).unwrap();
        if Some(undone.live()) != before_last.as_ref() {
            let got = "a different state".to_string();
            faults.push(Fault::new(
                "undo of the last event",
                file,
                "",
                got,
                "the state before it".into(),
            ));
        }
    }
    assert!(
        faults.is_empty(),
        "{} mismatches:\n{}",
        faults.len(),
        report(&faults)
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
