//! Who faces the next ball: runs run and the end of the over change ends.

use super::*;

#[test]
fn the_end_of_an_over_swaps_strike() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    assert_eq!(m.live().striker.as_deref(), Some(B));
    assert_eq!(m.live().non_striker.as_deref(), Some(A));
    assert_eq!(innings(&m).overs, "1.0");
    // The next over's first ball, with Birch on strike, is accepted from another bowler.
    ok(&mut m, b(ball(B, A, CHANGE)));
}

#[test]
fn an_odd_number_of_runs_swaps_strike() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).runs(1)));
    assert_eq!(m.live().striker.as_deref(), Some(B));
    ok(&mut m, b(ball(B, A, BOWLER).runs(2)));
    assert_eq!(m.live().striker.as_deref(), Some(B), "two runs: no change");
    ok(&mut m, b(ball(B, A, BOWLER).byes(3)));
    assert_eq!(
        m.live().striker.as_deref(),
        Some(A),
        "three byes are run too"
    );
    ok(&mut m, b(ball(A, B, BOWLER).wides(2)));
    assert_eq!(m.live().striker.as_deref(), Some(B), "a wide and one run");
    ok(&mut m, b(ball(B, A, BOWLER).runs(4)));
    assert_eq!(
        m.live().striker.as_deref(),
        Some(B),
        "a boundary is not run"
    );
}

#[test]
fn a_single_off_the_last_ball_keeps_the_striker_for_the_next_over() {
    let mut m = t20();
    for _ in 0..5 {
        ok(&mut m, b(ball(A, B, BOWLER)));
    }
    ok(&mut m, b(ball(A, B, BOWLER).runs(1)));
    assert_eq!(m.live().striker.as_deref(), Some(A));
    ok(&mut m, b(ball(A, B, CHANGE)));
}
