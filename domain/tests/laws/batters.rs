//! Batters: only the batting XI, and never one already out.

use super::*;

/// Ashdown bowled first ball: the next ball must name the incoming batter.
fn after_a_wicket() -> Match {
    let mut m = t20();
    ok(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None)),
    );
    m
}

#[test]
fn a_batter_not_in_the_xi_is_refused() {
    let mut m = after_a_wicket();
    assert_refused!(
        m,
        b(ball("Zed Nobody", B, BOWLER)),
        LawViolation::NotInTeam { field: "batter", ref name, .. } if name == "Zed Nobody"
    );
}

#[test]
fn a_batter_from_the_bowling_side_is_refused() {
    let mut m = after_a_wicket();
    assert_refused!(
        m,
        b(ball(SOUTH_XI[0], B, BOWLER)),
        LawViolation::NotInTeam { field: "batter", ref name, .. } if name == SOUTH_XI[0]
    );
}

#[test]
fn a_batter_already_out_is_refused() {
    let mut m = after_a_wicket();
    assert_refused!(
        m,
        b(ball(A, B, BOWLER)),
        LawViolation::BatterAlreadyOut { ref name, .. } if name == A
    );
    ok(&mut m, b(ball(C, B, BOWLER)));
}

#[test]
fn a_batter_who_is_not_in_is_refused() {
    // Cal Crane is in the XI and not out, but Ashdown and Birch are the batters at the crease.
    let mut m = t20();
    assert_refused!(
        m,
        b(ball(C, B, BOWLER)),
        LawViolation::BatterNotIn { ref name, .. } if name == C
    );
}

#[test]
fn striker_and_non_striker_must_differ() {
    let mut m = after_a_wicket();
    assert_refused!(m, b(ball(B, B, BOWLER)), LawViolation::SameBatters);
}
