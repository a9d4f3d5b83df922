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
    /// Which no-balls are followed by a free hit. Stored setups from before this was a choice
    /// say `true` (every no-ball) or `false` (none), and still read.
    pub free_hit: FreeHits,
    /// Runs a no-ball is worth to the batting side before any other runs (1 under the Laws; 2 in
    /// English domestic limited-overs cricket).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub noball_runs: u8,
    /// Overs in a row one bowler may bowl: 1 under the Laws, 2 in The Hundred (two sets of five).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub max_consecutive_overs: u8,
    /// The first-innings lead with which the side batting first may make the other follow on
    /// (Law 14.1: 200 in a match of five days or more, 150 in three or four, 100 in two, 75 in
    /// one). Unset, the smallest the Law allows, since a match's length is not otherwise known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_on_lead: Option<u32>,
}

fn one() -> u8 {
    1
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

/// Which no-balls earn a free hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeHits {
    /// No free hits (multi-day cricket, limited-overs cricket before 2007).
    None,
    /// Only after a front-foot no-ball (international limited-overs cricket 2007–2015, some
    /// domestic competitions). A delivery does not say why it was a no-ball, so the next ball is
    /// shown as a free hit but a dismissal on it is not refused: it may have followed a no-ball
    /// for height.
    FrontFoot,
    /// After every no-ball (limited-overs cricket since July 2015).
    All,
}

impl FreeHits {
    /// Whether the ball after a no-ball is shown as a free hit.
    pub fn shown(self) -> bool {
        self != Self::None
    }

    /// Whether a dismissal the bowler is credited with is refused on that ball.
    pub fn enforced(self) -> bool {
        self == Self::All
    }
}

impl<'de> Deserialize<'de> for FreeHits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Flag(bool),
            Rule(String),
        }
        match Either::deserialize(d)? {
            Either::Flag(true) => Ok(Self::All),
            Either::Flag(false) => Ok(Self::None),
            Either::Rule(r) => match r.as_str() {
                "none" => Ok(Self::None),
                "front_foot" => Ok(Self::FrontFoot),
                "all" => Ok(Self::All),
                _ => Err(serde::de::Error::unknown_variant(
                    &r,
                    &["none", "front_foot", "all"],
                )),
            },
        }
    }
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
            free_hit: FreeHits::All,
            noball_runs: 1,
            max_consecutive_overs: 1,
            follow_on_lead: None,
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
            free_hit: FreeHits::None,
            noball_runs: 1,
            max_consecutive_overs: 1,
            follow_on_lead: None,
        }
    }

    pub fn is_limited_overs(&self) -> bool {
        self.overs_per_innings.is_some()
    }

    /// A bowler's quota in an innings of `balls` balls: the match's quota scaled to the overs
    /// available and rounded up (a 36-over ODI innings allows 8 overs each), as the playing
    /// conditions do when overs are reduced.
    pub fn quota_for(&self, balls: Option<u32>) -> Option<u32> {
        let quota = u32::from(self.bowler_quota_overs?);
        let full = u32::from(self.overs_per_innings?);
        let bpo = u32::from(self.balls_per_over.max(1));
        let Some(balls) = balls else {
            return Some(quota);
        };
        let overs = balls.div_ceil(bpo);
        if full == 0 || overs >= full {
            return Some(quota);
        }
        Some(overs.saturating_mul(quota).div_ceil(full))
    }
}
