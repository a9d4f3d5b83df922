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

#[test]
fn a_retired_hurt_batter_may_resume() {
    let mut m = t20();
    let retire = Retirement {
        batter: A.into(),
        kind: RetirementKind::Hurt,
    };
    ok(&mut m, MatchEvent::Retirement(retire));
    ok(
        &mut m,
        b(ball(C, B, BOWLER).out(DismissalKind::Bowled, C, None)),
    );
    ok(&mut m, b(ball(A, B, BOWLER).runs(1)));
    let inn = innings(&m);
    assert_eq!(inn.wickets, 1);
    let line = inn.batting.iter().find(|l| l.name == A).unwrap();
    assert!(!line.out);
    assert_eq!(line.runs, 1);
}

#[test]
fn retired_out_is_a_wicket_not_credited_to_the_bowler() {
    let mut m = t20();
    let retire = Retirement {
        batter: A.into(),
        kind: RetirementKind::Out,
    };
    ok(&mut m, MatchEvent::Retirement(retire));
    let inn = innings(&m);
    assert_eq!(inn.wickets, 1);
    assert!(inn.bowling.iter().all(|l| l.wickets == 0));
    assert_refused!(
        m,
        b(ball(A, B, BOWLER)),
        LawViolation::BatterAlreadyOut { ref name, .. } if name == A
    );
}
