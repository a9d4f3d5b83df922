//! Dismissals a no-ball or a wide does or does not allow (Laws 21.18, 22.7).

use super::*;

#[test]
fn stumped_off_a_wide_is_allowed_and_credited_to_the_bowler() {
    let mut m = t20();
    ok(
        &mut m,
        b(ball(A, B, BOWLER)
            .wides(1)
            .out(DismissalKind::Stumped, A, Some(KEEPER))),
    );
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.balls, inn.runs), (1, 0, 1));
    assert_eq!(inn.bowling[0].wickets, 1);
}

#[test]
fn stumped_off_a_no_ball_is_refused() {
    // A Test, so that the refusal is Law 21.18 (no-ball) and not the free hit.
    let mut m = test_match();
    let d = ball(A, B, BOWLER)
        .noballs(1)
        .out(DismissalKind::Stumped, A, Some(KEEPER));
    assert_refused!(m, b(d), LawViolation::DismissalNotPossible { .. });
}

#[test]
fn bowled_off_a_no_ball_is_refused() {
    let mut m = test_match();
    let d = ball(A, B, BOWLER)
        .noballs(1)
        .out(DismissalKind::Bowled, A, None);
    assert_refused!(m, b(d), LawViolation::DismissalNotPossible { .. });
}

#[test]
fn hit_wicket_off_a_no_ball_is_refused() {
    let mut m = test_match();
    let d = ball(A, B, BOWLER)
        .noballs(1)
        .out(DismissalKind::HitWicket, A, None);
    assert_refused!(m, b(d), LawViolation::DismissalNotPossible { .. });
}

#[test]
fn bowled_caught_or_lbw_off_a_wide_is_refused() {
    for (kind, fielder) in [
        (DismissalKind::Bowled, None),
        (DismissalKind::Caught, Some(KEEPER)),
        (DismissalKind::Lbw, None),
    ] {
        let mut m = test_match();
        let d = ball(A, B, BOWLER).wides(1).out(kind, A, fielder);
        assert_refused!(m, b(d), LawViolation::DismissalNotPossible { .. });
    }
}

#[test]
fn a_run_out_off_a_no_ball_is_allowed() {
    let mut m = test_match();
    let d = ball(A, B, BOWLER)
        .noballs(1)
        .runs(1)
        .out(DismissalKind::RunOut, B, Some(KEEPER));
    ok(&mut m, b(d));
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.runs, inn.balls), (1, 2, 0));
    assert_eq!(inn.bowling[0].wickets, 0);
}
