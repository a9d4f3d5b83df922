//! The derived live state of a match: the snapshot that `/live` serves and `crease scorecard`
//! prints. Its serde shape is a public contract; extend it, never rename a field.

use serde::{Deserialize, Serialize};

use crate::event::Toss;
use crate::setup::MatchFormat;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    pub format: MatchFormat,
    pub teams: [String; 2],
    pub balls_per_over: u8,
    pub overs_per_innings: Option<u16>,
    pub status: MatchStatus,
    pub toss: Option<Toss>,
    /// Index into `innings` of the innings in progress (or last played).
    pub current_innings: Option<usize>,
    pub innings: Vec<InningsState>,
    pub striker: Option<String>,
    pub non_striker: Option<String>,
    pub bowler: Option<String>,
    /// The next delivery is a free hit.
    pub free_hit: bool,
    /// What the scorer must supply before the next delivery can be scored.
    pub due: Vec<Due>,
    /// "Australia won by 5 wickets (3 balls left)", "Match tied", "No result"...
    pub result: Option<String>,
    pub winner: Option<String>,
    /// One line for lists and tickers: "IND 145/3 (16.2 ov) need 23 from 22 balls".
    pub summary: String,
    /// The most recent deliveries' commentary, oldest first, at most [`COMMENTARY_KEPT`].
    pub commentary: Vec<CommentaryLine>,
    /// Every event that stands by the umpires' decision although the Laws checks refused it.
    #[serde(default)]
    pub overrides: Vec<OverrideNote>,
    /// Every correction made to the match's past, oldest first.
    #[serde(default)]
    pub corrections: Vec<CorrectionNote>,
    /// The stoppage in progress: no ball until play resumes.
    #[serde(default)]
    pub interruption: Option<Stoppage>,
    /// Every stoppage of the match, oldest first, with when play resumed.
    #[serde(default)]
    pub stoppages: Vec<Stoppage>,
}

/// Play stopped: why, and from when to when, in the ground's time as the scorer gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stoppage {
    /// `rain`, `bad_light`, `lunch`, `tea`, `drinks`, `injury` or `other`.
    pub cause: crate::event::InterruptionCause,
    pub reason: Option<String>,
    /// The innings it happened in (0 before the first) and the overs bowled then.
    pub innings: u8,
    pub overs: String,
    pub since: String,
    pub until: Option<String>,
    /// "Rain: play suspended since 14:05", "Lunch: play suspended since 12:30".
    pub text: String,
}

/// What a correction changed, in words and in figures: "14.3: FOUR → SIX, Kohli 48* → 50*,
/// India 120/3 → 122/3".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectionNote {
    /// The seq of the event corrected.
    pub seq: u64,
    /// `amend`, `insert` or `delete`.
    pub action: String,
    /// The innings it happened in (0 before the first).
    pub innings: u8,
    /// The corrected delivery's over and ball ("14.3"), or "after 14.2" for another event.
    pub ball: String,
    /// The event as it stood, in a few words ("FOUR"); absent for an insertion.
    pub before: Option<String>,
    /// The event that stands now; absent for a deletion.
    pub after: Option<String>,
    pub changes: Vec<FigureChange>,
    /// All of it in one line, for the commentary.
    pub text: String,
}

/// One figure a correction changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureChange {
    /// `batter` (runs, `*` when not out), `bowler` (wickets-runs) or `score` (runs/wickets).
    pub what: String,
    pub innings: u8,
    /// The player, or the batting side for a score.
    pub name: String,
    pub from: String,
    pub to: String,
}

/// One event recorded with an override, for the audit trail every viewer can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideNote {
    /// The innings it happened in (0 before the first).
    pub innings: u8,
    /// The over and ball it followed, as in [`CommentaryLine::ball`].
    pub ball: String,
    /// The event's kind (`ball`, `bowler_change`, `penalty_runs`…).
    pub kind: String,
    /// The rule the checks applied, as [`crate::LawViolation::code`].
    pub rule: String,
    /// What the checks said.
    pub refused: String,
    /// The umpires' reason, as the scorer gave it.
    pub reason: String,
}

/// How many commentary lines a snapshot carries; older ones are served by the history endpoint.
pub const COMMENTARY_KEPT: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    NotStarted,
    InProgress,
    InningsBreak,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    Toss,
    InningsStart,
    NewBatter,
    NewBowler,
    Result,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InningsState {
    /// 1-based, counting super-over innings too.
    pub number: u8,
    pub team: String,
    pub bowling_team: String,
    pub super_over: bool,
    pub follow_on: bool,
    pub runs: u32,
    pub wickets: u32,
    /// Legal balls bowled.
    pub balls: u32,
    /// Cricket notation: "19.4".
    pub overs: String,
    pub extras: ExtrasTally,
    pub run_rate: f64,
    pub target: Option<u32>,
    /// Legal balls available to this innings, when limited.
    pub max_balls: Option<u32>,
    pub runs_needed: Option<u32>,
    pub balls_remaining: Option<u32>,
    pub required_rate: Option<f64>,
    pub projected: Option<u32>,
    pub declared: bool,
    pub forfeited: bool,
    pub closed: bool,
    pub batting: Vec<BattingLine>,
    pub bowling: Vec<BowlingLine>,
    pub partnerships: Vec<Partnership>,
    pub fall_of_wickets: Vec<FallOfWicket>,
    /// The current (or last) over as chips: "0", "4", "W", "1wd", "2nb", "1lb", "6".
    pub this_over: Vec<String>,
    /// Runs conceded in each over, for the manhattan chart.
    pub over_runs: Vec<u32>,
    /// Cumulative runs at the end of each over, for the worm chart.
    pub worm: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExtrasTally {
    pub wides: u32,
    pub noballs: u32,
    pub byes: u32,
    pub legbyes: u32,
    pub penalty: u32,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BattingLine {
    pub name: String,
    pub runs: u32,
    pub balls: u32,
    pub fours: u32,
    pub sixes: u32,
    pub strike_rate: f64,
    /// "c Smith b Cummins", "run out (Jadeja)", "retired hurt", or "not out".
    pub dismissal: String,
    pub out: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BowlingLine {
    pub name: String,
    /// Legal balls bowled.
    pub balls: u32,
    pub overs: String,
    pub maidens: u32,
    /// Runs conceded: off the bat, wides and no-balls (not byes, leg-byes or penalties).
    pub runs: u32,
    pub wickets: u32,
    pub economy: f64,
    pub wides: u32,
    pub noballs: u32,
    pub dots: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partnership {
    /// The wicket this partnership is for: 1 for the openers.
    pub wicket: u32,
    pub batters: [String; 2],
    pub runs: u32,
    pub balls: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FallOfWicket {
    pub wicket: u32,
    pub runs: u32,
    pub batter: String,
    pub overs: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentaryLine {
    pub innings: u8,
    /// The over and ball, "19.4" (the ball's number within the over, counting extras).
    pub ball: String,
    pub text: String,
}

/// The latest delivery in one line, for realtime "ball" messages: the score after it, who was
/// involved and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BallLine {
    pub innings: u8,
    pub team: String,
    /// The over and ball, "19.4", as in [`CommentaryLine::ball`].
    pub ball: String,
    /// "145/3".
    pub score: String,
    pub runs: u32,
    pub wickets: u32,
    pub overs: String,
    pub run_rate: f64,
    pub required_rate: Option<f64>,
    pub striker: Option<String>,
    pub non_striker: Option<String>,
    pub bowler: Option<String>,
    pub text: String,
    /// 4 or 6 when the ball went to the boundary; absent for runs that were run or overthrows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<u32>,
    /// The batter's 4 or 6 was run, or came from overthrows: not a boundary.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_boundary: bool,
}
