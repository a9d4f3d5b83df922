//! Retirements: retired hurt is not a wicket.

use super::*;

#[test]
fn retired_hurt_is_not_a_wicket() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).runs(2)));
    let retire = Retirement {
        batter: A.into(),
        kind: RetirementKind::Hurt,
    };
    ok(&mut m, MatchEvent::Retirement(retire));
    ok(&mut m, b(ball(C, B, BOWLER)));
    let inn = innings(&m);
    assert_eq!(inn.wickets, 0);
    assert!(inn.fall_of_wickets.is_empty());
    let line = inn.batting.iter().find(|l| l.name == A).unwrap();
    assert!(!line.out, "retired hurt may resume: {}", line.dismissal);
    assert_eq!(line.runs, 2);
}

#[test]
fn retired_hurt_recorded_on_a_delivery_is_not_a_wicket() {
    // Cricsheet records a retirement as a wicket of kind "retired hurt" on the ball before.
    let mut m = t20();
    ok(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::RetiredHurt, A, None)),
    );
    ok(&mut m, b(ball(C, B, BOWLER)));
    assert_eq!(innings(&m).wickets, 0);
    assert_eq!(innings(&m).bowling[0].wickets, 0);
}
