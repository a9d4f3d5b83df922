//! What each event of a real match tells subscribers, counted over every bundled match and held
//! against the file's own deliveries: a wicket per dismissal (not retired hurt or not out), a
//! boundary per four or six off the bat that was not run, a milestone per batter passing 50,
//! 100, 150 or 200 and per bowler taking 5 or 10 in an innings, an innings end per innings, and
//! a result per result the match passed through (a tie, then each super over, then a declared
//! tie-break).

mod real_matches;

use std::collections::HashMap;

use crease_domain::notice::{NoticeKind, Watch};
use crease_domain::{cricsheet, Match};
use real_matches::bundled;
use serde_json::Value;

const CREDITED: [&str; 6] = [
    "bowled",
    "caught",
    "caught and bowled",
    "lbw",
    "stumped",
    "hit wicket",
];

/// Milestones passed: the highest mark crossed on each delivery.
fn crossed(marks: &[u64], before: u64, after: u64) -> u64 {
    u64::from(marks.iter().any(|m| before < *m && *m <= after))
}

/// Counts by kind, from the file's own fields.
fn from_file(file: &Value) -> HashMap<&'static str, u64> {
    let mut n: HashMap<&'static str, u64> = HashMap::new();
    let innings = file["innings"].as_array().expect("innings");
    for inn in innings {
        let mut runs: HashMap<String, u64> = HashMap::new();
        let mut wickets: HashMap<String, u64> = HashMap::new();
        for over in inn["overs"].as_array().into_iter().flatten() {
            for d in over["deliveries"].as_array().into_iter().flatten() {
                let batter = d["batter"].as_str().expect("batter").to_owned();
                let bowler = d["bowler"].as_str().expect("bowler").to_owned();
                let off_bat = d["runs"]["batter"].as_u64().expect("runs");
                let run = d["runs"]["non_boundary"].as_bool().unwrap_or(false);
                if matches!(off_bat, 4 | 6) && !run {
                    *n.entry("boundary").or_default() += 1;
                }
                let r = runs.entry(batter).or_default();
                *n.entry("milestone").or_default() +=
                    crossed(&[50, 100, 150, 200], *r, *r + off_bat);
                *r += off_bat;
                for w in d["wickets"].as_array().into_iter().flatten() {
                    let kind = w["kind"].as_str().expect("kind");
                    if kind != "retired hurt" && kind != "retired not out" {
                        *n.entry("wicket").or_default() += 1;
                    }
                    if CREDITED.contains(&kind) {
                        let b = wickets.entry(bowler.clone()).or_default();
                        *n.entry("milestone").or_default() += crossed(&[5, 10], *b, *b + 1);
                        *b += 1;
                    }
                }
            }
        }
    }
    n.insert("innings_end", innings.len() as u64);
    // A tie is a result; each super over after it decides again (or ties again), and a
    // tie-break declared after the balls tied (a bowl-out, a boundary count) is one more.
    let supers: Vec<u64> = innings
        .iter()
        .filter(|i| i["super_over"] == true)
        .map(|i| {
            let deliveries = i["overs"].as_array().into_iter().flatten();
            deliveries
                .flat_map(|o| o["deliveries"].as_array().into_iter().flatten())
                .map(|d| d["runs"]["total"].as_u64().expect("total"))
                .sum()
        })
        .collect();
    let outcome = &file["info"]["outcome"];
    let last_pair_tied = match supers.as_slice() {
        [] => true,
        [.., a, b] => a == b,
        [_] => false,
    };
    let declared_break = (outcome.get("eliminator").is_some() || outcome.get("bowl_out").is_some())
        && last_pair_tied;
    n.insert(
        "result",
        1 + supers.len() as u64 / 2 + u64::from(declared_break),
    );
    n
}

#[test]
fn every_bundled_match_tells_what_its_file_shows() {
    let mut faults = vec![];
    let mut total: HashMap<&'static str, u64> = HashMap::new();
    for (name, json) in bundled() {
        let file: Value = serde_json::from_str(&json).expect("JSON");
        let parsed = cricsheet::parse(&json).expect("parses");
        let mut game = Match::new(parsed.setup);
        let mut told: HashMap<&'static str, u64> = HashMap::new();
        for rec in parsed.events {
            let watch = Watch::before(game.live(), &rec.event);
            let event = rec.event.clone();
            game.record(rec).expect("the bundled matches replay");
            for n in watch.notices(&game, &event) {
                *told.entry(n.kind.as_str()).or_default() += 1;
            }
        }
        let want = from_file(&file);
        for kind in NoticeKind::ALL.map(NoticeKind::as_str) {
            let (w, t) = (
                want.get(kind).copied().unwrap_or(0),
                told.get(kind).copied().unwrap_or(0),
            );
            *total.entry(kind).or_default() += t;
            if w != t {
                faults.push(format!("{name}: {kind}: file {w}, told {t}"));
            }
        }
    }
    eprintln!("told: {total:?}");
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}
