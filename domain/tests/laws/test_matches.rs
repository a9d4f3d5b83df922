//! Two-innings matches: the follow-on (Law 14) and a win by an innings.

use super::*;

/// 216 for 0 declared off 36 sixes, by the side batting from `xi` against `bowlers`.
fn sixes_then_declare(m: &mut Match, xi: [&str; 11], bowlers: [&str; 2]) {
    for over in 0..6 {
        let (striker, other) = [(xi[0], xi[1]), (xi[1], xi[0])][over % 2];
        for _ in 0..6 {
            ok(m, b(ball(striker, other, bowlers[over % 2]).runs(6)));
        }
    }
    ok(m, MatchEvent::Declaration);
}

/// Northmoor 216 for 0 declared, Southcombe 4 all out: Northmoor lead by 212.
fn northmoor_lead_by_212() -> Match {
    let mut m = test_match();
    sixes_then_declare(&mut m, NORTH_XI, [BOWLER, CHANGE]);
    ok(
        &mut m,
        innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]),
    );
    all_out(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]], 4);
    m
}

#[test]
fn the_follow_on_then_a_win_by_an_innings() {
    let mut m = northmoor_lead_by_212();
    ok(
        &mut m,
        innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]),
    );
    assert!(innings(&m).follow_on, "Southcombe bat again straight away");
    all_out(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]], 4);
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(m.live().winner.as_deref(), Some(NORTH));
    let result = m.live().result.clone().unwrap_or_default();
    assert!(
        result.contains("won by an innings and 208 runs"),
        "{result}"
    );
}

#[test]
fn without_the_follow_on_the_side_batting_first_bats_third() {
    let mut m = northmoor_lead_by_212();
    ok(&mut m, innings_start(NORTH, A, B, BOWLER));
    assert!(!innings(&m).follow_on);
    assert_eq!(innings(&m).number, 3);
}

#[test]
fn the_side_that_leads_cannot_follow_on() {
    // Law 14.1: only the side batting first, and leading, may make the other follow on.
    let mut m = test_match();
    all_out(&mut m, NORTH_XI, [BOWLER, CHANGE], 4);
    ok(
        &mut m,
        innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]),
    );
    sixes_then_declare(&mut m, SOUTH_XI, [NORTH_XI[10], NORTH_XI[9]]);
    let again = innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]);
    assert_refused!(m, again, LawViolation::InvalidEvent(_));
}
