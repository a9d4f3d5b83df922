//! Corrections of past events, on real matches: a correction deep in the log gives exactly the
//! state that scoring the corrected match from scratch gives, tells what changed in words and
//! figures, survives a replay of the log, and refuses without changing anything when the
//! corrected sequence breaks a Law.
//!
//! The oracle is independent of the correction code: the corrected list of events, built here
//! by plain list edits, replayed through a fresh match.

use std::path::PathBuf;

use crease_domain::event::{Correction, CorrectionAction};
use crease_domain::{cricsheet, Delivery, LawViolation, Match, MatchEvent, Recorded};
use proptest::prelude::*;
use serde_json::Value;

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/cricsheet")
        .join(name);
    std::fs::read_to_string(path).expect("the repository's Cricsheet file")
}

/// A match won by the side batting first (by 143 runs), so more runs in its innings change no
/// later event's standing.
const WON_BATTING_FIRST: &str = "t20_2023-03-04_mumbai_indians_v_gujarat_giants.json";

/// The T20s of the repository that need no override to replay, for random corrections.
const T20S: &[&str] = &[
    "t20_2007-09-14_india_v_pakistan.json",
    "t20_2018-06-10_india_v_bangladesh.json",
    "t20_2018-11-11_pakistan_v_india.json",
    "t20_2022-04-10_rajasthan_royals_v_lucknow_super_giants.json",
    "t20_2023-03-04_mumbai_indians_v_gujarat_giants.json",
];

fn correction(seq: u64, action: CorrectionAction, event: Option<MatchEvent>) -> MatchEvent {
    MatchEvent::Correction(Correction {
        seq,
        action,
        event: event.map(|e| Box::new(Recorded::from(e))),
    })
}

/// The log's events with the seqs the log gives them: 1, 2, 3…
fn numbered(events: &[Recorded]) -> Vec<(u64, Recorded)> {
    (1u64..).zip(events.iter().cloned()).collect()
}

/// The corrected list, by plain edits: what a scorer would have scored had they got it right.
fn edited(list: &[(u64, Recorded)], c: &Correction, own_seq: u64) -> Option<Vec<(u64, Recorded)>> {
    let pos = list.iter().position(|(s, _)| *s == c.seq)?;
    let mut out = list.to_vec();
    match c.action {
        CorrectionAction::Amend => out[pos].1 = (**c.event.as_ref()?).clone(),
        CorrectionAction::Insert => out.insert(pos, (own_seq, (**c.event.as_ref()?).clone())),
        CorrectionAction::Delete => {
            out.remove(pos);
        }
    }
    Some(out)
}

fn from_scratch(m: &Match, list: &[(u64, Recorded)]) -> Result<Match, (u64, LawViolation)> {
    let mut fresh = Match::new(m.setup().clone());
    for (seq, rec) in list {
        fresh.record(rec.clone()).map_err(|e| (*seq, e))?;
    }
    Ok(fresh)
}

/// The live state without the corrections' own record, which only the corrected match keeps.
fn figures(m: &Match) -> crease_domain::LiveState {
    let mut live = m.live().clone();
    live.corrections.clear();
    live
}

#[test]
fn a_four_amended_to_a_six_adds_two_to_the_batter_the_bowler_and_the_total() {
    let json = data(WON_BATTING_FIRST);
    let file: Value = serde_json::from_str(&json).unwrap();
    let parsed = cricsheet::parse(&json).unwrap();
    let mut m = Match::replay(parsed.setup.clone(), parsed.events.clone()).unwrap();

    // The file's own figures: the first innings' total and the batter's runs, and the first
    // four off the bat in it (a boundary: no extras, not marked as run).
    let deliveries: Vec<&Value> = file["innings"][0]["overs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["deliveries"].as_array().unwrap())
        .collect();
    let total: u64 = deliveries
        .iter()
        .map(|d| d["runs"]["total"].as_u64().unwrap())
        .sum();
    let four = deliveries
        .iter()
        .position(|d| {
            d["runs"]["batter"] == 4 && d["runs"]["total"] == 4 && d.get("non_boundary").is_none()
        })
        .expect("a four in the first innings");
    let batter = deliveries[four]["batter"].as_str().unwrap();
    let bowler = deliveries[four]["bowler"].as_str().unwrap();
    let batter_runs: u64 = deliveries
        .iter()
        .filter(|d| d["batter"] == batter)
        .map(|d| d["runs"]["batter"].as_u64().unwrap())
        .sum();

    // The same delivery in the log: the four-th ball event of the first innings.
    let balls: Vec<usize> = parsed
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.event, MatchEvent::Ball(_)))
        .map(|(i, _)| i)
        .collect();
    let at = balls[four];
    let MatchEvent::Ball(d) = &parsed.events[at].event else {
        unreachable!()
    };
    let six = Delivery {
        runs: crease_domain::Runs {
            batter: 6,
            extras: 0,
            total: 6,
        },
        ..d.clone()
    };
    let seq = at as u64 + 1;
    m.apply(correction(
        seq,
        CorrectionAction::Amend,
        Some(MatchEvent::Ball(six.clone())),
    ))
    .unwrap();

    let inn = &m.live().innings[0];
    assert_eq!(u64::from(inn.runs), total + 2);
    let line = inn.batting.iter().find(|b| b.name == batter).unwrap();
    assert_eq!(u64::from(line.runs), batter_runs + 2);
    let hits = |n: u64| {
        deliveries
            .iter()
            .filter(|d| {
                d["batter"] == batter && d["runs"]["batter"] == n && d.get("non_boundary").is_none()
            })
            .count() as u32
    };
    assert_eq!((line.fours, line.sixes), (hits(4) - 1, hits(6) + 1));

    let note = m.last_correction().expect("a note of what changed");
    assert_eq!(note.seq, seq);
    assert!(note.text.contains("FOUR → SIX"), "{}", note.text);
    let over = four_label(&deliveries, four);
    assert_eq!(note.ball, over, "{}", note.text);
    let from = format!("{}", batter_runs);
    assert!(
        note.changes.iter().any(|c| c.what == "batter"
            && c.name == batter
            && c.from.trim_end_matches('*') == from),
        "{:?}",
        note.changes
    );
    assert!(note
        .changes
        .iter()
        .any(|c| c.what == "bowler" && c.name == bowler));
    assert!(note
        .changes
        .iter()
        .any(|c| c.what == "score" && c.innings == 1));
    assert_eq!(m.live().corrections.len(), 1);

    // The same as scoring the match with a six there in the first place.
    let mut events = parsed.events.clone();
    events[at] = Recorded::from(MatchEvent::Ball(six));
    let scratch = Match::replay(parsed.setup.clone(), events).unwrap();
    assert_eq!(figures(&m), figures(&scratch));
    assert_eq!(m.events(), scratch.events());

    // And the log with the correction appended replays to the same state, note included.
    let mut log = parsed.events.clone();
    log.push(Recorded::from(MatchEvent::Correction(Correction {
        seq,
        action: CorrectionAction::Amend,
        event: Some(Box::new(m.events()[at].clone())),
    })));
    let replayed = Match::replay(parsed.setup, log).unwrap();
    assert_eq!(replayed.live(), m.live());
}

/// "over.ball" of the delivery at `idx` in the innings' file order, counting every delivery of
/// its over (wides and no-balls too), as the commentary numbers them.
fn four_label(deliveries: &[&Value], idx: usize) -> String {
    let mut over = 0u64;
    let mut n = 0u64;
    let mut legal = 0u64;
    for (i, d) in deliveries.iter().enumerate() {
        if legal == 6 {
            over += 1;
            n = 0;
            legal = 0;
        }
        n += 1;
        let e = &d["extras"];
        if e.get("wides").is_none() && e.get("noballs").is_none() {
            legal += 1;
        }
        if i == idx {
            return format!("{over}.{n}");
        }
    }
    unreachable!()
}

#[test]
fn a_refused_correction_changes_nothing_and_names_what_breaks() {
    let json = data(WON_BATTING_FIRST);
    let parsed = cricsheet::parse(&json).unwrap();
    let mut m = Match::replay(parsed.setup.clone(), parsed.events.clone()).unwrap();
    let before = m.clone();

    // No event has this seq.
    let none = m.apply(correction(100_000, CorrectionAction::Delete, None));
    assert_eq!(none, Err(LawViolation::NoSuchEvent { seq: 100_000 }));

    // The first ball deleted: the batters no longer stand where the later balls name them.
    let first_ball = parsed
        .events
        .iter()
        .position(|e| matches!(e.event, MatchEvent::Ball(_)))
        .unwrap();
    let refused = m.apply(correction(
        first_ball as u64 + 1,
        CorrectionAction::Delete,
        None,
    ));
    match refused {
        Err(LawViolation::LaterEventRefused { seq, .. }) => assert!(seq > first_ball as u64 + 1),
        other => panic!("expected a later event refused, got {other:?}"),
    }
    assert_eq!(m.live(), before.live());
    assert_eq!(m.events(), before.events());

    // An amendment whose own ball breaks a Law is refused for that Law, not for a later event.
    let MatchEvent::Ball(d) = &parsed.events[first_ball].event else {
        unreachable!()
    };
    let wrong = Delivery {
        bowler: "Nobody".into(),
        ..d.clone()
    };
    let refused = m.apply(correction(
        first_ball as u64 + 1,
        CorrectionAction::Amend,
        Some(MatchEvent::Ball(wrong)),
    ));
    assert!(
        matches!(refused, Err(LawViolation::NotInTeam { .. })),
        "{refused:?}"
    );

    // Nor can an undo or a correction be put in the past.
    let refused = m.apply(correction(
        first_ball as u64 + 1,
        CorrectionAction::Insert,
        Some(MatchEvent::Undo),
    ));
    assert!(
        matches!(refused, Err(LawViolation::InvalidEvent(_))),
        "{refused:?}"
    );
    assert_eq!(m.live(), before.live());
}

#[test]
fn an_undone_event_cannot_be_corrected_and_undo_after_a_correction_takes_back_the_last_ball() {
    let json = data(WON_BATTING_FIRST);
    let parsed = cricsheet::parse(&json).unwrap();
    let n = parsed.events.len();
    let mut m = Match::replay(parsed.setup.clone(), parsed.events.clone()).unwrap();
    m.apply(MatchEvent::Undo).unwrap();
    // The last event (seq n) is undone: it is no longer in force.
    assert_eq!(
        m.apply(correction(n as u64, CorrectionAction::Delete, None)),
        Err(LawViolation::NoSuchEvent { seq: n as u64 })
    );
    // A correction that changes nothing but a commentary line, then an undo: the undo takes
    // back the last event in force (seq n - 1), and the correction stays told.
    let first_ball = parsed
        .events
        .iter()
        .position(|e| matches!(e.event, MatchEvent::Ball(_)))
        .unwrap();
    let MatchEvent::Ball(d) = &parsed.events[first_ball].event else {
        unreachable!()
    };
    let noted = Delivery {
        commentary: Some("Good length, defended".into()),
        ..d.clone()
    };
    m.apply(correction(
        first_ball as u64 + 1,
        CorrectionAction::Amend,
        Some(MatchEvent::Ball(noted)),
    ))
    .unwrap();
    assert_eq!(m.seqs().last(), Some(&(n as u64 - 1)));
    m.apply(MatchEvent::Undo).unwrap();
    assert_eq!(m.seqs().last(), Some(&(n as u64 - 2)));
    assert_eq!(m.live().corrections.len(), 1);
}

/// A random correction of a real match: which event, what to do, and the runs for an amendment.
#[derive(Debug, Clone)]
struct Pick {
    file: usize,
    at: prop::sample::Index,
    action: u8,
    runs: u32,
}

fn pick() -> impl Strategy<Value = Pick> {
    (0..T20S.len(), any::<prop::sample::Index>(), 0u8..3, 0u32..7).prop_map(
        |(file, at, action, runs)| Pick {
            file,
            at,
            action,
            runs,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Amend a ball's runs, delete an event, or insert a copy of a ball before itself, anywhere
    /// in a real match, twice over: each time, the correction either stands and the state is
    /// the corrected match's scored from scratch, or it is refused, the match is unchanged and
    /// scoring the corrected match from scratch is refused at the same seq for the same reason.
    #[test]
    fn a_correction_is_the_corrected_match_scored_from_scratch(picks in prop::collection::vec(pick(), 1..3)) {
        let parsed = cricsheet::parse(&data(T20S[picks[0].file])).unwrap();
        let mut m = Match::replay(parsed.setup.clone(), parsed.events.clone()).unwrap();
        let mut list = numbered(&parsed.events);
        let mut logged = list.len() as u64;
        for p in &picks {
            let (seq, target) = list[p.at.index(list.len())].clone();
            let c = match (p.action, &target.event) {
                (0, MatchEvent::Ball(d)) => {
                    let mut d = d.clone();
                    d.runs.batter = p.runs;
                    d.runs.total = p.runs + d.runs.extras;
                    Correction { seq, action: CorrectionAction::Amend, event: Some(Box::new(MatchEvent::Ball(d).into())) }
                }
                (1, MatchEvent::Ball(_)) => Correction { seq, action: CorrectionAction::Insert, event: Some(Box::new(target.clone())) },
                _ => Correction { seq, action: CorrectionAction::Delete, event: None },
            };
            let corrected = edited(&list, &c, logged + 1).expect("the seq is in force");
            let before = m.clone();
            let outcome = m.apply(MatchEvent::Correction(c.clone()));
            let scratch = from_scratch(&m, &corrected);
            match (outcome, scratch) {
                (Ok(()), Ok(fresh)) => {
                    prop_assert_eq!(figures(&m), figures(&fresh));
                    prop_assert_eq!(m.events(), fresh.events());
                    let seqs: Vec<u64> = corrected.iter().map(|(s, _)| *s).collect();
                    prop_assert_eq!(m.seqs(), &seqs[..]);
                    list = corrected;
                    logged += 1;
                }
                (Err(refused), Err((at, cause))) => {
                    prop_assert_eq!(m.live(), before.live());
                    prop_assert_eq!(m.events(), before.events());
                    let own = match c.action { CorrectionAction::Amend => Some(c.seq), CorrectionAction::Insert => Some(logged + 1), CorrectionAction::Delete => None };
                    let expected = if Some(at) == own { cause } else { LawViolation::LaterEventRefused { seq: at, cause: Box::new(cause) } };
                    prop_assert_eq!(refused, expected);
                }
                (outcome, scratch) => {
                    return Err(TestCaseError::fail(format!(
                        "the correction {c:?} gave {outcome:?}, scoring from scratch {:?}",
                        scratch.map(|_| ())
                    )));
                }
            }
        }
    }
}

/// The umpire gave a seventh ball: a miscounted over put in before the sixth reopens the over,
/// so the same bowler bowls on and the over ends after the seventh.
#[test]
fn a_miscounted_over_put_in_before_the_last_ball_reopens_the_over() {
    let json = data(WON_BATTING_FIRST);
    let parsed = cricsheet::parse(&json).unwrap();
    // The log up to the sixth legal ball of the first over.
    let mut legal = 0;
    let sixth = parsed
        .events
        .iter()
        .position(|e| {
            if let MatchEvent::Ball(d) = &e.event {
                if d.extras.wides == 0 && d.extras.noballs == 0 {
                    legal += 1;
                }
            }
            legal == 6
        })
        .unwrap();
    let mut m = Match::replay(parsed.setup.clone(), parsed.events[..=sixth].to_vec()).unwrap();
    let MatchEvent::Ball(last) = &parsed.events[sixth].event else {
        unreachable!()
    };
    assert!(m.live().due.contains(&crease_domain::live::Due::NewBowler));

    let reopen = MatchEvent::MiscountedOver(crease_domain::event::MiscountedOver { balls: 7 });
    m.apply(correction(
        sixth as u64 + 1,
        CorrectionAction::Insert,
        Some(reopen),
    ))
    .unwrap();
    assert!(
        !m.live().due.contains(&crease_domain::live::Due::NewBowler),
        "{:?}",
        m.live().due
    );
    assert_eq!(m.live().bowler.as_deref(), Some(last.bowler.as_str()));
    assert_eq!(m.live().innings[0].balls, 6);

    let live = m.live().clone();
    let seventh = Delivery {
        batter: live.striker.clone().unwrap(),
        non_striker: live.non_striker.clone().unwrap(),
        bowler: last.bowler.clone(),
        runs: crease_domain::Runs::default(),
        extras: Default::default(),
        wickets: vec![],
        non_boundary: false,
        commentary: None,
    };
    m.apply(MatchEvent::Ball(seventh)).unwrap();
    assert_eq!(m.live().innings[0].balls, 7);
    assert!(m.live().due.contains(&crease_domain::live::Due::NewBowler));
    assert_eq!(m.live().innings[0].bowling[0].balls, 7);
}
