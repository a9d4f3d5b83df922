//! Innings cut short: no batter left to come in (absent hurt, absent), and overs reduced by an
//! interruption, which shrinks the bowlers' quota in proportion.

use super::*;
use crease_domain::event::{AbsentReason, NoFurtherBatter, ReducedOvers};

fn no_further_batter(reason: AbsentReason, batters: &[&str]) -> MatchEvent {
    MatchEvent::NoFurtherBatter(NoFurtherBatter {
        reason,
        batters: batters.iter().map(|b| b.to_string()).collect(),
    })
}

fn reduced_to(overs: f64) -> MatchEvent {
    MatchEvent::ReducedOvers(ReducedOvers { overs })
}

fn line<'a>(m: &'a Match, name: &str) -> &'a crease_domain::live::BattingLine {
    innings(m).batting.iter().find(|l| l.name == name).unwrap()
}

#[test]
fn no_further_batter_is_refused_while_both_batters_are_in() {
    let mut m = t20();
    let err = refuse(&mut m, no_further_batter(AbsentReason::AbsentHurt, &[C]));
    assert!(matches!(err, LawViolation::InvalidEvent(_)), "{err:?}");
    assert!(!err.overridable());
    let err = refuse(&mut m, no_further_batter(AbsentReason::Absent, &[]));
    assert!(matches!(err, LawViolation::InvalidEvent(_)), "{err:?}");
    // Not a rule of play: no umpire can make a batter absent who is at the crease.
    let overridden = Recorded::overriding(no_further_batter(AbsentReason::Absent, &[]), "hurt");
    assert_refused!(m, overridden, LawViolation::InvalidEvent(_));
}

#[test]
fn an_absent_batter_is_one_of_the_side_yet_to_bat() {
    let mut m = t20();
    ok(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None)),
    );
    let err = refuse(
        &mut m,
        no_further_batter(AbsentReason::Absent, &["Zeb Zennor"]),
    );
    assert!(
        matches!(err, LawViolation::NotInTeam { field: "batters", ref name, .. } if name == "Zeb Zennor"),
        "{err:?}"
    );
    assert!(!err.overridable());
    let fielder = refuse(&mut m, no_further_batter(AbsentReason::Absent, &[BOWLER]));
    assert!(
        matches!(fielder, LawViolation::NotInTeam { .. }),
        "{fielder:?}"
    );
    // Out, at the crease, or named twice: none of these is a batter who did not come in.
    for names in [&[A][..], &[B], &[C, C]] {
        let err = refuse(&mut m, no_further_batter(AbsentReason::AbsentHurt, names));
        assert!(
            matches!(err, LawViolation::InvalidEvent(_)),
            "{names:?}: {err:?}"
        );
        assert!(!err.overridable());
    }
}

#[test]
fn no_further_batter_closes_the_innings_short_of_ten_wickets() {
    let mut m = t20();
    wickets_fall(&mut m, NORTH_XI, [BOWLER, CHANGE], 6, 9);
    assert_eq!(innings(&m).wickets, 9);
    assert!(!innings(&m).closed, "a batter is still to come in");
    let before = m.live().clone();
    ok(
        &mut m,
        no_further_batter(AbsentReason::AbsentHurt, &[NORTH_XI[10]]),
    );
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!((inn.runs, inn.wickets, inn.balls), (6, 9, 10));
    assert_eq!(inn.fall_of_wickets.len(), 9);
    assert_eq!(m.live().status, MatchStatus::InningsBreak);
    let absent = line(&m, NORTH_XI[10]);
    assert_eq!(
        (absent.dismissal.as_str(), absent.out),
        ("absent hurt", false)
    );
    assert_eq!((absent.runs, absent.balls), (0, 0));
    // Only the absent batter's line changes: the one left at the crease is not out.
    assert_eq!(line(&m, NORTH_XI[6]).dismissal, "not out");
    assert_refused!(
        m,
        b(ball(NORTH_XI[6], NORTH_XI[10], CHANGE)),
        LawViolation::NoInningsInProgress
    );
    ok(&mut m, MatchEvent::Undo);
    assert_eq!(m.live(), &before);
}

#[test]
fn an_absent_batter_need_not_be_named() {
    let mut m = t20();
    wickets_fall(&mut m, NORTH_XI, [BOWLER, CHANGE], 2, 9);
    ok(&mut m, no_further_batter(AbsentReason::Absent, &[]));
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!(inn.wickets, 9);
    assert!(!inn.batting.iter().any(|l| l.name == NORTH_XI[10]));
}

#[test]
fn an_absent_last_batter_in_the_chase_decides_the_match_on_runs() {
    let (north_runs, south_runs) = (6, 2);
    let mut m = t20();
    wickets_fall(&mut m, NORTH_XI, [BOWLER, CHANGE], north_runs, 9);
    ok(
        &mut m,
        no_further_batter(AbsentReason::AbsentHurt, &[NORTH_XI[10]]),
    );
    ok(
        &mut m,
        innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]),
    );
    assert_eq!(innings(&m).target, Some(north_runs + 1));
    wickets_fall(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]], south_runs, 9);
    assert_eq!(m.live().status, MatchStatus::InProgress);
    ok(
        &mut m,
        no_further_batter(AbsentReason::Absent, &[SOUTH_XI[10]]),
    );
    assert_eq!(line(&m, SOUTH_XI[10]).dismissal, "absent");
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(m.live().winner.as_deref(), Some(NORTH));
    let margin = north_runs - south_runs;
    assert_eq!(
        m.live().result.as_deref(),
        Some(format!("{NORTH} won by {margin} runs").as_str())
    );
}

#[test]
fn reduced_overs_are_refused_in_an_unlimited_innings() {
    let mut m = test_match();
    let err = refuse(&mut m, reduced_to(40.0));
    assert!(matches!(err, LawViolation::InvalidEvent(_)), "{err:?}");
    assert!(!err.overridable());
}

#[test]
fn reduced_overs_are_refused_below_the_overs_already_bowled() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_overs(&mut m, &mut ends, 5);
    ok(&mut m, b(ends.ball(SOUTH_XI[10])));
    for overs in [4.0, 5.0] {
        let err = refuse(&mut m, reduced_to(overs));
        assert!(
            matches!(err, LawViolation::InvalidEvent(_)),
            "{overs}: {err:?}"
        );
        assert!(!err.overridable());
    }
}

#[test]
fn reduced_overs_are_refused_above_the_innings_length() {
    let mut m = t20();
    assert_refused!(m, reduced_to(21.0), LawViolation::InvalidEvent(_));
    assert_refused!(m, reduced_to(20.1), LawViolation::InvalidEvent(_));
    ok(&mut m, reduced_to(10.0));
    // A reduction is only ever a cut: the overs taken away do not come back by another.
    assert_refused!(m, reduced_to(12.0), LawViolation::InvalidEvent(_));
    let overridden = Recorded::overriding(reduced_to(12.0), "the light improved");
    assert_refused!(m, overridden, LawViolation::InvalidEvent(_));
}

#[test]
fn reduced_overs_not_in_cricket_notation_are_refused() {
    let mut m = t20();
    for overs in [10.6, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = refuse(&mut m, reduced_to(overs));
        assert!(
            matches!(err, LawViolation::InvalidEvent(_)),
            "{overs}: {err:?}"
        );
    }
}

#[test]
fn an_innings_cut_short_ends_at_its_new_length() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_overs(&mut m, &mut ends, 5);
    ok(&mut m, reduced_to(10.0));
    let inn = innings(&m);
    assert_eq!((inn.max_balls, inn.balls_remaining), (Some(60), Some(30)));
    dot_overs(&mut m, &mut ends, 5);
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!((inn.balls, inn.overs.as_str()), (60, "10.0"));
    assert_eq!(m.live().status, MatchStatus::InningsBreak);
    assert_refused!(
        m,
        b(ends.ball(SOUTH_XI[5])),
        LawViolation::NoInningsInProgress
    );
}

#[test]
fn a_cut_to_where_play_stopped_closes_the_innings_at_once() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_overs(&mut m, &mut ends, 5);
    for _ in 0..3 {
        ok(&mut m, b(ends.ball(SOUTH_XI[10])));
    }
    ok(&mut m, reduced_to(5.3));
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!(
        (inn.balls, inn.overs.as_str(), inn.max_balls),
        (33, "5.3", Some(33))
    );
}

#[test]
fn a_cut_t20_innings_allows_each_bowler_a_fifth_of_its_overs() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    ok(&mut m, reduced_to(10.0));
    dot_over(&mut m, &mut ends, BOWLER);
    dot_over(&mut m, &mut ends, CHANGE);
    dot_over(&mut m, &mut ends, BOWLER);
    dot_over(&mut m, &mut ends, CHANGE);
    assert_refused!(
        m,
        b(ends.ball(BOWLER)),
        LawViolation::OverQuotaExceeded { ref name, quota: 2 } if name == BOWLER
    );
}

#[test]
fn an_odi_innings_cut_to_36_overs_allows_8_overs_each() {
    let mut m = started(MatchSetup::limited_overs(MatchFormat::Odi, teams(), 50));
    let mut ends = Ends::new(A, B);
    for _ in 0..8 {
        dot_over(&mut m, &mut ends, BOWLER);
        dot_over(&mut m, &mut ends, CHANGE);
    }
    ok(&mut m, reduced_to(36.0));
    // Ten of 50 overs each, scaled to 36 and rounded up: part of an over is still an over.
    let quota = (36 * 10_u16).div_ceil(50);
    assert_eq!(quota, 8);
    let change = MatchEvent::BowlerChange(BowlerChange {
        bowler: BOWLER.into(),
    });
    assert_refused!(
        m,
        change,
        LawViolation::OverQuotaExceeded { ref name, quota: q } if name == BOWLER && q == quota
    );
    let refused = overrule(&mut m, b(ends.ball(BOWLER)), "the umpires' count of overs");
    assert_eq!(
        refused,
        LawViolation::OverQuotaExceeded {
            name: BOWLER.into(),
            quota
        }
    );
    for _ in 0..5 {
        ok(&mut m, b(ends.ball(BOWLER)));
    }
    ends.swap();
    let others = [SOUTH_XI[8], SOUTH_XI[7], SOUTH_XI[6]];
    for over in 17..36 {
        dot_over(&mut m, &mut ends, others[over % others.len()]);
    }
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!((inn.balls, inn.overs.as_str()), (216, "36.0"));
    let overs_of = |name: &str| {
        let line = inn.bowling.iter().find(|l| l.name == name).unwrap();
        line.overs.clone()
    };
    assert_eq!(overs_of(BOWLER), "9.0");
    assert_eq!(overs_of(CHANGE), "8.0");
    assert_eq!(m.live().overrides.len(), 1);
}

#[test]
fn reduced_overs_are_refused_in_a_super_over() {
    let mut m = t20_chasing_five();
    all_out(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]], 4);
    assert_eq!(m.live().winner, None, "a tie");
    let super_over = MatchEvent::InningsStart(InningsStart {
        batting_team: SOUTH.into(),
        striker: SOUTH_XI[0].into(),
        non_striker: SOUTH_XI[1].into(),
        bowler: NORTH_XI[10].into(),
        super_over: true,
    });
    ok(&mut m, super_over);
    assert_refused!(m, reduced_to(0.3), LawViolation::InvalidEvent(_));
}
