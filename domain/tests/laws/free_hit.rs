//! The free hit after a no-ball in limited-overs cricket: only a run out and its kin may dismiss.

use super::*;

#[test]
fn a_no_ball_earns_a_free_hit_in_limited_overs_only() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert!(m.live().free_hit);
    ok(&mut m, b(ball(A, B, BOWLER)));
    assert!(
        !m.live().free_hit,
        "the free hit is used up by the next legal ball"
    );

    let mut test = test_match();
    ok(&mut test, b(ball(A, B, BOWLER).noballs(1)));
    assert!(!test.live().free_hit, "Tests have no free hit");
}

#[test]
fn the_free_hit_carries_over_a_wide() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    ok(&mut m, b(ball(A, B, BOWLER).wides(1)));
    assert!(
        m.live().free_hit,
        "a wide bowled on a free hit leaves the next ball a free hit"
    );
}

fn on_a_free_hit() -> Match {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    m
}

#[test]
fn bowled_on_a_free_hit_is_refused() {
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None);
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}

#[test]
fn caught_on_a_free_hit_is_refused() {
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER).out(DismissalKind::Caught, A, Some(KEEPER));
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}

#[test]
fn lbw_on_a_free_hit_is_refused() {
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER).out(DismissalKind::Lbw, A, None);
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}

#[test]
fn stumped_on_a_free_hit_is_refused() {
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER).out(DismissalKind::Stumped, A, Some(KEEPER));
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}

#[test]
fn run_out_on_a_free_hit_is_allowed() {
    let mut m = on_a_free_hit();
    ok(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::RunOut, B, Some(KEEPER))),
    );
    assert_eq!(innings(&m).wickets, 1);
    assert!(!m.live().free_hit);
}

#[test]
fn stumped_off_a_wide_on_a_free_hit_is_refused() {
    // A free hit allows only the dismissals a no-ball allows, and stumped is not one of them.
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER)
        .wides(1)
        .out(DismissalKind::Stumped, A, Some(KEEPER));
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}

#[test]
fn hit_wicket_on_a_free_hit_is_refused() {
    let mut m = on_a_free_hit();
    let d = ball(A, B, BOWLER).out(DismissalKind::HitWicket, A, None);
    assert_refused!(m, b(d), LawViolation::FreeHitDismissal);
}
