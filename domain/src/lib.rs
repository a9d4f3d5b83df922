//! The cricket engine of Crease: a match's events in, its derived live state out.
//!
//! Pure code: no IO, no async, no clock. Everything a viewer sees is computed here once per
//! event, at ingest, and never per reader.
//!
//! - [`setup`]: what a match is (format, teams, balls per over, overs, quotas).
//! - [`event`]: what a scorer can say (a delivery in Cricsheet's shape, and match events).
//! - [`law`]: the typed refusal for every event the Laws forbid.
//! - [`engine`]: [`Match`], which applies events, and undoes them, under the Laws.
//! - [`live`]: [`LiveState`], the serialisable snapshot that the API serves.
//! - [`cricsheet`]: Cricsheet JSON into a setup and a list of events, and a match back out.
//! - [`notice`]: what an event did worth telling subscribers (a wicket, a boundary, a
//!   milestone, an innings' end, the result, a correction).
//! - [`wire`]: a recorded event as the scoring API's route and body, for clients that replay.

pub mod cricsheet;
pub mod engine;
pub mod event;
pub mod law;
pub mod live;
pub mod notice;
pub mod setup;
pub mod wire;

pub use engine::Match;
pub use event::{
    Delivery, DismissalKind, Extras, Fielder, MatchEvent, Override, Recorded, Runs, Wicket,
};
pub use law::LawViolation;
pub use live::LiveState;
pub use setup::{FreeHits, MatchFormat, MatchSetup, TeamSheet};
