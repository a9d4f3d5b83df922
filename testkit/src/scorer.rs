//! A tiny scorer model for tests that need many legal balls: it knows who is on strike and who
//! bowls each over, so it can write valid Cricsheet-shaped deliveries without asking the server.
//!
//! It rotates five bowlers (a T20 quota of four overs each covers all twenty overs, and no one
//! bowls consecutive overs) and scores only legal balls without wickets, so the innings lasts
//! exactly `overs × 6` balls.

use serde_json::{json, Value};

/// Two made-up XIs for a match: names are `"<team> <n>"`, n from 1 to 11.
#[derive(Debug, Clone)]
pub struct Sides {
    pub batting: String,
    pub bowling: String,
    pub batters: Vec<String>,
    pub bowlers: Vec<String>,
}

impl Sides {
    pub fn new(batting: &str, bowling: &str) -> Sides {
        let xi = |team: &str| (1..=11).map(|i| format!("{team} {i}")).collect();
        Sides {
            batting: batting.into(),
            bowling: bowling.into(),
            batters: xi(batting),
            bowlers: xi(bowling),
        }
    }
}

#[derive(Debug, Clone)]
pub struct InningsModel {
    pub sides: Sides,
    striker: usize,
    non_striker: usize,
    /// Legal balls bowled so far in this innings.
    pub legal_balls: u32,
    pub runs: u32,
    balls_per_over: u32,
}

/// Runs off the bat, cycled: dots, singles (strike changes) and boundaries.
const RUN_PATTERN: [u32; 6] = [0, 1, 4, 0, 2, 6];

impl InningsModel {
    pub fn new(sides: Sides) -> InningsModel {
        InningsModel {
            sides,
            striker: 0,
            non_striker: 1,
            legal_balls: 0,
            runs: 0,
            balls_per_over: 6,
        }
    }

    /// The bowler of over `over` (0-based): the last five of the fielding XI in turn.
    fn bowler_of(&self, over: u32) -> &str {
        &self.sides.bowlers[10 - (over % 5) as usize]
    }

    pub fn bowler(&self) -> &str {
        self.bowler_of(self.legal_balls / self.balls_per_over)
    }

    pub fn striker(&self) -> &str {
        &self.sides.batters[self.striker]
    }

    pub fn non_striker(&self) -> &str {
        &self.sides.batters[self.non_striker]
    }

    /// The `innings_start` event body for `POST /api/matches/{id}/events`.
    pub fn innings_start(&self) -> Value {
        json!({
            "kind": "innings_start",
            "data": {
                "batting_team": self.sides.batting,
                "striker": self.striker(),
                "non_striker": self.non_striker(),
                "bowler": self.bowler(),
            }
        })
    }

    /// A delivery scoring `runs` off the bat, not yet applied to the model.
    pub fn ball_with(&self, runs: u32) -> Value {
        json!({
            "batter": self.striker(),
            "non_striker": self.non_striker(),
            "bowler": self.bowler(),
            "runs": { "batter": runs, "extras": 0, "total": runs },
        })
    }

    /// The next ball in the run pattern; call `accept` once the server has stored it.
    pub fn next_ball(&self) -> Value {
        self.ball_with(self.next_runs())
    }

    pub fn next_runs(&self) -> u32 {
        RUN_PATTERN[(self.legal_balls as usize) % RUN_PATTERN.len()]
    }

    /// Applies a legal ball of `runs` off the bat: strike changes on odd runs and at over end.
    pub fn accept(&mut self, runs: u32) {
        self.runs += runs;
        self.legal_balls += 1;
        if !runs.is_multiple_of(2) {
            std::mem::swap(&mut self.striker, &mut self.non_striker);
        }
        if self.legal_balls.is_multiple_of(self.balls_per_over) {
            std::mem::swap(&mut self.striker, &mut self.non_striker);
        }
    }
}
