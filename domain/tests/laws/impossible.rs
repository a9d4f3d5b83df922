//! Deliveries that cannot happen: runs that do not add up, too many wickets.

use super::*;

#[test]
fn a_total_that_is_not_batter_plus_extras_is_refused() {
    let mut m = t20();
    let mut d = ball(A, B, BOWLER).runs(2);
    d.runs.total = 3;
    assert_refused!(
        m,
        b(d),
        LawViolation::RunsMismatch {
            total: 3,
            batter: 2,
            extras: 0
        }
    );
}

#[test]
fn three_wickets_on_one_ball_are_refused() {
    let mut m = t20();
    let d = ball(A, B, BOWLER)
        .out(DismissalKind::RunOut, A, Some(KEEPER))
        .out(DismissalKind::RunOut, B, Some(KEEPER))
        .out(DismissalKind::RunOut, A, Some(KEEPER));
    assert_refused!(m, b(d), LawViolation::TooManyWickets);
}

#[test]
fn the_same_batter_out_twice_on_one_ball_is_refused() {
    let mut m = t20();
    let d = ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None).out(
        DismissalKind::RunOut,
        A,
        Some(KEEPER),
    );
    assert_refused!(m, b(d), LawViolation::TooManyWickets);
}
