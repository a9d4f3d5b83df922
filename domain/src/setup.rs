//! What a match is before a ball is bowled: its format, its two teams and the limits it is played to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchFormat {
    Test,
    Odi,
    T20,
    /// Any other limited-overs or multi-day match; its limits are in [`MatchSetup`].
    Other,
}

/// A team and the players who may take part (the playing XI; substitutes arrive by replacement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSheet {
    pub name: String,
    pub players: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSetup {
    pub format: MatchFormat,
    pub teams: [TeamSheet; 2],
    /// Legal balls in an over (6 nearly everywhere; 8 in some historic matches, 5 in The Hundred's sets).
    pub balls_per_over: u8,
    /// Overs per innings in limited-overs cricket; `None` when unlimited (multi-day).
    pub overs_per_innings: Option<u16>,
    /// 1 for limited-overs, 2 for a Test or first-class match.
    pub innings_per_side: u8,
    /// Most overs one bowler may bowl in an innings; `None` when unlimited.
    pub bowler_quota_overs: Option<u16>,
    /// Whether a no-ball is followed by a free hit (limited-overs cricket since 2015).
    pub free_hit: bool,
}

impl MatchSetup {
    /// A limited-overs match with the usual quota (a fifth of the overs) and free hits.
    pub fn limited_overs(format: MatchFormat, teams: [TeamSheet; 2], overs: u16) -> Self {
        Self {
            format,
            teams,
            balls_per_over: 6,
            overs_per_innings: Some(overs),
            innings_per_side: 1,
            bowler_quota_overs: Some(overs.div_ceil(5)),
            free_hit: true,
        }
    }

    /// A two-innings-a-side match with no over limit (a Test).
    pub fn test(teams: [TeamSheet; 2]) -> Self {
        Self {
            format: MatchFormat::Test,
            teams,
            balls_per_over: 6,
            overs_per_innings: None,
            innings_per_side: 2,
            bowler_quota_overs: None,
            free_hit: false,
        }
    }

    pub fn is_limited_overs(&self) -> bool {
        self.overs_per_innings.is_some()
    }
}
