//! Invariants of the engine over random legal limited-overs matches: the arithmetic of a
//! scorecard, the limits of an innings, undo, replay and the snapshot's JSON round trip.
//!
//! The sequences come from a scorer model written here from the Laws, independent of the engine:
//! random choices in, a legal event list out. Shrinking works on the choices, so a failure
//! shrinks to a short match.

mod scorer;

use crease_domain::live::InningsState;
use crease_domain::{LiveState, Match, MatchEvent};
use proptest::prelude::*;
use scorer::{scenario, Scenario};

/// Applies every event, calling `check` after each; any refusal of a legal event fails.
fn play(
    s: &Scenario,
    mut check: impl FnMut(&Match, &Match, bool) -> Result<(), TestCaseError>,
) -> Result<Match, TestCaseError> {
    let mut m = Match::new(s.setup.clone());
    for (i, (event, check_undo)) in s.events.iter().enumerate() {
        let before = m.clone();
        if let Err(e) = m.apply(event.clone()) {
            return Err(TestCaseError::fail(format!(
                "event {i} refused ({e:?}): {event:?}"
            )));
        }
        check(&before, &m, *check_undo)?;
    }
    Ok(m)
}

fn every_innings(live: &LiveState) -> impl Iterator<Item = &InningsState> {
    live.innings.iter()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn innings_runs_are_the_batters_runs_plus_extras(s in scenario()) {
        play(&s, |_, m, _| {
            for inn in every_innings(m.live()) {
                let batters: u32 = inn.batting.iter().map(|l| l.runs).sum();
                prop_assert_eq!(inn.runs, batters + inn.extras.total, "innings {}", inn.number);
                let e = inn.extras;
                prop_assert_eq!(e.total, e.wides + e.noballs + e.byes + e.legbyes + e.penalty);
            }
            Ok(())
        })?;
    }

    #[test]
    fn the_totals_agree_with_the_scorer_model(s in scenario()) {
        let m = play(&s, |_, _, _| Ok(()))?;
        let totals: Vec<_> = every_innings(m.live()).map(|i| (i.runs, i.wickets, i.balls)).collect();
        prop_assert_eq!(totals, s.totals.clone());
    }

    #[test]
    fn undo_after_apply_is_the_identity(s in scenario()) {
        play(&s, |before, after, check_undo| {
            if check_undo {
                let mut undone = after.clone();
                undone.apply(MatchEvent::Undo).map_err(|e| TestCaseError::fail(format!("undo refused: {e:?}")))?;
                prop_assert_eq!(undone.live(), before.live());
                prop_assert_eq!(undone.events(), before.events());
            }
            Ok(())
        })?;
    }

    #[test]
    fn balls_wickets_and_overs_stay_within_the_laws(s in scenario()) {
        let bpo = u32::from(s.setup.balls_per_over);
        let quota_balls = u32::from(s.setup.bowler_quota_overs.unwrap()) * bpo;
        play(&s, |_, m, _| {
            for inn in every_innings(m.live()) {
                let max = inn.max_balls.unwrap_or(u32::MAX);
                prop_assert!(inn.balls <= max, "{} legal balls of {}", inn.balls, max);
                prop_assert!(inn.wickets <= 10);
                prop_assert_eq!(inn.overs.clone(), format!("{}.{}", inn.balls / bpo, inn.balls % bpo));
                let legal_chips = inn.this_over.iter().filter(|c| !c.contains("wd") && !c.contains("nb")).count();
                prop_assert!(legal_chips as u32 <= bpo, "this over: {:?}", inn.this_over);
                for line in &inn.bowling {
                    prop_assert!(line.balls <= quota_balls, "{} bowled {} balls", line.name, line.balls);
                }
                let bowled: u32 = inn.bowling.iter().map(|l| l.balls).sum();
                prop_assert_eq!(bowled, inn.balls);
            }
            Ok(())
        })?;
    }

    #[test]
    fn snapshots_round_trip_through_json(s in scenario()) {
        play(&s, |_, m, _| {
            let bytes = serde_json::to_vec(m.live()).unwrap();
            let back: LiveState = serde_json::from_slice(&bytes)
                .map_err(|e| TestCaseError::fail(format!("snapshot does not read back: {e}")))?;
            prop_assert_eq!(&back, m.live());
            Ok(())
        })?;
    }

    #[test]
    fn replaying_the_same_events_gives_the_same_bytes(s in scenario()) {
        let m = play(&s, |_, _, _| Ok(()))?;
        let mut again = Match::new(s.setup.clone());
        for event in m.events() {
            again.record(event.clone()).map_err(|e| TestCaseError::fail(format!("replay refused: {e:?}")))?;
        }
        prop_assert_eq!(again.events(), m.events());
        prop_assert_eq!(serde_json::to_vec(again.live()).unwrap(), serde_json::to_vec(m.live()).unwrap());
    }
}
