//! What a scorer can say: a delivery, in Cricsheet's JSON shape, and the events around deliveries.
//!
//! Events are the truth of a match; every other figure derives from folding them through the
//! engine. They are stored as JSON, so their serde shape is a stored format: extend it, never
//! rename a field.

use serde::{Deserialize, Serialize};

/// One thing that happened in a match, in the order it happened.
///
/// Adjacently tagged (`{"kind": "...", "data": {...}}`) so that each variant's body can refuse
/// unknown fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum MatchEvent {
    Toss(Toss),
    /// Opens an innings: who bats, the opening pair and the opening bowler.
    InningsStart(InningsStart),
    Ball(Delivery),
    /// The incoming batter after a wicket or retirement, when not simply named on the next ball.
    NewBatter(NewBatter),
    /// The bowler of the next over, or one finishing an over for an injured team-mate.
    BowlerChange(BowlerChange),
    /// A batter leaving between deliveries: retired hurt, retired out, retired not out.
    Retirement(Retirement),
    /// The batting captain closes the innings.
    Declaration,
    /// A side forfeits its innings (Law 15).
    Forfeit(Forfeit),
    /// A revised target for the side batting second, as set under DLS or another method.
    RevisedTarget(RevisedTarget),
    /// Penalty runs awarded outside a delivery (Law 41), to the given team's total.
    PenaltyRuns(PenaltyRuns),
    /// A player replacing another (concussion substitute, impact player, supersub).
    Replacement(Replacement),
    /// The umpires miscounted: the current over ends after this many legal balls instead.
    MiscountedOver(MiscountedOver),
    /// A result the balls alone cannot give: draw, no result, abandoned, awarded, or a tie
    /// decided by bowl-out or boundary count.
    Result(DeclaredResult),
    /// No batter is left to come in (absent hurt, absent): the innings closes with fewer
    /// wickets than the side has batters.
    NoFurtherBatter(NoFurtherBatter),
    /// The overs of the innings in progress cut (rain, bad light) to this many; the innings
    /// ends there, and the bowlers' quota shrinks in proportion.
    ReducedOvers(ReducedOvers),
    /// Play stops: rain, bad light, a meal or drinks break, an injury. No ball is bowled until
    /// play resumes.
    Interruption(Interruption),
    /// Play resumes after an interruption.
    Resumption(Resumption),
    /// Takes back the last event that is still in force.
    Undo,
    /// Amends, deletes or inserts before an event still in force, named by its seq: the log
    /// keeps both the event and its correction, and the state is the corrected sequence's.
    Correction(Correction),
}

impl MatchEvent {
    /// The stored `kind` column: the serde tag.
    pub fn kind(&self) -> &'static str {
        match self {
            MatchEvent::Toss(_) => "toss",
            MatchEvent::InningsStart(_) => "innings_start",
            MatchEvent::Ball(_) => "ball",
            MatchEvent::NewBatter(_) => "new_batter",
            MatchEvent::BowlerChange(_) => "bowler_change",
            MatchEvent::Retirement(_) => "retirement",
            MatchEvent::Declaration => "declaration",
            MatchEvent::Forfeit(_) => "forfeit",
            MatchEvent::RevisedTarget(_) => "revised_target",
            MatchEvent::PenaltyRuns(_) => "penalty_runs",
            MatchEvent::Replacement(_) => "replacement",
            MatchEvent::MiscountedOver(_) => "miscounted_over",
            MatchEvent::Result(_) => "result",
            MatchEvent::NoFurtherBatter(_) => "no_further_batter",
            MatchEvent::ReducedOvers(_) => "reduced_overs",
            MatchEvent::Interruption(_) => "interruption",
            MatchEvent::Resumption(_) => "resumption",
            MatchEvent::Undo => "undo",
            MatchEvent::Correction(_) => "correction",
        }
    }
}

/// An event as the log records it: the event, and the umpires' word when it stands although the
/// Laws checks refuse it. Stored as the event's own JSON with an `override` member beside
/// `kind` and `data`, so logs written before overrides existed read unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    #[serde(flatten)]
    pub event: MatchEvent,
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Override>,
}

impl From<MatchEvent> for Recorded {
    fn from(event: MatchEvent) -> Self {
        Self {
            event,
            overridden: None,
        }
    }
}

impl Recorded {
    /// `event`, recorded although the checks refuse it, for `reason`.
    pub fn overriding(event: MatchEvent, reason: impl Into<String>) -> Self {
        Self {
            event,
            overridden: Some(Override {
                reason: reason.into(),
                rule: None,
            }),
        }
    }
}

/// What the umpires allowed and why: the scorer's reason, and the rule the checks would have
/// applied (filled in by the engine when the event is recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub reason: String,
    /// The refused rule's stable code (`consecutive-overs`), as [`crate::LawViolation::code`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TossDecision {
    Bat,
    Field,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Toss {
    pub winner: String,
    pub decision: TossDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InningsStart {
    pub batting_team: String,
    pub striker: String,
    pub non_striker: String,
    pub bowler: String,
    #[serde(default)]
    pub super_over: bool,
}

/// A delivery exactly as Cricsheet records one (plus an optional commentary line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    pub batter: String,
    pub non_striker: String,
    pub bowler: String,
    pub runs: Runs,
    #[serde(default, skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wickets: Vec<Wicket>,
    /// The batter's 4 or 6 was run (or overthrows), not a boundary.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_boundary: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commentary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runs {
    pub batter: u32,
    pub extras: u32,
    pub total: u32,
}

/// Extras on one delivery, by kind; absent kinds are zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extras {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wides: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub noballs: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub byes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub legbyes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub penalty: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Saturates rather than overflows: a delivery is data from outside and must never panic.
    pub fn total(&self) -> u32 {
        self.wides
            .saturating_add(self.noballs)
            .saturating_add(self.byes)
            .saturating_add(self.legbyes)
            .saturating_add(self.penalty)
    }

    /// The exact sum, or `None` when it does not fit (which no real delivery reaches).
    pub fn checked_total(&self) -> Option<u32> {
        self.wides
            .checked_add(self.noballs)?
            .checked_add(self.byes)?
            .checked_add(self.legbyes)?
            .checked_add(self.penalty)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wicket {
    pub kind: DismissalKind,
    pub player_out: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fielders: Vec<Fielder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fielder {
    pub name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub substitute: bool,
}

/// Every mode of dismissal in the Laws, spelt as Cricsheet spells it, plus the retirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DismissalKind {
    #[serde(rename = "bowled")]
    Bowled,
    #[serde(rename = "caught")]
    Caught,
    #[serde(rename = "caught and bowled")]
    CaughtAndBowled,
    #[serde(rename = "lbw")]
    Lbw,
    #[serde(rename = "stumped")]
    Stumped,
    #[serde(rename = "run out")]
    RunOut,
    #[serde(rename = "hit wicket")]
    HitWicket,
    #[serde(rename = "hit the ball twice")]
    HitTheBallTwice,
    #[serde(rename = "handled the ball")]
    HandledTheBall,
    #[serde(rename = "obstructing the field")]
    ObstructingTheField,
    #[serde(rename = "timed out")]
    TimedOut,
    #[serde(rename = "retired hurt")]
    RetiredHurt,
    #[serde(rename = "retired out")]
    RetiredOut,
    #[serde(rename = "retired not out")]
    RetiredNotOut,
}

impl DismissalKind {
    /// Whether the bowler is credited with the wicket.
    pub fn credited_to_bowler(self) -> bool {
        matches!(
            self,
            Self::Bowled
                | Self::Caught
                | Self::CaughtAndBowled
                | Self::Lbw
                | Self::Stumped
                | Self::HitWicket
        )
    }

    /// Whether the batter's side loses a wicket (retired hurt / not out do not count).
    pub fn counts_as_wicket(self) -> bool {
        !matches!(self, Self::RetiredHurt | Self::RetiredNotOut)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetirementKind {
    Hurt,
    NotOut,
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBatter {
    pub batter: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BowlerChange {
    pub bowler: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retirement {
    pub batter: String,
    pub kind: RetirementKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forfeit {
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisedTarget {
    pub runs: u32,
    /// Overs available to the chasing side, in cricket notation (25.3 = 25 overs and 3 balls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenaltyRuns {
    /// The team the runs are awarded to.
    pub team: String,
    pub runs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    pub team: String,
    pub player_in: String,
    pub player_out: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why no batter is left to come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsentReason {
    /// Injured and unable to bat.
    AbsentHurt,
    /// Not at the ground, or not named for another reason.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFurtherBatter {
    pub reason: AbsentReason,
    /// The batters who did not come in, when the scorer names them; shown on the card.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReducedOvers {
    /// The innings' new length in cricket notation (37.3 = 37 overs and 3 balls).
    pub overs: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiscountedOver {
    pub balls: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredOutcome {
    Draw,
    NoResult,
    Abandoned,
    /// Awarded to `winner` (a forfeit or a refusal to play).
    Awarded,
    /// A tie broken by bowl-out, boundary count or similar: `winner` and `method` say how.
    TieBroken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredResult {
    pub outcome: DeclaredOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    /// e.g. "bowl-out", "boundary count", "D/L".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// What a correction does to the event it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionAction {
    /// The named event is replaced by `event`, in its place.
    Amend,
    /// `event` is put in just before the named event.
    Insert,
    /// The named event no longer stands.
    Delete,
}

impl CorrectionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionAction::Amend => "amend",
            CorrectionAction::Insert => "insert",
            CorrectionAction::Delete => "delete",
        }
    }
}

/// A scorer's correction of an event still in force, named by the seq the log gave it. An
/// amended event keeps its seq; an inserted one takes the correction's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub seq: u64,
    pub action: CorrectionAction,
    /// The event that stands instead (amend) or before it (insert), with its own override when
    /// the umpires allowed what the checks refuse; absent for a deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Box<Recorded>>,
}

/// Why play stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterruptionCause {
    Rain,
    BadLight,
    Lunch,
    Tea,
    Drinks,
    Injury,
    Other,
}

impl InterruptionCause {
    /// The word a scoreboard shows: "Rain", "Bad light", "Lunch".
    pub fn label(self) -> &'static str {
        match self {
            InterruptionCause::Rain => "Rain",
            InterruptionCause::BadLight => "Bad light",
            InterruptionCause::Lunch => "Lunch",
            InterruptionCause::Tea => "Tea",
            InterruptionCause::Drinks => "Drinks",
            InterruptionCause::Injury => "Injury",
            InterruptionCause::Other => "Play suspended",
        }
    }
}

/// Play stops at `at`, the time at the ground as the scorebook writes it ("14:05").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interruption {
    pub cause: InterruptionCause,
    /// The scorer's words ("wet outfield", "floodlight failure"), when the cause needs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: String,
}

/// Play resumes at `at`, the time at the ground ("14:40").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resumption {
    pub at: String,
}
