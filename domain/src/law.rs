//! The refusal of an event the Laws (or plain arithmetic) forbid. One variant per rule, so that
//! the API can name the rule in a stable problem `type` and point at the offending field.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LawViolation {
    #[error("no innings is in progress")]
    NoInningsInProgress,
    #[error("the match is over")]
    MatchOver,
    #[error("an innings is already in progress")]
    InningsInProgress,
    #[error("{name} is not a player of {team}")]
    NotInTeam {
        field: &'static str,
        name: String,
        team: String,
    },
    #[error("unknown team {name}")]
    UnknownTeam { field: &'static str, name: String },
    #[error("{name} is already out")]
    BatterAlreadyOut { field: &'static str, name: String },
    #[error("{name} is not at the crease")]
    BatterNotIn { field: &'static str, name: String },
    #[error("a batter must be replaced before the next delivery")]
    NewBatterDue,
    #[error("striker and non-striker are the same player")]
    SameBatters,
    #[error("{name} bowled the previous over and may not bowl two in a row")]
    ConsecutiveOvers { name: String },
    #[error("{name} has bowled the quota of {quota} overs")]
    OverQuotaExceeded { name: String, quota: u16 },
    #[error("{name} is bowling this over; a bowler changes mid-over only through a bowler change")]
    BowlerChangedMidOver { name: String },
    #[error("runs do not add up: total {total} is not batter {batter} plus extras {extras}")]
    RunsMismatch {
        total: u32,
        batter: u32,
        extras: u32,
    },
    #[error("{runs} {what} on one delivery is more than the Laws allow (at most {max})")]
    TooManyRuns {
        field: &'static str,
        what: &'static str,
        runs: u32,
        max: u32,
    },
    #[error("{runs} runs cannot be recorded on one event: at most {max}")]
    RunsOutOfRange { runs: u32, max: u32 },
    #[error("the match total would pass the largest number of runs that can be recorded")]
    TotalOutOfRange,
    #[error("a delivery cannot be both a wide and a no-ball")]
    WideAndNoBall,
    #[error("{0}")]
    ImpossibleExtras(&'static str),
    #[error("at most two wickets may fall on one delivery, and never the same batter twice")]
    TooManyWickets,
    #[error("{kind} is not possible off a {delivery}")]
    DismissalNotPossible {
        kind: &'static str,
        delivery: &'static str,
    },
    #[error("on a free hit a batter can only be out in a way the bowler is not credited with")]
    FreeHitDismissal,
    #[error("{name} is not one of the batters at the crease")]
    PlayerOutNotBatting { name: String },
    #[error("there is nothing to undo")]
    NothingToUndo,
    #[error("a no-ball is worth {value} runs under this match's playing conditions")]
    NoBallValue { value: u8 },
    #[error("the Laws checks accept this event: send it without an override")]
    OverrideNotNeeded,
    #[error("no event in force has seq {seq}: it was never scored, undone, deleted, or is itself an undo or a correction")]
    NoSuchEvent { seq: u64 },
    #[error("with this correction the event at seq {seq} would be refused: {cause}")]
    LaterEventRefused { seq: u64, cause: Box<LawViolation> },
    #[error("play is suspended ({what}): resume play before the next ball")]
    PlaySuspended { what: String },
    #[error("{0}")]
    InvalidEvent(&'static str),
}

impl LawViolation {
    /// A stable machine name for the rule, used as the problem `type` suffix.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoInningsInProgress => "no-innings-in-progress",
            Self::MatchOver => "match-over",
            Self::InningsInProgress => "innings-in-progress",
            Self::NotInTeam { .. } => "not-in-team",
            Self::UnknownTeam { .. } => "unknown-team",
            Self::BatterAlreadyOut { .. } => "batter-already-out",
            Self::BatterNotIn { .. } => "batter-not-in",
            Self::NewBatterDue => "new-batter-due",
            Self::SameBatters => "same-batters",
            Self::ConsecutiveOvers { .. } => "consecutive-overs",
            Self::OverQuotaExceeded { .. } => "over-quota-exceeded",
            Self::BowlerChangedMidOver { .. } => "bowler-changed-mid-over",
            Self::RunsMismatch { .. } => "runs-mismatch",
            Self::TooManyRuns { .. } => "too-many-runs",
            Self::RunsOutOfRange { .. } => "runs-out-of-range",
            Self::TotalOutOfRange => "total-out-of-range",
            Self::WideAndNoBall => "wide-and-no-ball",
            Self::ImpossibleExtras(_) => "impossible-extras",
            Self::TooManyWickets => "too-many-wickets",
            Self::DismissalNotPossible { .. } => "dismissal-not-possible",
            Self::FreeHitDismissal => "free-hit-dismissal",
            Self::PlayerOutNotBatting { .. } => "player-out-not-batting",
            Self::NothingToUndo => "nothing-to-undo",
            Self::NoBallValue { .. } => "no-ball-value",
            Self::OverrideNotNeeded => "override-not-needed",
            Self::NoSuchEvent { .. } => "no-such-event",
            Self::LaterEventRefused { .. } => "later-event-refused",
            Self::PlaySuspended { .. } => "play-suspended",
            Self::InvalidEvent(_) => "invalid-event",
        }
    }

    /// Whether an umpire's decision can make the event stand although this check refuses it.
    ///
    /// Only rules of play: who bowls, what a free hit allows, what a no-ball is worth, how many
    /// runs a delivery can bring, and an event after the result (penalty runs, a retirement
    /// recorded late). Never what cannot be represented: an unknown player or team, runs that
    /// do not add up or pass the hard ceiling, a batter not at the crease, more wickets than a
    /// delivery can take.
    pub fn overridable(&self) -> bool {
        matches!(
            self,
            Self::ConsecutiveOvers { .. }
                | Self::OverQuotaExceeded { .. }
                | Self::DismissalNotPossible { .. }
                | Self::FreeHitDismissal
                | Self::NoBallValue { .. }
                | Self::TooManyRuns { .. }
                | Self::MatchOver
        )
    }

    /// The request field at fault, as a JSON pointer-ish path (`bowler`, `wickets/0/kind`).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::NotInTeam { field, .. }
            | Self::UnknownTeam { field, .. }
            | Self::BatterAlreadyOut { field, .. }
            | Self::BatterNotIn { field, .. }
            | Self::TooManyRuns { field, .. } => Some(field),
            Self::ConsecutiveOvers { .. }
            | Self::OverQuotaExceeded { .. }
            | Self::BowlerChangedMidOver { .. } => Some("bowler"),
            Self::RunsMismatch { .. } | Self::RunsOutOfRange { .. } | Self::TotalOutOfRange => {
                Some("runs")
            }
            Self::WideAndNoBall | Self::ImpossibleExtras(_) | Self::NoBallValue { .. } => {
                Some("extras")
            }
            Self::OverrideNotNeeded => Some("override"),
            Self::NoSuchEvent { .. } => Some("seq"),
            Self::TooManyWickets
            | Self::DismissalNotPossible { .. }
            | Self::FreeHitDismissal
            | Self::PlayerOutNotBatting { .. } => Some("wickets"),
            Self::SameBatters => Some("non_striker"),
            _ => None,
        }
    }
}
