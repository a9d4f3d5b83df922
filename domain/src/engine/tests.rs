//! Unit tests for the tricky Laws, beside the engine: strike on no-balls and wides, the free
//! hit, follow-on targets, innings victories, super overs and DLS results, and exact undo.

use super::Match;
use crate::event::{
    DismissalKind, Extras, Fielder, InningsStart, MatchEvent, RevisedTarget, Runs, Wicket,
};
use crate::law::LawViolation;
use crate::live::MatchStatus;
use crate::setup::{MatchFormat, MatchSetup, TeamSheet};
use crate::Delivery;

fn xi(p: &str) -> Vec<String> {
    (1..=11).map(|i| format!("{p}{i}")).collect()
}

fn teams() -> [TeamSheet; 2] {
    [
        TeamSheet {
            name: "Aston".into(),
            players: xi("A"),
        },
        TeamSheet {
            name: "Bury".into(),
            players: xi("B"),
        },
    ]
}

fn limited(overs: u16) -> Match {
    Match::new(MatchSetup::limited_overs(MatchFormat::T20, teams(), overs))
}

fn start(m: &mut Match, bat: &str, super_over: bool) {
    let (p, q) = if bat == "Aston" {
        ("A", "B")
    } else {
        ("B", "A")
    };
    m.apply(MatchEvent::InningsStart(InningsStart {
        batting_team: bat.into(),
        striker: format!("{p}1"),
        non_striker: format!("{p}2"),
        bowler: format!("{q}11"),
        super_over,
    }))
    .unwrap();
}

/// A delivery from whoever is due: the batters in (or the next in the order), the over's
/// bowler (or the next of five in rotation).
fn delivery(m: &Match, batter_runs: u32, extras: Extras, wickets: Vec<Wicket>) -> Delivery {
    let live = m.live();
    let inn = live.innings.last().unwrap();
    let p = &inn.team[..1];
    let mut fresh = (1..=11)
        .map(|i| format!("{p}{i}"))
        .filter(|n| !inn.batting.iter().any(|l| &l.name == n));
    let batter = live
        .striker
        .clone()
        .unwrap_or_else(|| fresh.next().unwrap());
    let non_striker = live
        .non_striker
        .clone()
        .unwrap_or_else(|| fresh.next().unwrap());
    let bowler = live.bowler.clone().unwrap_or_else(|| {
        let over: u32 = inn.overs.split('.').next().unwrap().parse().unwrap();
        format!("{}{}", &inn.bowling_team[..1], 11 - over % 5)
    });
    let extras_total = extras.total();
    Delivery {
        batter,
        non_striker,
        bowler,
        runs: Runs {
            batter: batter_runs,
            extras: extras_total,
            total: batter_runs + extras_total,
        },
        extras,
        wickets,
        non_boundary: false,
        commentary: None,
    }
}

fn hit(m: &mut Match, runs: u32) {
    let d = delivery(m, runs, Extras::default(), vec![]);
    m.apply(MatchEvent::Ball(d)).unwrap();
}

fn bowled(m: &mut Match) {
    let mut d = delivery(m, 0, Extras::default(), vec![]);
    d.wickets = vec![Wicket {
        kind: DismissalKind::Bowled,
        player_out: d.batter.clone(),
        fielders: vec![],
    }];
    m.apply(MatchEvent::Ball(d)).unwrap();
}

fn all_out(m: &mut Match) {
    while m.live().innings.last().is_some_and(|i| !i.closed) {
        bowled(m);
    }
}

/// Scores `runs` in sixes and a remainder, then is bowled out.
fn score_then_all_out(m: &mut Match, runs: u32) {
    for _ in 0..runs / 6 {
        hit(m, 6);
    }
    if !runs.is_multiple_of(6) {
        hit(m, runs % 6);
    }
    all_out(m);
}

#[test]
fn odd_runs_off_the_bat_on_a_no_ball_swap_strike() {
    let mut m = limited(20);
    start(&mut m, "Aston", false);
    let d = delivery(
        &m,
        1,
        Extras {
            noballs: 1,
            ..Extras::default()
        },
        vec![],
    );
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert_eq!(m.live().striker.as_deref(), Some("A2"));
    let inn = &m.live().innings[0];
    assert_eq!((inn.runs, inn.balls), (2, 0));
    assert_eq!(inn.batting[0].balls, 1, "a no-ball is a ball faced");
    assert_eq!(inn.bowling[0].runs, 2);
    // A wide of two: one run was run, so the batters crossed.
    let d = delivery(
        &m,
        0,
        Extras {
            wides: 2,
            ..Extras::default()
        },
        vec![],
    );
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert_eq!(m.live().striker.as_deref(), Some("A1"));
}

#[test]
fn a_free_hit_follows_a_no_ball_and_only_run_outs_count_on_it() {
    let mut m = limited(20);
    start(&mut m, "Aston", false);
    let d = delivery(
        &m,
        0,
        Extras {
            noballs: 1,
            ..Extras::default()
        },
        vec![],
    );
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert!(m.live().free_hit);
    let before = m.live().clone();
    let mut d = delivery(&m, 0, Extras::default(), vec![]);
    d.wickets = vec![Wicket {
        kind: DismissalKind::Bowled,
        player_out: d.batter.clone(),
        fielders: vec![],
    }];
    assert_eq!(
        m.apply(MatchEvent::Ball(d)),
        Err(LawViolation::FreeHitDismissal)
    );
    assert_eq!(m.live(), &before, "a refusal changes nothing");
    // A wide on the free hit keeps it, and stumping is still not possible.
    let mut d = delivery(
        &m,
        0,
        Extras {
            wides: 1,
            ..Extras::default()
        },
        vec![],
    );
    d.wickets = vec![Wicket {
        kind: DismissalKind::Stumped,
        player_out: d.batter.clone(),
        fielders: vec![Fielder {
            name: "B1".into(),
            substitute: false,
        }],
    }];
    assert_eq!(
        m.apply(MatchEvent::Ball(d)),
        Err(LawViolation::FreeHitDismissal)
    );
    let mut d = delivery(&m, 0, Extras::default(), vec![]);
    d.wickets = vec![Wicket {
        kind: DismissalKind::RunOut,
        player_out: d.non_striker.clone(),
        fielders: vec![],
    }];
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert!(!m.live().free_hit);
    assert_eq!(m.live().innings[0].wickets, 1);
}

#[test]
fn after_the_follow_on_the_fourth_innings_target_is_the_lead_plus_one() {
    let mut m = Match::new(MatchSetup::test(teams()));
    start(&mut m, "Aston", false);
    score_then_all_out(&mut m, 300);
    start(&mut m, "Bury", false);
    score_then_all_out(&mut m, 100);
    start(&mut m, "Bury", false);
    assert!(m.live().innings[2].follow_on);
    score_then_all_out(&mut m, 250);
    start(&mut m, "Aston", false);
    assert_eq!(m.live().innings[3].target, Some(51));
    hit(&mut m, 6);
    assert_eq!(m.live().innings[3].runs_needed, Some(45));
}

#[test]
fn a_side_bowled_out_twice_below_one_innings_loses_by_an_innings() {
    let mut m = Match::new(MatchSetup::test(teams()));
    start(&mut m, "Aston", false);
    score_then_all_out(&mut m, 400);
    start(&mut m, "Bury", false);
    score_then_all_out(&mut m, 100);
    start(&mut m, "Bury", false);
    score_then_all_out(&mut m, 150);
    let live = m.live();
    assert_eq!(live.status, MatchStatus::Finished);
    assert_eq!(
        live.result.as_deref(),
        Some("Aston won by an innings and 150 runs")
    );
    assert_eq!(live.winner.as_deref(), Some("Aston"));
}

#[test]
fn a_tie_goes_to_a_super_over_whose_winner_wins_the_match() {
    let mut m = limited(1);
    start(&mut m, "Aston", false);
    for _ in 0..6 {
        hit(&mut m, 1);
    }
    start(&mut m, "Bury", false);
    for _ in 0..6 {
        hit(&mut m, 1);
    }
    assert_eq!(m.live().result.as_deref(), Some("Match tied"));
    start(&mut m, "Bury", true);
    hit(&mut m, 4);
    bowled(&mut m);
    bowled(&mut m);
    assert!(m.live().innings[2].closed, "two wickets end a super over");
    start(&mut m, "Aston", true);
    assert_eq!(m.live().innings[3].target, Some(5));
    hit(&mut m, 6);
    let live = m.live();
    assert_eq!(
        live.result.as_deref(),
        Some("Match tied, Aston won the super over")
    );
    assert_eq!(live.winner.as_deref(), Some("Aston"));
}

#[test]
fn a_revised_target_decides_on_runs_and_names_the_method() {
    // Set before the chase: 2 overs to score 30; they make 12.
    let mut m = limited(5);
    start(&mut m, "Aston", false);
    for _ in 0..30 {
        hit(&mut m, 1);
    }
    m.apply(MatchEvent::RevisedTarget(RevisedTarget {
        runs: 30,
        overs: Some(2.0),
    }))
    .unwrap();
    start(&mut m, "Bury", false);
    assert_eq!(m.live().innings[1].max_balls, Some(12));
    for _ in 0..12 {
        hit(&mut m, 1);
    }
    assert_eq!(
        m.live().result.as_deref(),
        Some("Aston won by 17 runs (DLS method)")
    );

    // Set after play stopped, with the chasers past par: they win by the runs above it.
    let mut m = limited(5);
    start(&mut m, "Aston", false);
    for _ in 0..30 {
        hit(&mut m, 1);
    }
    start(&mut m, "Bury", false);
    for _ in 0..7 {
        hit(&mut m, 2);
    }
    m.apply(MatchEvent::RevisedTarget(RevisedTarget {
        runs: 11,
        overs: Some(1.1),
    }))
    .unwrap();
    assert_eq!(
        m.live().result.as_deref(),
        Some("Bury won by 4 runs (DLS method)")
    );
}

#[test]
fn a_chase_won_with_balls_to_spare_says_how_many() {
    let mut m = limited(2);
    start(&mut m, "Aston", false);
    for _ in 0..12 {
        hit(&mut m, 1);
    }
    start(&mut m, "Bury", false);
    hit(&mut m, 6);
    bowled(&mut m);
    hit(&mut m, 6);
    hit(&mut m, 1);
    assert_eq!(
        m.live().result.as_deref(),
        Some("Bury won by 9 wickets (8 balls left)")
    );
    assert_eq!(m.live().summary, "Bury won by 9 wickets (8 balls left)");
}

#[test]
fn undo_restores_exactly_the_state_before() {
    let mut m = limited(20);
    start(&mut m, "Aston", false);
    for runs in [1, 4, 0, 6, 2, 1, 3] {
        let before = m.live().clone();
        hit(&mut m, runs);
        m.apply(MatchEvent::Undo).unwrap();
        assert_eq!(m.live(), &before);
        hit(&mut m, runs);
    }
    let before = m.live().clone();
    bowled(&mut m);
    m.apply(MatchEvent::Undo).unwrap();
    assert_eq!(m.live(), &before);
    let mut fresh = limited(20);
    assert_eq!(
        fresh.apply(MatchEvent::Undo),
        Err(LawViolation::NothingToUndo)
    );
}

#[test]
fn a_batter_retired_hurt_may_come_back_as_the_last_man_or_be_recorded_as_not_resuming() {
    let setup = || {
        let mut m = Match::new(MatchSetup::test(teams()));
        start(&mut m, "Aston", false);
        let mut d = delivery(&m, 0, Extras::default(), vec![]);
        d.wickets = vec![Wicket {
            kind: DismissalKind::RetiredHurt,
            player_out: "A1".into(),
            fielders: vec![],
        }];
        m.apply(MatchEvent::Ball(d)).unwrap();
        for _ in 0..9 {
            bowled(&mut m);
        }
        m
    };
    // Nine down with only the injured opener left: the innings waits for them.
    let mut m = setup();
    assert!(!m.live().innings[0].closed);
    let live = m.live();
    let d = Delivery {
        batter: live.striker.clone().unwrap_or_else(|| "A1".into()),
        non_striker: live.non_striker.clone().unwrap_or_else(|| "A1".into()),
        bowler: live.bowler.clone().unwrap_or_default(),
        runs: Runs {
            batter: 4,
            extras: 0,
            total: 4,
        },
        extras: Extras::default(),
        wickets: vec![],
        non_boundary: false,
        commentary: None,
    };
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert_eq!(m.live().innings[0].batting[0].dismissal, "not out");

    let mut m = setup();
    m.apply(MatchEvent::Retirement(crate::event::Retirement {
        batter: "A1".into(),
        kind: crate::event::RetirementKind::NotOut,
    }))
    .unwrap();
    let inn = &m.live().innings[0];
    assert!(inn.closed, "no batter is left to come in");
    assert_eq!(
        (inn.wickets, inn.batting[0].dismissal.as_str()),
        (9, "retired not out")
    );
}

/// The match total bounds every runs figure; a delivery that would take it past `u32` is
/// refused, not saturated, and leaves the match as it was.
#[test]
fn runs_that_would_overflow_the_total_are_refused() {
    let mut m = limited(20);
    start(&mut m, "Aston", false);
    m.live.innings[0].runs = u32::MAX - 3;
    let before = serde_json::to_string(m.live()).unwrap();
    let d = delivery(&m, 4, Extras::default(), vec![]);
    assert_eq!(
        m.apply(MatchEvent::Ball(d)),
        Err(LawViolation::TotalOutOfRange)
    );
    assert_eq!(serde_json::to_string(m.live()).unwrap(), before);
    let d = delivery(&m, 3, Extras::default(), vec![]);
    m.apply(MatchEvent::Ball(d)).unwrap();
    assert_eq!(m.live().innings[0].runs, u32::MAX);
}
