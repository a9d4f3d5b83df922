//! The engine's private bookkeeping beside [`LiveState`]: who is at the crease, the over in
//! progress, indexes into the cards, so that each ball costs the same however long the match.

use std::collections::HashMap;

use crate::live::{ExtrasTally, InningsState};

/// Where a batter stands in an innings; the card's text follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatStatus {
    /// Has come in and is not out (at the crease, unless a vacancy was just made).
    In,
    Out,
    RetiredHurt,
    RetiredNotOut,
    /// Did not bat: absent hurt or absent, recorded as the innings closed.
    Absent,
}

#[derive(Debug, Clone, Default)]
pub(super) struct BowlerCtx {
    /// Overs this bowler began; the quota counts these.
    pub overs_started: u32,
    /// Overs bowled from first ball to last by this bowler alone.
    pub full_overs: u32,
    /// Legal balls from overs shared with another bowler (an injury mid-over).
    pub spare_balls: u32,
}

/// Why an innings closed: the result is worded from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closed {
    AllOut,
    Overs,
    Target,
    Declared,
    Forfeited,
    /// A revised target was set after play stopped, below the runs already scored (DLS par).
    Par,
    /// Ended by a declared result (draw, no result, award).
    Ended,
}

#[derive(Debug, Clone)]
pub(super) struct InningsCtx {
    pub bat: usize,
    pub bowl: usize,
    pub super_over: bool,
    /// Innings of this kind (regular or super over) before this one in the match.
    pub ordinal: usize,
    pub batters: HashMap<String, usize>,
    pub status: Vec<BatStatus>,
    pub bowlers: HashMap<String, usize>,
    pub bowl_ctx: Vec<BowlerCtx>,
    /// Striker's end first; `None` is a vacancy after a wicket or retirement.
    pub crease: [Option<String>; 2],
    pub completed_overs: u32,
    pub balls_in_over: u32,
    pub deliveries_in_over: u32,
    /// Legal balls that end the current over (balls per over, unless miscounted).
    pub over_limit: u32,
    pub over_bowler: Option<String>,
    /// The next over's bowler, when the bowler change naming them stands by the umpires'
    /// decision: the over's first ball is not refused again under the rule they overruled.
    pub overruled_bowler: Option<String>,
    /// Everyone who bowled in the current over, with their legal balls in it.
    pub over_bowlers: Vec<(String, u32)>,
    pub prev_over_bowlers: Vec<String>,
    /// Overs in a row the last over's bowler has bowled, ending with the last over.
    pub streak: u32,
    /// Most overs one bowler may begin in this innings; `None` when unlimited.
    pub quota: Option<u32>,
    /// Runs charged to the bowler in the current over, for maidens.
    pub over_charged: u32,
    pub free_hit: bool,
    /// Balls available in over-notation terms: completed overs × balls per over + balls.
    pub max_balls: Option<u32>,
    pub target_override: Option<u32>,
    pub revised: bool,
    /// Wickets that end the innings (10 for an XI, 2 in a super over).
    pub max_wickets: u32,
    pub closed: Option<Closed>,
}

impl InningsCtx {
    /// An innings before its first ball: `bat` against the other side, overs of `over_limit`
    /// legal balls.
    pub fn fresh(
        bat: usize,
        super_over: bool,
        ordinal: usize,
        over_limit: u32,
        max_balls: Option<u32>,
        max_wickets: u32,
    ) -> Self {
        Self {
            bat,
            bowl: 1 - bat,
            super_over,
            ordinal,
            batters: HashMap::default(),
            status: vec![],
            bowlers: HashMap::default(),
            bowl_ctx: vec![],
            crease: [None, None],
            completed_overs: 0,
            balls_in_over: 0,
            deliveries_in_over: 0,
            over_limit,
            over_bowler: None,
            overruled_bowler: None,
            over_bowlers: vec![],
            prev_over_bowlers: vec![],
            streak: 0,
            quota: None,
            over_charged: 0,
            free_hit: false,
            max_balls,
            target_override: None,
            revised: false,
            max_wickets,
            closed: None,
        }
    }

    /// Progress in over notation, so a miscounted over still counts as one over.
    pub fn nominal_balls(&self, bpo: u32) -> u32 {
        self.completed_overs
            .saturating_mul(bpo)
            .saturating_add(self.balls_in_over_shown(bpo))
    }

    /// Balls of the over in progress as notation shows them: a long (miscounted) over stays
    /// short of complete until its last ball, so it neither reads "8.6" nor ends the innings.
    pub fn balls_in_over_shown(&self, bpo: u32) -> u32 {
        if self.balls_in_over >= bpo {
            bpo.saturating_sub(1)
        } else {
            self.balls_in_over
        }
    }

    pub fn at_crease(&self, name: &str) -> bool {
        self.crease.iter().flatten().any(|n| n == name)
    }

    pub fn vacancies(&self) -> usize {
        self.crease.iter().filter(|c| c.is_none()).count()
    }
}

pub(super) fn new_innings_state(
    number: u8,
    team: String,
    bowling_team: String,
    super_over: bool,
    follow_on: bool,
) -> InningsState {
    InningsState {
        number,
        team,
        bowling_team,
        super_over,
        follow_on,
        runs: 0,
        wickets: 0,
        balls: 0,
        overs: "0.0".into(),
        extras: ExtrasTally::default(),
        run_rate: 0.0,
        target: None,
        max_balls: None,
        runs_needed: None,
        balls_remaining: None,
        required_rate: None,
        projected: None,
        declared: false,
        forfeited: false,
        closed: false,
        batting: vec![],
        bowling: vec![],
        partnerships: vec![],
        fall_of_wickets: vec![],
        this_over: vec![],
        over_runs: vec![],
        worm: vec![],
    }
}

/// Cricket notation: completed overs, a dot, balls of the over in progress ("19.4").
pub(super) fn overs_text(overs: u32, balls: u32) -> String {
    format!("{overs}.{balls}")
}

/// A bowler's overs from whole overs and loose balls, folding loose balls into overs.
pub(super) fn bowler_overs_text(full: u32, loose: u32, bpo: u32) -> String {
    let bpo = bpo.max(1);
    overs_text(full.saturating_add(loose / bpo), loose % bpo)
}

pub(super) fn round2(x: f64) -> f64 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        0.0
    }
}

/// Runs per over of `bpo` legal balls.
pub(super) fn per_over(runs: u32, balls: u32, bpo: u32) -> f64 {
    if balls == 0 {
        return 0.0;
    }
    round2(f64::from(runs) * f64::from(bpo) / f64::from(balls))
}

/// Overs in cricket notation (25.3) to balls; `None` when it is not a possible number of overs.
pub(crate) fn notation_to_balls(overs: f64, bpo: u32) -> Option<u32> {
    if !overs.is_finite() || !(0.0..=100_000.0).contains(&overs) {
        return None;
    }
    let whole = overs.trunc();
    let balls = ((overs - whole) * 10.0).round();
    if balls >= f64::from(bpo) {
        return None;
    }
    // Both values are small non-negative integers here, so the casts are exact.
    let whole = whole as u32;
    let balls = balls as u32;
    whole.checked_mul(bpo)?.checked_add(balls)
}
