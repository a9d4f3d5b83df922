//! The importer on small hand-written Cricsheet files, one feature of the format at a time:
//! runs that were not a boundary, replacements, playing conditions read from the competition and
//! the date, and overrides only where the file shows the event happened.

use crease_domain::cricsheet::{self, CricsheetError, CricsheetMatch, FILE_REASON};
use crease_domain::event::{AbsentReason, NoFurtherBatter, Replacement};
use crease_domain::{FreeHits, LawViolation, Match, MatchEvent};
use serde_json::{json, Value};

const NORTH: &str = "Northmoor";
const SOUTH: &str = "Southcombe";

/// The XI of a side: "N1".."N11" or "S1".."S11".
fn xi(side: &str) -> Vec<String> {
    (1..=11).map(|i| format!("{side}{i}")).collect()
}

fn p(side: &str, n: usize) -> String {
    format!("{side}{n}")
}

fn info(match_type: &str, date: &str, competition: &str) -> Value {
    json!({
        "balls_per_over": 6,
        "dates": [date],
        "event": { "name": competition },
        "gender": "male",
        "match_type": match_type,
        "overs": 20,
        "players": { NORTH: xi("N"), SOUTH: xi("S") },
        "teams": [NORTH, SOUTH],
        "toss": { "decision": "bat", "winner": NORTH }
    })
}

fn dot(batter: &str, non_striker: &str, bowler: &str) -> Value {
    runs(batter, non_striker, bowler, 0)
}

fn runs(batter: &str, non_striker: &str, bowler: &str, n: u32) -> Value {
    json!({
        "batter": batter,
        "bowler": bowler,
        "non_striker": non_striker,
        "runs": { "batter": n, "extras": 0, "total": n }
    })
}

/// A T20 file of 2023 with one innings, Northmoor's, of these overs.
fn t20(overs: Vec<Vec<Value>>) -> Value {
    let overs: Vec<Value> = overs
        .into_iter()
        .enumerate()
        .map(|(i, deliveries)| json!({ "over": i, "deliveries": deliveries }))
        .collect();
    json!({
        "meta": { "data_version": "1.1.0" },
        "info": info("T20", "2023-06-01", "Northern Friendly"),
        "innings": [{ "team": NORTH, "overs": overs }]
    })
}

fn parse(file: &Value) -> CricsheetMatch {
    match cricsheet::parse(&file.to_string()) {
        Ok(m) => m,
        Err(e) => panic!("not imported: {e}"),
    }
}

fn replay(parsed: &CricsheetMatch) -> Match {
    match Match::replay(parsed.setup.clone(), parsed.events.clone()) {
        Ok(m) => m,
        Err((i, e)) => panic!("event {i} refused: {e:?}"),
    }
}

fn shape_error(file: &Value) -> String {
    match cricsheet::parse(&file.to_string()) {
        Err(CricsheetError::Shape(msg)) => msg,
        other => panic!("not a shape error: {:?}", other.map(|m| m.events)),
    }
}

#[test]
fn a_non_boundary_flag_on_the_delivery_is_refused() {
    // The format puts the flag inside `runs`; one on the delivery is a file made by hand or a
    // tool, and guessing what it meant could miscount a batter's sixes.
    let mut six = runs("N1", "N2", "S11", 6);
    six["non_boundary"] = json!(true);
    let msg = shape_error(&t20(vec![vec![six]]));
    assert!(
        msg.contains("non_boundary") && msg.contains("runs"),
        "{msg}"
    );
}

#[test]
fn a_non_boundary_flag_that_is_not_true_or_false_is_refused() {
    let mut six = runs("N1", "N2", "S11", 6);
    six["runs"]["non_boundary"] = json!("yes");
    let msg = shape_error(&t20(vec![vec![six]]));
    assert!(msg.contains("non_boundary"), "{msg}");
}

#[test]
fn a_six_that_was_run_is_six_runs_but_not_a_six() {
    let four = runs("N1", "N2", "S11", 4);
    let mut run_six = runs("N1", "N2", "S11", 6);
    run_six["runs"]["non_boundary"] = json!(true);
    let parsed = parse(&t20(vec![vec![four, run_six]]));
    let balls: Vec<_> = parsed
        .events
        .iter()
        .filter_map(|r| match &r.event {
            MatchEvent::Ball(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(
        balls.iter().map(|d| d.non_boundary).collect::<Vec<_>>(),
        [false, true]
    );

    let m = replay(&parsed);
    let inn = &m.live().innings[0];
    let n1 = inn.batting.iter().find(|l| l.name == "N1").unwrap();
    assert_eq!((n1.runs, n1.fours, n1.sixes), (10, 1, 0));
    assert_eq!(inn.runs, 10);
    let said: Vec<&str> = m
        .live()
        .commentary
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert!(said[0].ends_with("FOUR"), "{}", said[0]);
    assert!(said[1].ends_with("6 runs, not a boundary"), "{}", said[1]);
    let line = m.last_ball_line().unwrap();
    assert_eq!((line.boundary, line.non_boundary), (None, true));
    // The over's chips tell the two apart, so a page colours only the four as a boundary.
    assert_eq!(inn.this_over, ["4", "6r"]);
}

#[test]
fn a_six_not_marked_non_boundary_is_a_six() {
    let mut six = runs("N1", "N2", "S11", 6);
    six["runs"]["non_boundary"] = json!(false);
    let m = replay(&parse(&t20(vec![vec![six]])));
    let n1 = &m.live().innings[0].batting[0];
    assert_eq!((n1.runs, n1.sixes), (6, 1));
    let line = m.last_ball_line().unwrap();
    assert_eq!((line.boundary, line.non_boundary), (Some(6), false));
}

#[test]
fn a_role_replacement_without_out_parses() {
    // A bowler finishing an injured team-mate's over; the delivery names the new bowler, so the
    // entry needs no `out` to be understood.
    let mut over = vec![
        dot("N1", "N2", "S11"),
        dot("N1", "N2", "S11"),
        dot("N1", "N2", "S11"),
    ];
    let mut takes_over = dot("N1", "N2", "S10");
    takes_over["replacements"] = json!({
        "role": [{ "in": "S10", "reason": "injury", "role": "bowler" }]
    });
    over.push(takes_over);
    over.push(dot("N1", "N2", "S10"));
    over.push(dot("N1", "N2", "S10"));
    let parsed = parse(&t20(vec![over]));
    let kinds: Vec<&str> = parsed.events.iter().map(|r| r.event.kind()).collect();
    assert_eq!(
        kinds,
        [
            "toss",
            "innings_start",
            "ball",
            "ball",
            "ball",
            "bowler_change",
            "ball",
            "ball",
            "ball"
        ]
    );
    let m = replay(&parsed);
    let inn = &m.live().innings[0];
    assert_eq!(inn.overs, "1.0");
    let overs: Vec<(&str, &str)> = inn
        .bowling
        .iter()
        .map(|l| (l.name.as_str(), l.overs.as_str()))
        .collect();
    assert_eq!(overs, [("S11", "0.3"), ("S10", "0.3")]);
}

#[test]
fn a_match_replacement_before_the_first_ball_lets_the_replacement_open() {
    let mut file = t20(vec![vec![]]);
    let mut first = runs("N Sub", "N2", "S11", 1);
    first["replacements"] = json!({
        "match": [{ "in": "N Sub", "out": "N1", "reason": "impact_player", "team": NORTH }]
    });
    file["innings"][0]["overs"][0]["deliveries"] = json!([first, dot("N2", "N Sub", "S11")]);
    // Cricsheet lists the player brought in among the side's players.
    file["info"]["players"][NORTH]
        .as_array_mut()
        .unwrap()
        .push(json!("N Sub"));

    let parsed = parse(&file);
    assert_eq!(
        parsed.setup.teams[0].players,
        xi("N"),
        "the sub is not in the XI"
    );
    let replacement = Replacement {
        team: NORTH.into(),
        player_in: "N Sub".into(),
        player_out: "N1".into(),
        reason: Some("impact_player".into()),
    };
    assert_eq!(parsed.events[1].event, MatchEvent::Replacement(replacement));
    match &parsed.events[2].event {
        MatchEvent::InningsStart(s) => assert_eq!(s.striker, "N Sub"),
        other => panic!("{other:?}"),
    }

    let mut m = replay(&parsed);
    let inn = &m.live().innings[0];
    assert_eq!(inn.batting[0].name, "N Sub");
    assert_eq!((inn.batting[0].runs, inn.runs), (1, 1));
    // The player replaced is out of the match: not even as the next batter in.
    let n1 = serde_json::from_value(runs("N1", "N Sub", "S11", 0)).unwrap();
    let retire = MatchEvent::Retirement(crease_domain::event::Retirement {
        batter: "N2".into(),
        kind: crease_domain::event::RetirementKind::Out,
    });
    m.apply(retire).unwrap();
    let err = m.apply(MatchEvent::Ball(n1)).unwrap_err();
    assert!(
        matches!(err, LawViolation::NotInTeam { ref name, .. } if name == "N1"),
        "{err:?}"
    );
}

fn conditions(match_type: &str, date: &str, competition: &str) -> (FreeHits, u8, u8) {
    let file = json!({ "info": info(match_type, date, competition), "innings": [] });
    let s = parse(&file).setup;
    (s.free_hit, s.noball_runs, s.max_consecutive_overs)
}

#[test]
fn playing_conditions_come_from_the_competition_and_the_date() {
    let laws = |free_hit| (free_hit, 1, 1);
    assert_eq!(
        conditions("T20", "2006-06-13", "Twenty20 Cup"),
        laws(FreeHits::None)
    );
    assert_eq!(
        conditions("T20", "2010-05-01", "ICC World Twenty20"),
        laws(FreeHits::FrontFoot)
    );
    assert_eq!(
        conditions("ODI", "2019-07-14", "ICC Cricket World Cup"),
        laws(FreeHits::All)
    );
    assert_eq!(
        conditions("T20", "2023-06-01", "Vitality Blast"),
        (FreeHits::FrontFoot, 2, 1)
    );
    assert_eq!(
        conditions("ODM", "2023-08-01", "Metro Bank One-Day Cup"),
        (FreeHits::FrontFoot, 2, 1)
    );
    assert_eq!(
        conditions("T20", "2023-08-01", "The Hundred Men's Competition"),
        (FreeHits::All, 1, 2)
    );
    assert_eq!(
        conditions("Test", "2023-06-16", "Ashes"),
        laws(FreeHits::None)
    );
}

fn dot_over(batters: (&str, &str), bowler: &str) -> Vec<Value> {
    (0..6).map(|_| dot(batters.0, batters.1, bowler)).collect()
}

#[test]
fn an_event_the_file_shows_happened_is_recorded_with_an_override() {
    let file = t20(vec![
        dot_over(("N1", "N2"), "S11"),
        dot_over(("N2", "N1"), "S11"),
    ]);
    let parsed = parse(&file);
    let overridden: Vec<_> = parsed
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.overridden.as_ref().map(|o| (i, o)))
        .collect();
    // Only the first ball of the second over: the rest of it is that over's bowler bowling on.
    assert_eq!(overridden.len(), 1, "{overridden:?}");
    let (i, o) = overridden[0];
    assert_eq!(i, 2 + 6);
    assert_eq!(o.reason, FILE_REASON);
    assert_eq!(o.rule.as_deref(), Some("consecutive-overs"));

    let m = replay(&parsed);
    let notes = &m.live().overrides;
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].rule.as_str(), notes[0].reason.as_str()),
        ("consecutive-overs", FILE_REASON)
    );
    assert_eq!(m.live().innings[0].balls, 12);
}

#[test]
fn what_the_laws_cannot_represent_gets_no_override() {
    let mut over = dot_over(("N1", "N2"), "S11");
    over[3] = dot("Stranger", "N2", "S11");
    // The next over breaks a rule of play too, but once the file has parted from the Laws the
    // importer no longer knows the state, so it claims no decision it cannot check.
    let file = t20(vec![over, dot_over(("N2", "N1"), "S11")]);
    let parsed = parse(&file);
    assert!(parsed.events.iter().all(|r| r.overridden.is_none()));
    let (i, err) = Match::replay(parsed.setup.clone(), parsed.events.clone()).unwrap_err();
    assert_eq!(i, 2 + 3);
    assert!(
        matches!(err, LawViolation::NotInTeam { field: "batter", ref name, .. } if name == "Stranger"),
        "{err:?}"
    );
    assert!(!err.overridable());
}

/// One over and four balls: N1 scores `first` off the first ball, then the striker is bowled
/// on each of the next nine, the next batter in named on the following ball; N11 never comes.
fn nine_down(first: u32) -> Vec<Vec<Value>> {
    let (mut striker, mut non_striker) = (p("N", 1), p("N", 2));
    let mut next_in = 3;
    let mut overs = vec![vec![], vec![]];
    for n in 0..10 {
        let over = n / 6;
        let bowler = if over == 0 { "S11" } else { "S10" };
        let mut d = runs(
            &striker,
            &non_striker,
            bowler,
            if n == 0 { first } else { 0 },
        );
        if n > 0 {
            d["wickets"] = json!([{ "kind": "bowled", "player_out": striker }]);
            striker = p("N", next_in);
            next_in += 1;
        }
        overs[over].push(d);
        if n == 5 {
            std::mem::swap(&mut striker, &mut non_striker);
        }
    }
    overs
}

#[test]
fn a_batter_the_file_names_absent_hurt_closes_the_innings() {
    let mut file = t20(nine_down(4));
    file["innings"][0]["absent_hurt"] = json!(["N11"]);
    let parsed = parse(&file);
    let last = parsed.events.last().unwrap();
    let absent = NoFurtherBatter {
        reason: AbsentReason::AbsentHurt,
        batters: vec!["N11".into()],
    };
    assert_eq!(last.event, MatchEvent::NoFurtherBatter(absent));
    assert!(last.overridden.is_none());

    let m = replay(&parsed);
    let inn = &m.live().innings[0];
    assert!(inn.closed);
    assert_eq!((inn.runs, inn.wickets, inn.balls), (4, 9, 10));
    let n11 = inn.batting.iter().find(|l| l.name == "N11").unwrap();
    assert_eq!(n11.dismissal, "absent hurt");
}

#[test]
fn an_innings_the_file_leaves_with_a_batter_due_stays_open_when_nothing_follows() {
    // Nothing says why no batter came: the match may simply have stopped there.
    let parsed = parse(&t20(nine_down(4)));
    assert_eq!(parsed.events.last().unwrap().event.kind(), "ball");
    let m = replay(&parsed);
    assert!(!m.live().innings[0].closed);
}
