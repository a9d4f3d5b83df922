//! How an innings and a match end: all out, overs, target, declaration; nothing may follow.

use super::*;

#[test]
fn an_innings_ends_when_all_out() {
    let mut m = t20();
    all_out(&mut m, NORTH_XI, [BOWLER, CHANGE], 4);
    let inn = innings(&m);
    assert_eq!((inn.runs, inn.wickets, inn.balls), (4, 10, 11));
    assert!(inn.closed);
    assert_eq!(m.live().status, MatchStatus::InningsBreak);
    assert_eq!(inn.batting.iter().filter(|l| l.out).count(), 10);
}

#[test]
fn a_ball_after_all_out_is_refused() {
    let mut m = t20();
    all_out(&mut m, NORTH_XI, [BOWLER, CHANGE], 4);
    assert_refused!(m, b(ball(B, C, CHANGE)), LawViolation::NoInningsInProgress);
}

#[test]
fn an_innings_ends_when_its_overs_are_bowled() {
    let mut m = t20();
    dot_overs(&mut m, &mut Ends::new(A, B), 20);
    let inn = innings(&m);
    assert_eq!(
        (inn.balls, inn.overs.as_str(), inn.max_balls),
        (120, "20.0", Some(120))
    );
    assert!(inn.closed);
    assert_eq!(m.live().status, MatchStatus::InningsBreak);
}

#[test]
fn a_ball_after_the_overs_are_bowled_is_refused() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_overs(&mut m, &mut ends, 20);
    assert_refused!(
        m,
        b(ends.ball(SOUTH_XI[5])),
        LawViolation::NoInningsInProgress
    );
}

#[test]
fn an_innings_and_the_match_end_when_the_target_is_reached() {
    let mut m = t20_chasing_five();
    assert_eq!(innings(&m).target, Some(5));
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(4)),
    );
    assert_eq!(m.live().status, MatchStatus::InProgress);
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(1)),
    );
    let inn = innings(&m);
    assert!(inn.closed);
    assert_eq!((inn.runs, inn.wickets, inn.balls), (5, 0, 2));
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(m.live().winner.as_deref(), Some(SOUTH));
    let result = m.live().result.clone().unwrap_or_default();
    assert!(result.contains("won by 10 wickets"), "{result}");
}

#[test]
fn a_ball_after_the_target_is_reached_is_refused() {
    let mut m = t20_chasing_five();
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(6)),
    );
    let d = ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]);
    assert_refused!(m, b(d), LawViolation::MatchOver);
}

#[test]
fn a_ball_after_the_match_ended_is_refused() {
    let mut m = t20_chasing_five();
    all_out(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]], 0);
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(m.live().winner.as_deref(), Some(NORTH));
    let result = m.live().result.clone().unwrap_or_default();
    assert!(result.contains("won by 4 runs"), "{result}");
    assert_refused!(
        m,
        b(ball(SOUTH_XI[1], SOUTH_XI[2], NORTH_XI[9])),
        LawViolation::MatchOver
    );
    let restart = innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]);
    assert_refused!(m, restart, LawViolation::MatchOver);
}

#[test]
fn an_innings_ends_on_a_declaration() {
    let mut m = test_match();
    ok(&mut m, b(ball(A, B, BOWLER).runs(4)));
    ok(&mut m, MatchEvent::Declaration);
    let inn = innings(&m);
    assert!(inn.closed && inn.declared);
    assert_eq!((inn.runs, inn.wickets), (4, 0));
    assert_eq!(m.live().status, MatchStatus::InningsBreak);
    assert_refused!(m, b(ball(A, B, BOWLER)), LawViolation::NoInningsInProgress);
}

#[test]
fn a_wide_that_reaches_the_target_ends_the_match() {
    let mut m = t20_chasing_five();
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(4)),
    );
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).wides(1)),
    );
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(m.live().winner.as_deref(), Some(SOUTH));
    let result = m.live().result.clone().unwrap_or_default();
    assert!(result.contains("(119 balls left)"), "{result}");
}
