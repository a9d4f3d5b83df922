//! Every real match the repository holds, imported, exported as Cricsheet and imported again.
//!
//! Two things must hold for each: the export's import is the same match (its whole live state
//! equal to the first import's), from the Cricsheet part alone and from the log Crease carries
//! beside it, and the export gives back every delivery field the engine models, compared with
//! the original file's own fields: batter, bowler, non-striker, runs, extras, wickets with
//! their fielders, non-boundary marks, and replacements.
//!
//! Then matches scored as a scorer scores, exported after every event: each imports as the
//! match stood.

mod real_matches;

use crease_domain::cricsheet::{self, ExportInfo};
use crease_domain::Match;
use real_matches::{bundled, corpus, BUNDLED_FILES, CORPUS_FILES};
use serde_json::{json, Value};

fn import(json: &str) -> Result<Match, String> {
    import_from(json).map(|(m, _)| m)
}

/// The match a file imports as, and whether its events came from the log Crease carries.
fn import_from(json: &str) -> Result<(Match, bool), String> {
    let parsed = cricsheet::parse(json).map_err(|e| format!("import: {e}"))?;
    let from_log = parsed.from_crease_log;
    Match::replay(parsed.setup, parsed.events)
        .map(|m| (m, from_log))
        .map_err(|(i, e)| format!("event {i} refused: {e}"))
}

/// An export with the log Crease carries taken out: what any Cricsheet reader has.
fn cricsheet_part(exported: &Value) -> String {
    let mut v = exported.clone();
    v["crease"]
        .as_object_mut()
        .expect("a crease member")
        .remove("events");
    serde_json::to_string(&v).expect("JSON")
}

/// The live state, bar the corrections made to the log it was scored in: those name that log's
/// seqs, and a file holds the match as its corrections left it.
fn state_of(m: &Match) -> Value {
    let mut v = serde_json::to_value(m.live()).expect("JSON");
    v.as_object_mut().expect("an object").remove("corrections");
    v
}

fn info_of(json: &str) -> ExportInfo {
    let parsed = cricsheet::parse(json).expect("parsed once already");
    parsed.info.export_info("2026-01-01")
}

fn text(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or(Value::Null)
}

fn n(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// What the engine models of one delivery, read from a Cricsheet delivery object.
fn modelled(d: &Value) -> Value {
    let runs = &d["runs"];
    let ex = d.get("extras").cloned().unwrap_or(Value::Null);
    let wickets: Vec<Value> = d
        .get("wickets")
        .and_then(Value::as_array)
        .map_or(vec![], |ws| {
            ws.iter()
                .map(|w| {
                    let fielders: Vec<Value> =
                        w.get("fielders")
                            .and_then(Value::as_array)
                            .map_or(vec![], |fs| {
                                fs.iter()
                                    .map(|f| {
                                        json!([
                                            f.get("name")
                                                .and_then(Value::as_str)
                                                .unwrap_or("unknown"),
                                            f.get("substitute")
                                                .and_then(Value::as_bool)
                                                .unwrap_or(false)
                                        ])
                                    })
                                    .collect()
                            });
                    json!([text(w, "kind"), text(w, "player_out"), fielders])
                })
                .collect()
        });
    let repl = d.get("replacements").cloned().unwrap_or(Value::Null);
    let brought_in: Vec<Value> = repl
        .get("match")
        .and_then(Value::as_array)
        .map_or(vec![], |ms| {
            ms.iter()
                .map(|m| {
                    json!([
                        text(m, "team"),
                        text(m, "in"),
                        text(m, "out"),
                        text(m, "reason")
                    ])
                })
                .collect()
        });
    // A batter replaced in the `batter` role who is not on this delivery retired between
    // balls; the other role replacements are what the delivery's own names already say.
    let retired: Vec<Value> = repl
        .get("role")
        .and_then(Value::as_array)
        .map_or(vec![], |rs| {
            rs.iter()
                .filter(|r| r.get("role").and_then(Value::as_str) == Some("batter"))
                .filter_map(|r| r.get("out"))
                .filter(|out| **out != d["batter"] && **out != d["non_striker"])
                .cloned()
                .collect()
        });
    json!({
        "batter": d["batter"],
        "bowler": d["bowler"],
        "non_striker": d["non_striker"],
        "runs": [n(runs, "batter"), n(runs, "extras"), n(runs, "total")],
        "non_boundary": runs.get("non_boundary").and_then(Value::as_bool).unwrap_or(false),
        "extras": [n(&ex, "wides"), n(&ex, "noballs"), n(&ex, "byes"), n(&ex, "legbyes"), n(&ex, "penalty")],
        "wickets": wickets,
        "brought_in": brought_in,
        "retired": retired,
    })
}

/// Every delivery of a file, as `(innings, over, what the engine models)`.
fn deliveries(file: &Value) -> Vec<(usize, u64, Value)> {
    let mut out = vec![];
    let innings = file["innings"].as_array().cloned().unwrap_or_default();
    for (k, inn) in innings.iter().enumerate() {
        for over in inn["overs"].as_array().into_iter().flatten() {
            for d in over["deliveries"].as_array().into_iter().flatten() {
                out.push((k, n(over, "over"), modelled(d)));
            }
        }
    }
    out
}

/// Why one match does not round-trip, or `None` when it does.
fn round_trip(json: &str) -> Option<String> {
    let first = match import(json) {
        Ok(m) => m,
        Err(e) => return Some(format!("the original: {e}")),
    };
    let exported = cricsheet::export(&first, &info_of(json));
    match import_from(&serde_json::to_string(&exported).expect("JSON")) {
        Ok((m, true)) if state_of(&m) == state_of(&first) => {}
        Ok((_, true)) => return Some("the export's log gives another state".into()),
        Ok((_, false)) => return Some("the export's log does not agree with its file".into()),
        Err(e) => return Some(format!("the export: {e}")),
    }
    let again = match import(&cricsheet_part(&exported)) {
        Ok(m) => m,
        Err(e) => return Some(format!("the export's Cricsheet part: {e}")),
    };
    let (a, b) = (
        serde_json::to_value(first.live()).unwrap(),
        serde_json::to_value(again.live()).unwrap(),
    );
    if a != b {
        return Some(format!("state differs: {}", first_difference(&a, &b, "")));
    }
    let original: Value = serde_json::from_str(json).unwrap();
    let (want, got) = (deliveries(&original), deliveries(&exported));
    if want.len() != got.len() {
        return Some(format!("{} deliveries, exported {}", want.len(), got.len()));
    }
    for (w, g) in want.iter().zip(&got) {
        if w != g {
            return Some(format!("delivery differs: file {w:?}, export {g:?}"));
        }
    }
    let teams = |f: &Value| -> Vec<Value> {
        f["innings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                json!([
                    i["team"],
                    i.get("declared"),
                    i.get("forfeited"),
                    i.get("penalty_runs")
                ])
            })
            .collect()
    };
    if teams(&original) != teams(&exported) {
        return Some(format!(
            "innings differ: file {:?}, export {:?}",
            teams(&original),
            teams(&exported)
        ));
    }
    None
}

/// The path to the first place two JSON values part, with both sides there.
fn first_difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let w = y.get(k).unwrap_or(&Value::Null);
                if v != w {
                    return first_difference(v, w, &format!("{at}.{k}"));
                }
            }
            format!("{at}: keys {:?} against {:?}", x.keys(), y.keys())
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if v != w {
                    return first_difference(v, w, &format!("{at}[{i}]"));
                }
            }
            unreachable!("unequal arrays differ somewhere")
        }
        _ => format!("{at}: {a} against {b}"),
    }
}

#[test]
fn every_real_match_exports_what_it_imported() {
    let bundled = bundled();
    let corpus = corpus();
    assert_eq!(bundled.len(), BUNDLED_FILES, "files in data/cricsheet/");
    assert_eq!(corpus.len(), CORPUS_FILES, "files in the packed corpus");
    let mut faults = vec![];
    for (file, json) in bundled.iter().chain(&corpus) {
        if let Some(why) = round_trip(json) {
            faults.push(format!("{file}: {why}"));
        }
    }
    assert!(
        faults.is_empty(),
        "{} of {} matches do not round-trip:\n{}",
        faults.len(),
        bundled.len() + corpus.len(),
        faults.join("\n")
    );
}

/// A one-innings match of `overs` overs, North against South, one over a bowler, no two in a
/// row.
fn north_v_south(overs: u16) -> crease_domain::MatchSetup {
    let xi = |p: &str| (1..=11).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    serde_json::from_value(json!({
        "format": "other", "balls_per_over": 6, "overs_per_innings": overs, "innings_per_side": 1,
        "bowler_quota_overs": 1, "free_hit": "all", "max_consecutive_overs": 1,
        "teams": [{"name": "North", "players": xi("N")}, {"name": "South", "players": xi("S")}],
    }))
    .unwrap()
}

/// A delivery of `runs` off the bat, as the log records it.
fn ball(batter: &str, ns: &str, bowler: &str, runs: u32) -> Value {
    json!({"kind": "ball", "data": {"batter": batter, "non_striker": ns, "bowler": bowler,
        "runs": {"batter": runs, "extras": 0, "total": runs}}})
}

/// The short match of [`a_scored_match_exports_as_it_stands`]: its setup and log.
fn scored_match() -> (crease_domain::MatchSetup, Vec<Value>) {
    let setup = north_v_south(2);
    let mut four_run = ball("N3", "N1", "S11", 4);
    four_run["data"]["non_boundary"] = json!(true);
    let mut caught = ball("N2", "N1", "S11", 0);
    caught["data"]["wickets"] =
        json!([{"kind": "caught", "player_out": "N2", "fielders": [{"name": "S12"}]}]);
    let wide = json!({"kind": "ball", "data": {"batter": "N3", "non_striker": "N1",
        "bowler": "S11", "runs": {"batter": 0, "extras": 1, "total": 1}, "extras": {"wides": 1}}});
    let log = vec![
        json!({"kind": "toss", "data": {"winner": "North", "decision": "bat"}}),
        json!({"kind": "innings_start", "data": {"batting_team": "North", "striker": "N1",
            "non_striker": "N2", "bowler": "S11"}}),
        ball("N1", "N2", "S11", 1),
        ball("N2", "N1", "S11", 4),
        json!({"kind": "replacement", "data": {"team": "South", "player_in": "S12",
            "player_out": "S10", "reason": "concussion_substitute"}}),
        caught,
        json!({"kind": "new_batter", "data": {"batter": "N3"}}),
        wide,
        // seq 9 amends seq 4: the four was a six.
        json!({"kind": "correction", "data": {"seq": 4, "action": "amend",
            "event": {"kind": "ball", "data": ball("N2", "N1", "S11", 6)["data"]}}}),
        json!({"kind": "interruption", "data": {"cause": "rain", "at": "14:05"}}),
        json!({"kind": "resumption", "data": {"at": "14:40"}}),
        four_run,
        json!({"kind": "retirement", "data": {"batter": "N1", "kind": "out"}}),
        json!({"kind": "new_batter", "data": {"batter": "N4"}}),
        ball("N3", "N4", "S11", 1),
        ball("N4", "N3", "S11", 0),
        json!({"kind": "penalty_runs", "data": {"team": "South", "runs": 5}}),
        json!({"kind": "bowler_change", "data": {"bowler": "S9"}}),
        json!({"kind": "miscounted_over", "data": {"balls": 7}}),
        ball("N3", "N4", "S9", 0),
        ball("N3", "N4", "S9", 1),
        ball("N4", "N3", "S9", 1),
        ball("N3", "N4", "S9", 0),
        ball("N3", "N4", "S9", 2),
        ball("N3", "N4", "S9", 0),
        ball("N3", "N4", "S9", 0),
        json!({"kind": "innings_start", "data": {"batting_team": "South", "striker": "S1",
            "non_striker": "S2", "bowler": "N11"}}),
        ball("S1", "S2", "N11", 6),
        ball("S1", "S2", "N11", 4),
        json!({"kind": "undo"}),
        ball("S1", "S2", "N11", 6),
        ball("S1", "S2", "N11", 1),
    ];
    (setup, log)
}

/// A short match scored as a scorer scores: a replacement, a ball corrected after the fact, an
/// undo, play stopped and resumed, a batter retired out, penalty runs to the fielding side, a
/// miscounted (long) over. The import of its Cricsheet part is the same match, bar what
/// Cricsheet has no field for (the stoppage); the file itself is checked field by field.
#[test]
fn a_scored_match_exports_as_it_stands() {
    let (setup, log) = scored_match();
    let mut m = Match::new(setup);
    for (i, e) in log.into_iter().enumerate() {
        let rec: crease_domain::Recorded = serde_json::from_value(e).unwrap();
        m.record(rec)
            .unwrap_or_else(|err| panic!("event {}: {err}", i + 1));
    }
    // Figures by hand: North 1 + 6 + 0 + 1 (wide) + 4 + 1 + 0, then 0 + 1 + 1 + 0 + 2 + 0 + 0.
    assert_eq!(m.live().innings[0].runs, 17);
    // South: 5 penalty runs before their innings, then 6 + 6 + 1 to pass 17.
    assert_eq!(m.live().innings[1].runs, 18);
    assert_eq!(m.live().winner.as_deref(), Some("South"));

    let exported = cricsheet::export(&m, &ExportInfo::default());
    let again = import(&cricsheet_part(&exported)).expect("the export imports");
    let (a, b) = (m.live(), again.live());
    assert_eq!(
        serde_json::to_value(&a.innings).unwrap(),
        serde_json::to_value(&b.innings).unwrap()
    );
    assert_eq!(
        (&a.result, &a.winner, &a.summary, &a.toss, a.status),
        (&b.result, &b.winner, &b.summary, &b.toss, b.status)
    );
    // Cricsheet has no field for a stoppage: the log beside it carries that.
    assert_eq!(a.stoppages.len(), 1);
    assert!(b.stoppages.is_empty());

    // The file itself, field by field, against the log above.
    let first = &exported["innings"][0]["overs"];
    assert_eq!(
        first[0]["deliveries"][1]["runs"]["batter"], 6,
        "the amended ball"
    );
    assert_eq!(
        first[0]["deliveries"][2]["replacements"]["match"][0],
        json!({"team": "South", "in": "S12", "out": "S10", "reason": "concussion_substitute"})
    );
    assert_eq!(first[0]["deliveries"][4]["runs"]["non_boundary"], true);
    assert_eq!(
        first[0]["deliveries"][4]["wickets"][0],
        json!({"kind": "retired out", "player_out": "N1"})
    );
    assert_eq!(
        first[1]["deliveries"].as_array().unwrap().len(),
        7,
        "the long over"
    );
    assert_eq!(exported["innings"][1]["penalty_runs"], json!({"pre": 5}));
    let chase: Vec<u64> = exported["innings"][1]["overs"][0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["runs"]["total"].as_u64().unwrap())
        .collect();
    assert_eq!(chase, [6, 6, 1], "the undone four is gone");
    assert_eq!(
        exported["info"]["outcome"],
        json!({"winner": "South", "by": {"wickets": 10}})
    );
    assert_eq!(exported["meta"]["data_version"], cricsheet::DATA_VERSION);
}

/// A match scored on the pad, with what Cricsheet has no field for: stoppages before the toss,
/// within an over, at the innings break and in progress; the scorer's commentary; a new batter
/// and a new over's bowler named before the next ball; a bowler kept on by the umpires against
/// the quota, with their reason; overs reduced in the first innings and a target revised for
/// the chase.
fn pad_match() -> (crease_domain::MatchSetup, Vec<Value>) {
    let setup = north_v_south(3);
    let said = |mut b: Value, words: &str| {
        b["data"]["commentary"] = json!(words);
        b
    };
    let stop =
        |cause: &str, at: &str| json!({"kind": "interruption", "data": {"cause": cause, "at": at}});
    let resume = |at: &str| json!({"kind": "resumption", "data": {"at": at}});
    let mut caught = ball("N2", "N1", "S11", 0);
    caught["data"]["wickets"] =
        json!([{"kind": "caught", "player_out": "N2", "fielders": [{"name": "S4"}]}]);
    let mut log = vec![
        stop("rain", "10:00"),
        resume("10:30"),
        json!({"kind": "toss", "data": {"winner": "North", "decision": "bat"}}),
        json!({"kind": "innings_start", "data": {"batting_team": "North", "striker": "N1",
            "non_striker": "N2", "bowler": "S11"}}),
        json!({"kind": "interruption", "data": {"cause": "other", "reason": "sightscreen",
            "at": "10:31"}}),
        resume("10:35"),
        said(ball("N1", "N2", "S11", 1), "Pushed into the covers for one"),
        ball("N2", "N1", "S11", 4),
        caught,
        json!({"kind": "new_batter", "data": {"batter": "N3"}}),
        stop("drinks", "11:00"),
        resume("11:05"),
        ball("N3", "N1", "S11", 0),
        ball("N3", "N1", "S11", 2),
        said(
            ball("N3", "N1", "S11", 1),
            "Tucked off the hips to end the over",
        ),
    ];
    // S11 again: the quota and consecutive overs refuse it, and the umpires allowed it.
    log.push(json!({"kind": "bowler_change", "data": {"bowler": "S11"},
        "override": {"reason": "S10 injured, the umpires let S11 carry on"}}));
    log.push(ball("N3", "N1", "S11", 6));
    log.push(json!({"kind": "reduced_overs", "data": {"overs": 2}}));
    for _ in 0..5 {
        log.push(ball("N3", "N1", "S11", 0));
    }
    log.extend([
        stop("tea", "15:00"),
        json!({"kind": "innings_start", "data": {"batting_team": "South", "striker": "S1",
            "non_striker": "S2", "bowler": "N11"}}),
        json!({"kind": "revised_target", "data": {"runs": 16, "overs": 2}}),
        resume("15:20"),
        said(ball("S1", "S2", "N11", 4), "Cut hard past point"),
        ball("S1", "S2", "N11", 1),
        stop("bad_light", "18:10"),
    ]);
    (setup, log)
}

/// The pad match as it stands after its whole log.
fn pad_game() -> Match {
    let (setup, log) = pad_match();
    let events = log
        .into_iter()
        .map(|e| serde_json::from_value::<crease_domain::Recorded>(e).unwrap());
    Match::replay(setup, events).unwrap()
}

/// Exported after every event, each match imports as it stood then, from the log the export
/// carries: stoppages, commentary, the umpires' reasons, a batter or bowler named before the
/// next ball, an innings begun with no ball yet. Only the corrections' notes stay behind, since
/// they name the seqs of the log they were made in.
#[test]
fn a_match_exported_at_any_point_imports_as_it_stood() {
    for (name, (setup, log)) in [("pad", pad_match()), ("scored", scored_match())] {
        let mut m = Match::new(setup);
        for (i, e) in log.into_iter().enumerate() {
            let rec: crease_domain::Recorded = serde_json::from_value(e).unwrap();
            m.record(rec)
                .unwrap_or_else(|err| panic!("{name} event {}: {err}", i + 1));
            let exported = cricsheet::export(&m, &ExportInfo::default());
            let text = serde_json::to_string(&exported).unwrap();
            let (back, from_log) =
                import_from(&text).unwrap_or_else(|e| panic!("{name} after {}: {e}", i + 1));
            assert!(
                from_log,
                "{name} after event {}: the log was set aside",
                i + 1
            );
            let (a, b) = (state_of(&m), state_of(&back));
            assert!(
                a == b,
                "{name} after event {}: {}",
                i + 1,
                first_difference(&a, &b, "")
            );
        }
    }
    // What the check above covers, from the pad match's own log.
    let m = pad_game();
    let live = m.live();
    assert_eq!(live.stoppages.len(), 4);
    assert_eq!(live.interruption.as_ref().unwrap().since, "18:10");
    assert_eq!(
        live.overrides[0].reason,
        "S10 injured, the umpires let S11 carry on"
    );
    assert!(live
        .commentary
        .iter()
        .any(|c| c.text == "Cut hard past point"));
}

/// A file edited since Crease wrote it is read from its Cricsheet part, which is what the file
/// says; the log beside it no longer describes it and is set aside.
#[test]
fn an_edited_export_is_read_from_its_cricsheet_part() {
    let m = pad_game();
    let mut exported = cricsheet::export(&m, &ExportInfo::default());
    // The statistician's fix: the opening single was two.
    let first = &mut exported["innings"][0]["overs"][0]["deliveries"][0]["runs"];
    assert_eq!(first["total"], 1, "the opening single, as scored");
    *first = json!({"batter": 2, "extras": 0, "total": 2});
    let (back, from_log) = import_from(&serde_json::to_string(&exported).unwrap()).unwrap();
    assert!(!from_log);
    assert_eq!(back.live().innings[0].runs, m.live().innings[0].runs + 1);
    assert!(back.live().stoppages.is_empty(), "the log was set aside");

    // A log the Laws refuse is set aside too, and the file still imports.
    let mut refused = cricsheet::export(&m, &ExportInfo::default());
    refused["crease"]["events"][0] = json!({"kind": "resumption", "data": {"at": "09:00"}});
    let (back, from_log) = import_from(&serde_json::to_string(&refused).unwrap()).unwrap();
    assert!(!from_log);
    assert_eq!(back.live().innings[0].runs, m.live().innings[0].runs);
}

/// A log that is not a list of events in force is a broken file, refused with a reason.
#[test]
fn a_broken_log_is_refused() {
    let m = pad_game();
    let exported = cricsheet::export(&m, &ExportInfo::default());
    for (log, says) in [
        (json!("every ball"), "not a list of events"),
        (
            json!([{"kind": "ball", "data": {"batter": "N1"}}]),
            "not a list of events",
        ),
        (json!([{"kind": "undo"}]), "kind `undo`"),
        (
            json!([{"kind": "correction", "data": {"seq": 1, "action": "delete"}}]),
            "kind `correction`",
        ),
    ] {
        let mut broken = exported.clone();
        broken["crease"]["events"] = log;
        let err = cricsheet::parse(&serde_json::to_string(&broken).unwrap()).expect_err("refused");
        assert!(err.to_string().contains(says), "{err}");
    }
}
