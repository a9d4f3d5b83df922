//! Interruptions on a real match: play stops with a cause and the ground's time, no ball is
//! scored until it resumes, the summary line says why and since when, and each stoppage is kept
//! with both times. Malformed times and out-of-order stops and resumptions are refused.

use std::path::PathBuf;

use crease_domain::event::{Interruption, InterruptionCause, Resumption};
use crease_domain::{cricsheet, LawViolation, Match, MatchEvent};

fn opening_overs() -> (Match, Vec<crease_domain::Recorded>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/cricsheet/t20_2023-03-04_mumbai_indians_v_gujarat_giants.json");
    let parsed = cricsheet::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let m = Match::replay(parsed.setup.clone(), parsed.events[..20].to_vec()).unwrap();
    (m, parsed.events[20..].to_vec())
}

fn stop(cause: InterruptionCause, at: &str) -> MatchEvent {
    MatchEvent::Interruption(Interruption {
        cause,
        reason: None,
        at: at.into(),
    })
}

fn resume(at: &str) -> MatchEvent {
    MatchEvent::Resumption(Resumption { at: at.into() })
}

#[test]
fn no_ball_is_scored_while_play_is_stopped_and_the_summary_says_why() {
    let (mut m, rest) = opening_overs();
    let summary = m.live().summary.clone();
    m.apply(stop(InterruptionCause::Rain, "14:05")).unwrap();
    assert_eq!(
        m.live().summary,
        format!("Rain: play suspended since 14:05 · {summary}")
    );
    let next_ball = rest
        .iter()
        .find(|e| matches!(e.event, MatchEvent::Ball(_)))
        .unwrap()
        .clone();
    let refused = m.record(next_ball.clone());
    assert!(
        matches!(&refused, Err(LawViolation::PlaySuspended { what }) if what == "Rain: play suspended since 14:05"),
        "{refused:?}"
    );
    assert_eq!(
        m.apply(stop(InterruptionCause::BadLight, "14:06")),
        Err(LawViolation::InvalidEvent("play is already suspended"))
    );

    m.apply(resume("14:40")).unwrap();
    assert_eq!(m.live().summary, summary);
    assert!(m.live().interruption.is_none());
    let s = &m.live().stoppages[0];
    assert_eq!(
        (s.since.as_str(), s.until.as_deref()),
        ("14:05", Some("14:40"))
    );
    assert_eq!(s.innings, 1);
    m.record(next_ball).unwrap();

    // Nothing is stopped now: a second resumption is refused.
    assert_eq!(
        m.apply(resume("15:00")),
        Err(LawViolation::InvalidEvent("play is not suspended"))
    );
}

#[test]
fn a_time_is_the_grounds_clock_as_hh_mm() {
    let (mut m, _) = opening_overs();
    for bad in [
        "25:00", "1405", "14:5", "14:60", "ab:cd", "é:123", "14:05:00", "",
    ] {
        assert!(
            matches!(
                m.apply(stop(InterruptionCause::Drinks, bad)),
                Err(LawViolation::InvalidEvent(_))
            ),
            "{bad:?} was taken"
        );
    }
    assert!(m.live().interruption.is_none());
    m.apply(stop(InterruptionCause::Drinks, "00:00")).unwrap();
    m.apply(resume("23:59")).unwrap();
}

#[test]
fn an_undone_stop_leaves_play_going() {
    let (mut m, _) = opening_overs();
    let before = m.live().clone();
    m.apply(stop(InterruptionCause::Injury, "11:15")).unwrap();
    m.apply(MatchEvent::Undo).unwrap();
    assert_eq!(m.live(), &before);
}
