//! Wides and no-balls: extras that are not legal balls, and how each is counted (Laws 21, 22).

use super::*;

#[test]
fn a_wide_is_not_a_legal_ball() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).wides(1)));
    let inn = innings(&m);
    assert_eq!((inn.runs, inn.balls, inn.overs.as_str()), (1, 0, "0.0"));
    assert_eq!(inn.extras.wides, 1);
    let bowler = &inn.bowling[0];
    assert_eq!((bowler.balls, bowler.runs, bowler.wides), (0, 1, 1));
    // Law 25.3: a wide is not a ball faced by the striker.
    assert!(inn.batting.iter().all(|l| l.balls == 0));
    // Six legal balls are still owed before the over ends.
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    assert_eq!((innings(&m).balls, innings(&m).overs.as_str()), (6, "1.0"));
}

#[test]
fn a_no_ball_is_not_a_legal_ball_but_is_a_ball_faced() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1).runs(4)));
    let inn = innings(&m);
    assert_eq!((inn.runs, inn.balls, inn.overs.as_str()), (5, 0, "0.0"));
    assert_eq!((inn.extras.noballs, inn.extras.total), (1, 1));
    let bowler = &inn.bowling[0];
    assert_eq!((bowler.balls, bowler.runs, bowler.noballs), (0, 5, 1));
    let striker = inn.batting.iter().find(|l| l.name == A).unwrap();
    assert_eq!((striker.runs, striker.balls, striker.fours), (4, 1, 1));
}

#[test]
fn a_wide_and_a_no_ball_together_are_refused() {
    let mut m = t20();
    assert_refused!(
        m,
        b(ball(A, B, BOWLER).wides(1).noballs(1)),
        LawViolation::WideAndNoBall
    );
}
