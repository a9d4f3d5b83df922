//! What each event of a real match tells subscribers, counted over every bundled match and held
//! against the file's own deliveries: a wicket per dismissal (not retired hurt or not out), a
//! boundary per four or six off the bat that was not run, a milestone per batter passing 50,
//! 100, 150 or 200 and per bowler taking 5 or 10 in an innings, an innings end per innings, and
//! a result per result the match passed through (a tie, then each super over, then a declared
//! tie-break). A correction tells the ball it puts in as its own.

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

/// A one-innings match of two overs, North against South.
fn north_v_south() -> crease_domain::MatchSetup {
    let xi = |p: &str| (1..=11).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    serde_json::from_value(serde_json::json!({
        "format": "other", "balls_per_over": 6, "overs_per_innings": 2, "innings_per_side": 1,
        "free_hit": "all", "max_consecutive_overs": 1,
        "teams": [{"name": "North", "players": xi("N")}, {"name": "South", "players": xi("S")}],
    }))
    .unwrap()
}

/// A delivery of `runs` off the bat by `batter`, with the other opener at the far end.
fn ball(batter: &str, runs: u32) -> Value {
    serde_json::json!({"batter": batter, "non_striker": if batter == "N1" { "N2" } else { "N1" },
        "bowler": "S11", "runs": {"batter": runs, "extras": 0, "total": runs}})
}

fn correction(seq: u64, action: &str, put_in: Option<Value>) -> crease_domain::event::Correction {
    let mut c = serde_json::json!({"seq": seq, "action": action});
    if let Some(b) = put_in {
        c["event"] = serde_json::json!({"kind": "ball", "data": b});
    }
    serde_json::from_value(c).unwrap()
}

/// A correction tells the ball it puts in as that ball would have been told at its place: a
/// dot corrected to a catch is a wicket at the score then, a ball inserted is told under the
/// correction's own seq; a deletion, or a ball with nothing of its own to tell, tells nothing.
#[test]
fn a_corrected_ball_tells_its_own_wicket_and_boundary() {
    use crease_domain::notice::put_in;
    let mut m = Match::new(north_v_south());
    let log = [
        serde_json::json!({"kind": "innings_start", "data": {"batting_team": "North",
            "striker": "N1", "non_striker": "N2", "bowler": "S11"}}),
        serde_json::json!({"kind": "ball", "data": ball("N1", 4)}),
        serde_json::json!({"kind": "ball", "data": ball("N1", 0)}),
        serde_json::json!({"kind": "ball", "data": ball("N1", 1)}),
    ];
    for e in log {
        m.record(serde_json::from_value(e).unwrap()).unwrap();
    }

    // Seq 3, the dot, was a catch: told at 4/1, the score after it then.
    let mut caught = ball("N1", 0);
    caught["wickets"] = serde_json::json!([{"kind": "caught", "player_out": "N1",
        "fielders": [{"name": "S4"}]}]);
    let (seq, told) = put_in(&m, &correction(3, "amend", Some(caught)), 5).unwrap();
    assert_eq!(seq, 3);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, NoticeKind::Wicket);
    assert_eq!(told[0].data["batter"], "N1");
    assert_eq!(told[0].data["at"]["score"], "4/1");
    assert_eq!(told[0].data["at"]["overs"], "0.2");

    // A six put in before seq 3: told under the correction's own seq, at 10/0.
    let (seq, told) = put_in(&m, &correction(3, "insert", Some(ball("N1", 6))), 5).unwrap();
    assert_eq!(seq, 5);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, NoticeKind::Boundary);
    assert_eq!(told[0].data["at"]["score"], "10/0");

    // The four was run, not a boundary: nothing of its own to tell.
    let mut run = ball("N1", 4);
    run["non_boundary"] = serde_json::json!(true);
    let (_, told) = put_in(&m, &correction(2, "amend", Some(run)), 5).unwrap();
    assert!(told.is_empty(), "{told:?}");

    assert!(put_in(&m, &correction(3, "delete", None), 5).is_none());
    assert!(put_in(&m, &correction(99, "amend", Some(ball("N1", 4))), 5).is_none());
}
