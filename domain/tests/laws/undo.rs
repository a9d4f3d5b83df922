//! Undo: exactly the previous state, and nothing when there is nothing to take back.

use super::*;

#[test]
fn undo_returns_exactly_the_previous_state() {
    let mut m = t20();
    let mut ends = Ends::new(A, B);
    let mut steps = vec![b(ends.ball(BOWLER).runs(1))];
    ends.swap();
    steps.push(b(ends.ball(BOWLER).noballs(1).runs(4)));
    steps.push(b(ends.ball(BOWLER).out(
        DismissalKind::RunOut,
        &ends.non_striker.clone(),
        Some(KEEPER),
    )));
    steps.push(b(ball(&ends.striker, C, BOWLER).wides(1)));
    for _ in 0..3 {
        steps.push(b(ball(&ends.striker, C, BOWLER)));
    }
    // The over's last ball ends the over: undo must restore the bowler and the strike too.
    steps.push(b(ball(&ends.striker, C, BOWLER).runs(2)));
    let mut snapshots = vec![(m.live().clone(), m.events().to_vec())];
    for step in steps {
        ok(&mut m, step);
        snapshots.push((m.live().clone(), m.events().to_vec()));
    }
    snapshots.pop();
    while let Some((live, events)) = snapshots.pop() {
        ok(&mut m, MatchEvent::Undo);
        assert_eq!(m.live(), &live);
        assert_eq!(
            serde_json::to_string(m.live()).unwrap(),
            serde_json::to_string(&live).unwrap()
        );
        assert_eq!(m.events(), &events[..]);
    }
}

#[test]
fn undo_with_nothing_to_undo_is_refused() {
    let mut m = Match::new(MatchSetup::limited_overs(MatchFormat::T20, teams(), 20));
    assert_refused!(m, MatchEvent::Undo, LawViolation::NothingToUndo);
    let mut m = t20();
    ok(&mut m, MatchEvent::Undo);
    ok(&mut m, MatchEvent::Undo);
    assert!(m.events().is_empty());
    assert_refused!(m, MatchEvent::Undo, LawViolation::NothingToUndo);
}

#[test]
fn undoing_the_winning_hit_reopens_the_match() {
    let mut m = t20_chasing_five();
    let before = m.live().clone();
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(6)),
    );
    assert_eq!(m.live().status, MatchStatus::Finished);
    ok(&mut m, MatchEvent::Undo);
    assert_eq!(m.live(), &before);
    assert_eq!(m.live().status, MatchStatus::InProgress);
    ok(
        &mut m,
        b(ball(SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]).runs(1)),
    );
}
