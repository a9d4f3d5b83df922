//! Who is credited with a wicket: the bowler for bowled, caught, lbw, stumped, hit wicket; not for a run out.

use super::*;

#[test]
fn the_bowler_is_credited_with_bowled_caught_lbw_stumped_and_hit_wicket() {
    use DismissalKind::*;
    for (kind, fielder) in [
        (Bowled, None),
        (Caught, Some(KEEPER)),
        (Lbw, None),
        (Stumped, Some(KEEPER)),
        (HitWicket, None),
    ] {
        let mut m = test_match();
        ok(&mut m, b(ball(A, B, BOWLER).out(kind, A, fielder)));
        let inn = innings(&m);
        assert_eq!(inn.wickets, 1, "{kind:?}");
        assert_eq!(inn.bowling[0].wickets, 1, "{kind:?} is the bowler's");
        let line = inn.batting.iter().find(|l| l.name == A).unwrap();
        assert!(line.out, "{kind:?}");
        assert!(
            line.dismissal.ends_with(&format!("b {BOWLER}")),
            "{kind:?}: {}",
            line.dismissal
        );
    }
}

#[test]
fn the_bowler_is_not_credited_with_a_run_out() {
    let mut m = test_match();
    ok(
        &mut m,
        b(ball(A, B, BOWLER)
            .runs(1)
            .out(DismissalKind::RunOut, B, Some(KEEPER))),
    );
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.runs), (1, 1));
    assert_eq!(inn.bowling[0].wickets, 0);
    let line = inn.batting.iter().find(|l| l.name == B).unwrap();
    assert!(
        line.out && line.dismissal.starts_with("run out"),
        "{}",
        line.dismissal
    );
    assert!(!line.dismissal.contains(BOWLER), "{}", line.dismissal);
}
