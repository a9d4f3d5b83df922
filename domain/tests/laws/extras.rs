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

/// Real scorebooks hold these: a run and an overthrow to the boundary, a wide to the boundary,
/// and byes off a no-ball credited to the no-ball as older scorebooks did. None needs the
/// umpires' word.
#[test]
fn the_most_runs_real_deliveries_bring_are_accepted() {
    let mut m = test_match();
    // Each delivery with the runs it adds and whether the batters end up crossed.
    type Shaped = fn(Delivery) -> Delivery;
    let shapes: [(Shaped, u32, bool); 4] = [
        (|d| d.runs(7), 7, true),
        (|d| d.wides(5), 5, false),
        (|d| d.noballs(5), 5, false),
        (|d| d.byes(7), 7, true),
    ];
    let mut ends = Ends::new(A, B);
    for (shape, runs, crossed) in shapes {
        let before = innings(&m).runs;
        ok(&mut m, b(shape(ends.ball(BOWLER))));
        assert_eq!(innings(&m).runs, before + runs);
        if crossed {
            ends.swap();
        }
    }
    assert!(m.live().overrides.is_empty());
}
