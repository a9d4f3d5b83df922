//! Playing conditions beyond the Laws: what a no-ball is worth, which no-balls earn a free hit,
//! how many overs in a row one bowler may bowl, and setups stored before these were choices.

use super::*;
use crease_domain::FreeHits;

#[test]
fn a_no_ball_is_worth_two_where_the_conditions_say_so() {
    let mut m = t20_with(|s| s.noball_runs = 2);
    ok(&mut m, b(ball(A, B, BOWLER).noballs(2).runs(4)));
    let inn = innings(&m);
    assert_eq!((inn.runs, inn.balls), (6, 0));
    assert_eq!((inn.extras.noballs, inn.extras.total), (2, 2));
    assert_eq!(inn.this_over, ["6nb"]);
    let bowler = &inn.bowling[0];
    assert_eq!((bowler.runs, bowler.noballs, bowler.balls), (6, 1, 0));
    let batter = inn.batting.iter().find(|l| l.name == A).unwrap();
    assert_eq!((batter.runs, batter.balls, batter.fours), (4, 1, 1));
}

#[test]
fn a_one_run_no_ball_is_refused_where_a_no_ball_is_worth_two() {
    let mut m = t20_with(|s| s.noball_runs = 2);
    let err = refuse(&mut m, b(ball(A, B, BOWLER).noballs(1).runs(1)));
    assert_eq!(err, LawViolation::NoBallValue { value: 2 });
    assert_eq!((err.code(), err.field()), ("no-ball-value", Some("extras")));
    assert!(err.overridable());
}

#[test]
fn under_the_laws_a_no_ball_is_worth_one() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert_eq!(innings(&m).runs, 1);
}

#[test]
fn front_foot_free_hits_are_shown_but_a_dismissal_on_one_is_not_refused() {
    // The delivery does not say why it was a no-ball: it may have been for height, which earns
    // no free hit under these conditions, so the wicket must stand.
    let mut m = t20_with(|s| s.free_hit = FreeHits::FrontFoot);
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert!(m.live().free_hit);
    let d = ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None);
    let err = refuse(&mut m, Recorded::overriding(b(d.clone()), "not needed"));
    assert_eq!(err, LawViolation::OverrideNotNeeded);
    ok(&mut m, b(d));
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.bowling[0].wickets), (1, 1));
    assert!(!m.live().free_hit);
}

#[test]
fn free_hits_after_every_no_ball_refuse_a_bowled_dismissal() {
    let mut m = t20_with(|s| s.free_hit = FreeHits::All);
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert!(m.live().free_hit);
    let d = ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None);
    let err = refuse(&mut m, b(d));
    assert_eq!(err, LawViolation::FreeHitDismissal);
    assert!(err.overridable());
}

#[test]
fn without_free_hits_a_no_ball_is_followed_by_an_ordinary_ball() {
    let mut m = t20_with(|s| s.free_hit = FreeHits::None);
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert!(!m.live().free_hit);
    ok(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None)),
    );
    assert_eq!(innings(&m).wickets, 1);
}

#[test]
fn two_overs_in_a_row_are_allowed_where_the_conditions_say_so() {
    let mut m = t20_with(|s| s.max_consecutive_overs = 2);
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    dot_over(&mut m, &mut ends, BOWLER);
    let err = refuse(&mut m, b(ends.ball(BOWLER)));
    assert_eq!(
        err,
        LawViolation::ConsecutiveOvers {
            name: BOWLER.into()
        }
    );
    let change = MatchEvent::BowlerChange(BowlerChange {
        bowler: BOWLER.into(),
    });
    assert_refused!(m, change, LawViolation::ConsecutiveOvers { .. });
    // A break of one over starts the count again.
    dot_over(&mut m, &mut ends, CHANGE);
    dot_over(&mut m, &mut ends, BOWLER);
    dot_over(&mut m, &mut ends, BOWLER);
    assert_eq!(innings(&m).bowling[0].overs, "4.0");
}

#[test]
fn a_third_over_in_a_row_stands_by_the_umpires_decision() {
    let mut m = t20_with(|s| s.max_consecutive_overs = 2);
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    dot_over(&mut m, &mut ends, BOWLER);
    let refused = overrule(&mut m, b(ends.ball(BOWLER)), "sets of five, miscounted");
    assert_eq!(refused.code(), "consecutive-overs");
}

/// The setup as stored, with `free_hit` written as `value`.
fn stored_setup(value: serde_json::Value) -> serde_json::Value {
    let setup = MatchSetup::limited_overs(MatchFormat::T20, teams(), 20);
    let mut json = serde_json::to_value(setup).unwrap();
    json["free_hit"] = value;
    json
}

#[test]
fn a_stored_free_hit_flag_still_reads() {
    let read = |v: serde_json::Value| serde_json::from_value::<MatchSetup>(stored_setup(v));
    assert_eq!(read(true.into()).unwrap().free_hit, FreeHits::All);
    assert_eq!(read(false.into()).unwrap().free_hit, FreeHits::None);
    assert_eq!(read("none".into()).unwrap().free_hit, FreeHits::None);
    assert_eq!(
        read("front_foot".into()).unwrap().free_hit,
        FreeHits::FrontFoot
    );
    assert_eq!(read("all".into()).unwrap().free_hit, FreeHits::All);
    assert!(read("sometimes".into()).is_err());
    assert!(read(1.into()).is_err());
}

#[test]
fn a_setup_stored_before_the_newer_conditions_reads_as_the_laws() {
    let mut json = stored_setup(true.into());
    let fields = json.as_object_mut().unwrap();
    // Written as the Laws have them, they are left out; so a setup from before reads the same.
    assert!(!fields.contains_key("noball_runs"));
    assert!(!fields.contains_key("max_consecutive_overs"));
    let setup: MatchSetup = serde_json::from_value(json).unwrap();
    assert_eq!((setup.noball_runs, setup.max_consecutive_overs), (1, 1));

    let mut hundred = MatchSetup::limited_overs(MatchFormat::Other, teams(), 20);
    hundred.noball_runs = 2;
    hundred.max_consecutive_overs = 2;
    hundred.free_hit = FreeHits::FrontFoot;
    let json = serde_json::to_value(&hundred).unwrap();
    assert_eq!(
        (
            &json["noball_runs"],
            &json["max_consecutive_overs"],
            &json["free_hit"]
        ),
        (&2.into(), &2.into(), &"front_foot".into())
    );
    assert_eq!(serde_json::from_value::<MatchSetup>(json).unwrap(), hundred);
}

#[test]
fn the_constructors_play_to_the_laws() {
    let t20 = MatchSetup::limited_overs(MatchFormat::T20, teams(), 20);
    assert_eq!(
        (t20.free_hit, t20.noball_runs, t20.max_consecutive_overs),
        (FreeHits::All, 1, 1)
    );
    assert_eq!(t20.bowler_quota_overs, Some(4));
    assert!(t20.free_hit.shown() && t20.free_hit.enforced());

    let odi = MatchSetup::limited_overs(MatchFormat::Odi, teams(), 50);
    assert_eq!(
        (odi.free_hit, odi.bowler_quota_overs, odi.innings_per_side),
        (FreeHits::All, Some(10), 1)
    );

    let test = MatchSetup::test(teams());
    assert_eq!(
        (test.free_hit, test.noball_runs, test.max_consecutive_overs),
        (FreeHits::None, 1, 1)
    );
    assert_eq!(
        (test.bowler_quota_overs, test.overs_per_innings),
        (None, None)
    );
    assert!(!test.free_hit.shown());
    assert!(FreeHits::FrontFoot.shown() && !FreeHits::FrontFoot.enforced());
}

#[test]
fn the_quota_scales_with_the_overs_available() {
    let odi = MatchSetup::limited_overs(MatchFormat::Odi, teams(), 50);
    assert_eq!(odi.quota_for(None), Some(10));
    assert_eq!(odi.quota_for(Some(300)), Some(10));
    // A fifth of the overs, rounded up: 36 overs give 7.2, so 8 each.
    assert_eq!(
        odi.quota_for(Some(36 * 6)),
        Some((36 * 10_u32).div_ceil(50))
    );
    assert_eq!(odi.quota_for(Some(36 * 6)), Some(8));
    // An over begun counts as an over: 37.3 is 38 overs to bowl, 7.6, so 8 each.
    assert_eq!(odi.quota_for(Some(37 * 6 + 3)), Some(8));
    assert_eq!(odi.quota_for(Some(20 * 6)), Some(4));
    assert_eq!(MatchSetup::test(teams()).quota_for(Some(60)), None);
}
