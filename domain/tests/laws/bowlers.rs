//! Bowlers: no two overs in a row (Law 17.8), the limited-overs quota, and the right side.

use super::*;

#[test]
fn consecutive_overs_are_refused_on_the_ball() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    assert_refused!(m, b(ends.ball(BOWLER)), LawViolation::ConsecutiveOvers { ref name } if name == BOWLER);
}

#[test]
fn consecutive_overs_are_refused_as_a_bowler_change() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    let change = MatchEvent::BowlerChange(BowlerChange {
        bowler: BOWLER.into(),
    });
    assert_refused!(m, change, LawViolation::ConsecutiveOvers { ref name } if name == BOWLER);
}

#[test]
fn a_fifth_over_in_a_t20_is_refused() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    for _ in 0..4 {
        dot_over(&mut m, &mut ends, BOWLER);
        dot_over(&mut m, &mut ends, CHANGE);
    }
    assert_refused!(
        m,
        b(ends.ball(BOWLER)),
        LawViolation::OverQuotaExceeded { ref name, quota: 4 } if name == BOWLER
    );
}

#[test]
fn a_bowler_from_the_batting_side_is_refused() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    assert_refused!(
        m,
        b(ends.ball(NORTH_XI[10])),
        LawViolation::NotInTeam { field: "bowler", ref name, .. } if name == NORTH_XI[10]
    );
}
