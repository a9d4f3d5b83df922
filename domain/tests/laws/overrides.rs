//! The umpires' word: an event the Laws checks refuse stands when it carries their reason, but
//! only under a rule of play. What cannot be represented stays refused, an override nobody needs
//! is refused, and undo treats an overridden event like any other.

use super::*;
use crease_domain::event::PenaltyRuns;
use crease_domain::live::OverrideNote;

const REASON: &str = "the umpires allowed it";

#[test]
fn a_consecutive_over_stands_on_the_ball_by_the_umpires_decision() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    let refused = overrule(&mut m, b(ends.ball(BOWLER)), REASON);
    assert_eq!(
        refused,
        LawViolation::ConsecutiveOvers {
            name: BOWLER.into()
        }
    );
    assert_eq!(refused.code(), "consecutive-overs");
    // The rest of the over needs no further decision: the bowler is this over's bowler now.
    for _ in 0..5 {
        ok(&mut m, b(ends.ball(BOWLER)));
    }
    let inn = innings(&m);
    assert_eq!(inn.bowling.len(), 1);
    assert_eq!((inn.bowling[0].balls, inn.bowling[0].maidens), (12, 2));
    assert_eq!(m.live().overrides.len(), 1);
}

#[test]
fn a_consecutive_over_stands_as_a_bowler_change_and_that_bowler_bowls_it() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    let change = MatchEvent::BowlerChange(BowlerChange {
        bowler: BOWLER.into(),
    });
    let refused = overrule(&mut m, change, REASON);
    assert_eq!(refused.code(), "consecutive-overs");
    assert_eq!(m.live().bowler.as_deref(), Some(BOWLER));
    // The decision was taken once, for the over: its balls must not need it again.
    dot_over(&mut m, &mut ends, BOWLER);
    assert_eq!(innings(&m).bowling[0].balls, 12);
    assert_eq!(m.live().overrides.len(), 1);
}

#[test]
fn an_over_past_the_quota_stands_by_the_umpires_decision() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    for _ in 0..4 {
        dot_over(&mut m, &mut ends, BOWLER);
        dot_over(&mut m, &mut ends, CHANGE);
    }
    let refused = overrule(&mut m, b(ends.ball(BOWLER)), REASON);
    assert_eq!(
        refused,
        LawViolation::OverQuotaExceeded {
            name: BOWLER.into(),
            quota: 4
        }
    );
    let line = innings(&m)
        .bowling
        .iter()
        .find(|l| l.name == BOWLER)
        .unwrap();
    assert_eq!((line.balls, line.overs.as_str()), (25, "4.1"));
}

#[test]
fn a_dismissal_a_no_ball_does_not_allow_stands_by_the_umpires_decision() {
    // A Test, so that the rule overruled is Law 21.18 and not the free hit.
    let mut m = test_match();
    let d = ball(A, B, BOWLER)
        .noballs(1)
        .out(DismissalKind::Bowled, A, None);
    let refused = overrule(&mut m, b(d), REASON);
    assert_eq!(
        refused,
        LawViolation::DismissalNotPossible {
            kind: "bowled",
            delivery: "no-ball"
        }
    );
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.runs, inn.balls), (1, 1, 0));
    let line = inn.batting.iter().find(|l| l.name == A).unwrap();
    assert!(line.out);
    assert_eq!(line.dismissal, format!("b {BOWLER}"));
}

#[test]
fn a_dismissal_on_a_free_hit_stands_by_the_umpires_decision() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    assert!(m.live().free_hit);
    let d = ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None);
    let refused = overrule(&mut m, b(d), REASON);
    assert_eq!(refused, LawViolation::FreeHitDismissal);
    let inn = innings(&m);
    assert_eq!((inn.wickets, inn.balls), (1, 1));
    assert_eq!(inn.bowling[0].wickets, 1);
    assert!(!m.live().free_hit, "the free hit is used up");
}

#[test]
fn a_no_ball_worth_less_than_the_conditions_say_stands_by_the_umpires_decision() {
    let mut m = t20_with(|s| s.noball_runs = 2);
    let refused = overrule(&mut m, b(ball(A, B, BOWLER).noballs(1)), REASON);
    assert_eq!(refused, LawViolation::NoBallValue { value: 2 });
    let inn = innings(&m);
    assert_eq!((inn.runs, inn.extras.noballs, inn.balls), (1, 1, 0));
}

/// A T20 Southcombe won off the first ball of the chase, 6 against a target of 5.
fn won_by_southcombe() -> Match {
    let mut m = t20_chasing_five();
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(6)),
    );
    assert_eq!(m.live().status, MatchStatus::Finished);
    m
}

#[test]
fn penalty_runs_after_the_result_stand_by_the_umpires_decision() {
    let mut m = won_by_southcombe();
    let result = m.live().result.clone();
    let penalty = MatchEvent::PenaltyRuns(PenaltyRuns {
        team: SOUTH.into(),
        runs: 5,
    });
    let refused = overrule(&mut m, penalty, REASON);
    assert_eq!(refused, LawViolation::MatchOver);
    let inn = innings(&m);
    assert_eq!(inn.team, SOUTH);
    assert_eq!((inn.runs, inn.extras.penalty, inn.extras.total), (11, 5, 5));
    assert_eq!(m.live().status, MatchStatus::Finished);
    assert_eq!(
        m.live().result,
        result,
        "runs after the result do not change it"
    );
}

#[test]
fn a_retirement_after_the_result_stands_by_the_umpires_decision() {
    let mut m = won_by_southcombe();
    let retire = MatchEvent::Retirement(Retirement {
        batter: SOUTH_XI[0].into(),
        kind: RetirementKind::NotOut,
    });
    let refused = overrule(&mut m, retire, REASON);
    assert_eq!(refused, LawViolation::MatchOver);
    let inn = innings(&m);
    let line = inn.batting.iter().find(|l| l.name == SOUTH_XI[0]).unwrap();
    assert_eq!(
        (line.dismissal.as_str(), line.out),
        ("retired not out", false)
    );
    assert_eq!(inn.wickets, 0);
    assert_eq!(m.live().winner.as_deref(), Some(SOUTH));
}

#[test]
fn an_unknown_bowler_is_refused_even_with_an_override() {
    let mut m = t20();
    let d = ball(A, B, "Zeb Zennor");
    let err = refuse(&mut m, Recorded::overriding(b(d), REASON));
    assert!(
        matches!(err, LawViolation::NotInTeam { field: "bowler", ref name, .. } if name == "Zeb Zennor"),
        "{err:?}"
    );
    assert!(!err.overridable());
}

#[test]
fn an_unknown_batter_is_refused_even_with_an_override() {
    let mut m = t20();
    let d = ball("Zeb Zennor", B, BOWLER);
    let err = refuse(&mut m, Recorded::overriding(b(d), REASON));
    assert!(
        matches!(
            err,
            LawViolation::NotInTeam {
                field: "batter",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.overridable());
}

#[test]
fn runs_that_do_not_add_up_are_refused_even_with_an_override() {
    let mut m = t20();
    let mut d = ball(A, B, BOWLER).runs(2);
    d.runs.total = 3;
    let err = refuse(&mut m, Recorded::overriding(b(d), REASON));
    assert_eq!(
        err,
        LawViolation::RunsMismatch {
            total: 3,
            batter: 2,
            extras: 0
        }
    );
    assert!(!err.overridable());
}

#[test]
fn an_override_does_not_lift_a_fault_that_hides_behind_an_overridable_one() {
    // The no-ball's value is checked before the batters, so the first refusal is one an umpire
    // may overrule; the unknown batter behind it must still refuse the ball.
    let mut m = t20_with(|s| s.noball_runs = 2);
    let d = ball("Zeb Zennor", B, BOWLER).noballs(1);
    assert_refused!(m, b(d.clone()), LawViolation::NoBallValue { value: 2 });
    let err = refuse(&mut m, Recorded::overriding(b(d), REASON));
    assert!(
        matches!(
            err,
            LawViolation::NotInTeam {
                field: "batter",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.overridable());
    assert!(m.live().overrides.is_empty());
}

#[test]
fn an_override_on_an_event_the_laws_accept_is_refused() {
    let mut m = t20();
    let err = refuse(&mut m, Recorded::overriding(b(ball(A, B, BOWLER)), REASON));
    assert_eq!(err, LawViolation::OverrideNotNeeded);
    assert_eq!(err.code(), "override-not-needed");
    assert_eq!(err.field(), Some("override"));
    // Refused, not just ignored: the same ball goes in without the override.
    ok(&mut m, b(ball(A, B, BOWLER)));
}

#[test]
fn an_override_without_a_reason_is_refused() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    for reason in ["", "   ", "\t\n"] {
        let err = refuse(&mut m, Recorded::overriding(b(ends.ball(BOWLER)), reason));
        assert!(matches!(err, LawViolation::InvalidEvent(_)), "{err:?}");
        assert!(!err.overridable());
    }
}

#[test]
fn an_undo_with_an_override_is_refused() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER)));
    let err = refuse(&mut m, Recorded::overriding(MatchEvent::Undo, REASON));
    assert!(matches!(err, LawViolation::InvalidEvent(_)), "{err:?}");
}

#[test]
fn undoing_an_overridden_event_restores_the_state_before_it() {
    let mut m = t20();
    ok(&mut m, b(ball(A, B, BOWLER).noballs(1)));
    let (live, events) = (m.live().clone(), m.events().to_vec());
    overrule(
        &mut m,
        b(ball(A, B, BOWLER).out(DismissalKind::Bowled, A, None)),
        REASON,
    );
    ok(&mut m, MatchEvent::Undo);
    assert_eq!(m.live(), &live);
    assert_eq!(m.events(), &events[..]);
    assert!(
        m.live().overrides.is_empty(),
        "the note goes with its event"
    );
    assert!(m.live().free_hit, "the free hit is back");
}

#[test]
fn undoing_a_later_event_keeps_the_override() {
    // Undo replays the log, so the overridden event must replay as it was first recorded.
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    overrule(&mut m, b(ends.ball(BOWLER)), REASON);
    let (live, events) = (m.live().clone(), m.events().to_vec());
    ok(&mut m, b(ends.ball(BOWLER).runs(2)));
    ok(&mut m, MatchEvent::Undo);
    assert_eq!(m.live(), &live);
    assert_eq!(m.events(), &events[..]);
    assert_eq!(m.live().overrides.len(), 1);
}

#[test]
fn an_overridden_log_replays_from_its_stored_json() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    overrule(&mut m, b(ends.ball(BOWLER).runs(4)), REASON);
    let stored = serde_json::to_value(m.events()).unwrap();
    let last = stored.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "ball");
    assert_eq!(
        last["override"],
        serde_json::json!({ "reason": REASON, "rule": "consecutive-overs" })
    );
    // Events stored before overrides existed carry no `override` member, and still read.
    assert!(stored[0].get("override").is_none());
    let read: Vec<Recorded> = serde_json::from_value(stored).unwrap();
    assert_eq!(read, m.events());
    let replayed = Match::replay(m.setup().clone(), read).unwrap();
    assert_eq!(replayed.live(), m.live());
    let notes: &[OverrideNote] = &replayed.live().overrides;
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0].innings, notes[0].ball.as_str()), (1, "1.1"));
}

#[test]
fn the_decision_on_a_bowler_change_holds_for_that_over_only() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    for _ in 0..4 {
        dot_over(&mut m, &mut ends, BOWLER);
        dot_over(&mut m, &mut ends, CHANGE);
    }
    let change = MatchEvent::BowlerChange(BowlerChange {
        bowler: BOWLER.into(),
    });
    let refused = overrule(&mut m, change, REASON);
    assert_eq!(refused.code(), "over-quota-exceeded");
    // Another bowler takes the over after all: the decision lapses unused.
    dot_over(&mut m, &mut ends, SOUTH_XI[8]);
    assert_refused!(
        m,
        b(ends.ball(BOWLER)),
        LawViolation::OverQuotaExceeded { ref name, quota: 4 } if name == BOWLER
    );
}

#[test]
fn a_ball_after_the_result_stays_refused_even_with_an_override() {
    // Overruling "the match is over" cannot invent an innings for the ball to belong to.
    let mut m = won_by_southcombe();
    let d = ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]);
    assert_refused!(m, b(d.clone()), LawViolation::MatchOver);
    let err = refuse(&mut m, Recorded::overriding(b(d), REASON));
    assert_eq!(err, LawViolation::NoInningsInProgress);
    assert!(!err.overridable());
}

#[test]
fn the_rule_recorded_is_the_one_overruled_whatever_the_scorer_sent() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    dot_over(&mut m, &mut ends, BOWLER);
    let mut rec = Recorded::overriding(b(ends.ball(BOWLER)), REASON);
    if let Some(o) = rec.overridden.as_mut() {
        o.rule = Some("free-hit-dismissal".into());
    }
    ok_recorded(&mut m, rec);
    let stored = m.events().last().unwrap().overridden.clone().unwrap();
    assert_eq!(stored.rule.as_deref(), Some("consecutive-overs"));
    assert_eq!(m.live().overrides[0].rule, "consecutive-overs");
}

#[track_caller]
fn ok_recorded(m: &mut Match, rec: Recorded) {
    if let Err(e) = m.record(rec.clone()) {
        panic!("refused {rec:?}: {e:?}");
    }
}

#[test]
fn runs_past_what_a_delivery_can_bring_stand_by_the_umpires_decision() {
    let extras = |f: fn(&mut crease_domain::Extras)| ball(A, B, BOWLER).with(|d| f(&mut d.extras));
    let cases = [
        (ball(A, B, BOWLER).runs(8), "runs.batter", 8, 7),
        (ball(A, B, BOWLER).byes(8), "extras.byes", 8, 7),
        (extras(|e| e.legbyes = 8), "extras.legbyes", 8, 7),
        (ball(A, B, BOWLER).wides(9), "extras.wides", 9, 8),
        (ball(A, B, BOWLER).noballs(9), "extras.noballs", 9, 8),
        (extras(|e| e.penalty = 10), "extras.penalty", 10, 5),
    ];
    for (d, field, runs, max) in cases {
        let mut m = t20();
        let total = d.runs.total;
        let refused = overrule(&mut m, b(d), REASON);
        assert!(
            matches!(refused, LawViolation::TooManyRuns { field: f, runs: r, max: x, .. }
                if f == field && r == runs && x == max),
            "{refused:?}"
        );
        assert_eq!(refused.code(), "too-many-runs");
        assert_eq!(refused.field(), Some(field));
        assert_eq!(innings(&m).runs, total, "{field}");
    }
}

#[test]
fn runs_past_the_ceiling_are_refused_whatever_the_umpires_say() {
    let mut m = t20();
    for runs in [21, u32::MAX] {
        let d = ball(A, B, BOWLER).runs(runs);
        let refused = refuse(&mut m, b(d.clone()));
        assert_eq!(refused, LawViolation::RunsOutOfRange { runs, max: 20 });
        assert!(!refused.overridable());
        assert_eq!(refused.code(), "runs-out-of-range");
        let with_override = refuse(&mut m, Recorded::overriding(b(d), REASON));
        assert_eq!(with_override, refused);
    }
    let penalty = MatchEvent::PenaltyRuns(PenaltyRuns {
        team: SOUTH.into(),
        runs: 1_000_000,
    });
    assert_eq!(
        refuse(&mut m, penalty),
        LawViolation::RunsOutOfRange {
            runs: 1_000_000,
            max: 20
        }
    );
    assert_eq!(innings(&m).runs, 0);
}
