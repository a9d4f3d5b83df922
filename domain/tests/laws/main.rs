//! The Laws, one at a time, against the engine's public API: every refusal names its rule and
//! leaves the match exactly as it was; every accepted ball moves the counts the Laws say it moves.

use crease_domain::event::{
    BowlerChange, InningsStart, Retirement, RetirementKind, Toss, TossDecision,
};
use crease_domain::live::{InningsState, MatchStatus};
use crease_domain::{
    Delivery, DismissalKind, Fielder, LawViolation, Match, MatchEvent, MatchFormat, MatchSetup,
    Override, Recorded, TeamSheet, Wicket,
};

const NORTH: &str = "Northmoor";
const SOUTH: &str = "Southcombe";
const NORTH_XI: [&str; 11] = [
    "Arlo Ashdown",
    "Ben Birch",
    "Cal Crane",
    "Dev Dunmore",
    "Eli Eastwood",
    "Finn Fairley",
    "Gus Greaves",
    "Hal Hartley",
    "Ivo Ingram",
    "Jude Jarrow",
    "Kit Kershaw",
];
const SOUTH_XI: [&str; 11] = [
    "Lev Lanyon",
    "Max Merrow",
    "Ned Norcott",
    "Oli Orrell",
    "Pip Penrose",
    "Quin Quarry",
    "Rex Rowntree",
    "Sol Saltash",
    "Tom Tregear",
    "Uli Upcott",
    "Vic Vellacott",
];

fn teams() -> [TeamSheet; 2] {
    let sheet = |name: &str, xi: [&str; 11]| TeamSheet {
        name: name.into(),
        players: xi.iter().map(|p| p.to_string()).collect(),
    };
    [sheet(NORTH, NORTH_XI), sheet(SOUTH, SOUTH_XI)]
}

/// A T20 with Northmoor batting: Ashdown on strike, Birch at the other end, Vellacott to bowl.
fn t20() -> Match {
    started(MatchSetup::limited_overs(MatchFormat::T20, teams(), 20))
}

/// A T20 as [`t20`], played to the playing conditions `conditions` sets.
fn t20_with(conditions: impl FnOnce(&mut MatchSetup)) -> Match {
    let mut setup = MatchSetup::limited_overs(MatchFormat::T20, teams(), 20);
    conditions(&mut setup);
    started(setup)
}

/// A Test with the same openers and opening bowler; no free hits, no quotas.
fn test_match() -> Match {
    started(MatchSetup::test(teams()))
}

fn started(setup: MatchSetup) -> Match {
    let mut m = Match::new(setup);
    let toss = Toss {
        winner: NORTH.into(),
        decision: TossDecision::Bat,
    };
    ok(&mut m, MatchEvent::Toss(toss));
    ok(
        &mut m,
        innings_start(NORTH, NORTH_XI[0], NORTH_XI[1], SOUTH_XI[10]),
    );
    m
}

fn innings_start(team: &str, striker: &str, non_striker: &str, bowler: &str) -> MatchEvent {
    MatchEvent::InningsStart(InningsStart {
        batting_team: team.into(),
        striker: striker.into(),
        non_striker: non_striker.into(),
        bowler: bowler.into(),
        super_over: false,
    })
}

#[track_caller]
fn ok(m: &mut Match, event: MatchEvent) {
    if let Err(e) = m.apply(event.clone()) {
        panic!("refused {event:?}: {e:?}");
    }
}

/// Applies an event the Laws forbid (with or without an override): it must be refused, and the
/// match must not move at all.
#[track_caller]
fn refuse(m: &mut Match, event: impl Into<Recorded>) -> LawViolation {
    let rec = event.into();
    let live_before = serde_json::to_string(m.live()).unwrap();
    let events_before = m.events().to_vec();
    let err = match m.record(rec.clone()) {
        Ok(()) => panic!("accepted {rec:?}"),
        Err(e) => e,
    };
    assert_eq!(
        serde_json::to_string(m.live()).unwrap(),
        live_before,
        "live moved on {err:?}"
    );
    assert_eq!(m.events(), &events_before[..], "events moved on {err:?}");
    err
}

macro_rules! assert_refused {
    ($m:expr, $event:expr, $pattern:pat $(if $guard:expr)?) => {{
        let err = refuse(&mut $m, $event);
        assert!(matches!(err, $pattern $(if $guard)?), "wrong refusal: {err:?}");
    }};
}

/// An event refused under a rule of play: refused as it is, leaving the match untouched; recorded
/// with the umpires' reason, it stands, and the log, the audit trail and the commentary each
/// name the rule overruled and the reason, so that no viewer mistakes it for a scoring slip.
#[track_caller]
fn overrule(m: &mut Match, event: MatchEvent, reason: &str) -> LawViolation {
    let refused = refuse(m, event.clone());
    assert!(refused.overridable(), "not overridable: {refused:?}");
    let notes_before = m.live().overrides.len();
    if let Err(e) = m.record(Recorded::overriding(event.clone(), reason)) {
        panic!("refused with an override {event:?}: {e:?}");
    }
    let rec = m.events().last().expect("the event is in the log");
    assert_eq!(rec.event, event);
    let stored = Override {
        reason: reason.into(),
        rule: Some(refused.code().into()),
    };
    assert_eq!(rec.overridden.as_ref(), Some(&stored));
    let trail = &m.live().overrides;
    assert_eq!(trail.len(), notes_before + 1, "one note per override");
    let note = trail.last().unwrap();
    assert_eq!(
        (note.kind.as_str(), note.rule.as_str(), note.reason.as_str()),
        (event.kind(), refused.code(), reason)
    );
    assert_eq!(note.refused, refused.to_string());
    let line = m.live().commentary.last().expect("a commentary line");
    assert_eq!(
        line.ball, note.ball,
        "the note points at the commentary line"
    );
    if let MatchEvent::Ball(_) = event {
        // On the ball's own line, so that a reader sees the decision beside the ball.
        let said = format!(" (umpires' decision: {reason})");
        assert!(line.text.ends_with(&said), "{}", line.text);
    } else {
        assert!(
            line.text.starts_with("Umpires' decision: "),
            "{}",
            line.text
        );
        assert!(line.text.contains(reason), "{}", line.text);
    }
    refused
}

/// A Cricsheet-shaped delivery built up field by field; totals are kept consistent.
fn ball(batter: &str, non_striker: &str, bowler: &str) -> Delivery {
    Delivery {
        batter: batter.into(),
        non_striker: non_striker.into(),
        bowler: bowler.into(),
        runs: Default::default(),
        extras: Default::default(),
        wickets: vec![],
        non_boundary: false,
        commentary: None,
    }
}

trait Shape: Sized {
    fn with(self, f: impl FnOnce(&mut Delivery)) -> Self;
    fn runs(self, n: u32) -> Self {
        self.with(|d| d.runs.batter = n)
    }
    fn wides(self, n: u32) -> Self {
        self.with(|d| d.extras.wides = n)
    }
    fn noballs(self, n: u32) -> Self {
        self.with(|d| d.extras.noballs = n)
    }
    fn byes(self, n: u32) -> Self {
        self.with(|d| d.extras.byes = n)
    }
    fn out(self, kind: DismissalKind, who: &str, fielder: Option<&str>) -> Self {
        let fielders = fielder.map(|f| Fielder {
            name: f.into(),
            substitute: false,
        });
        let wicket = Wicket {
            kind,
            player_out: who.into(),
            fielders: fielders.into_iter().collect(),
        };
        self.with(|d| d.wickets.push(wicket))
    }
}

impl Shape for Delivery {
    fn with(mut self, f: impl FnOnce(&mut Delivery)) -> Self {
        f(&mut self);
        self.runs.extras = self.extras.total();
        self.runs.total = self.runs.batter + self.runs.extras;
        self
    }
}

fn b(d: Delivery) -> MatchEvent {
    MatchEvent::Ball(d)
}

fn innings(m: &Match) -> &InningsState {
    let i = m.live().current_innings.expect("an innings has started");
    &m.live().innings[i]
}

/// Who is where, as the scorer's own model of the Laws (not read back from the engine).
struct Ends {
    striker: String,
    non_striker: String,
}

impl Ends {
    fn new(striker: &str, non_striker: &str) -> Self {
        Self {
            striker: striker.into(),
            non_striker: non_striker.into(),
        }
    }
    fn swap(&mut self) {
        std::mem::swap(&mut self.striker, &mut self.non_striker);
    }
    fn ball(&self, bowler: &str) -> Delivery {
        ball(&self.striker, &self.non_striker, bowler)
    }
}

/// Six dot balls from `bowler`, then the batters change ends for the next over.
fn dot_over(m: &mut Match, ends: &mut Ends, bowler: &str) {
    for _ in 0..6 {
        ok(m, b(ends.ball(bowler)));
    }
    ends.swap();
}

/// Bowls `overs` maiden overs, five bowlers in turn so that no quota or consecutive rule bites.
fn dot_overs(m: &mut Match, ends: &mut Ends, overs: usize) {
    let bowlers = [
        SOUTH_XI[10],
        SOUTH_XI[9],
        SOUTH_XI[8],
        SOUTH_XI[7],
        SOUTH_XI[6],
    ];
    for over in 0..overs {
        dot_over(m, ends, bowlers[over % bowlers.len()]);
    }
}

/// Bowls out the side batting from `xi`: `first` runs off the first ball (so that a target
/// exists), then the striker bowled every ball, the next batter in named on the following ball.
fn all_out(m: &mut Match, xi: [&str; 11], bowlers: [&str; 2], first: u32) {
    wickets_fall(m, xi, bowlers, first, 10);
}

/// As [`all_out`], stopping after `wickets` wickets with the next batter not yet in.
fn wickets_fall(m: &mut Match, xi: [&str; 11], bowlers: [&str; 2], first: u32, wickets: usize) {
    let mut ends = Ends::new(xi[0], xi[1]);
    let mut next_in = 2;
    for n in 0..=wickets {
        let bowler = bowlers[(n / 6) % 2];
        if n == 0 {
            ok(m, b(ends.ball(bowler).runs(first)));
        } else {
            let striker = ends.striker.clone();
            ok(
                m,
                b(ends.ball(bowler).out(DismissalKind::Bowled, &striker, None)),
            );
            if next_in < 11 {
                ends.striker = xi[next_in].into();
                next_in += 1;
            }
        }
        if n % 6 == 5 {
            ends.swap();
        }
    }
}

/// A T20 whose first innings ends at 4 all out, with Southcombe's openers in for the chase.
fn t20_chasing_five() -> Match {
    let mut m = t20();
    all_out(&mut m, NORTH_XI, [SOUTH_XI[10], SOUTH_XI[9]], 4);
    ok(
        &mut m,
        innings_start(SOUTH, SOUTH_XI[0], SOUTH_XI[1], NORTH_XI[10]),
    );
    m
}

const A: &str = NORTH_XI[0];
const B: &str = NORTH_XI[1];
const C: &str = NORTH_XI[2];
const BOWLER: &str = SOUTH_XI[10];
const CHANGE: &str = SOUTH_XI[9];
const KEEPER: &str = SOUTH_XI[4];

mod batters;
mod bowlers;
mod conditions;
mod credit;
mod cut_short;
mod extras;
mod free_hit;
mod impossible;
mod innings_end;
mod no_balls;
mod overrides;
mod retirements;
mod strike;
mod test_matches;
mod undo;
