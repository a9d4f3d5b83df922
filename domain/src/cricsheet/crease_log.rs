//! Crease's own export carries, in its `crease` member, the events in force exactly as they
//! were recorded. Cricsheet has no field for much of what a scorer records (a stoppage, the
//! commentary, the umpires' reason for an override, a new batter or bowler named before the
//! next ball, the openers of an innings not yet begun), so the deliveries alone cannot give back
//! the state a match was exported in; the log can.
//!
//! The Cricsheet part stays what the file says: the log is used only when it still gives that
//! part back word for word. A file edited since it was written (a fielder's name mended by a
//! statistician) is imported from its Cricsheet part, and the log is set aside.

use serde::Deserialize;
use serde_json::Value;

use super::export::export;
use super::fields::shape;
use super::{CricsheetError, MatchInfo};
use crate::event::{MatchEvent, Recorded};
use crate::setup::MatchSetup;
use crate::Match;

/// The most events a log may hold: some seven times the longest match in the repository's
/// corpus (a Test of 2,690 deliveries).
const MAX_EVENTS: usize = 20_000;

/// What the `crease.events` member of a file gives.
pub(super) enum CreaseLog {
    /// No log: the file was not written by Crease, or by an older Crease.
    Absent,
    /// The log, which gives the file's Cricsheet part back as it is.
    Agrees(Vec<Recorded>),
    /// A log that no longer matches the Cricsheet part (or that the Laws refuse): set aside.
    Stale,
}

/// Reads the log of `file`, if it has one, and checks it against the file's own Cricsheet
/// part. A log that is not a list of recorded events, or that holds an undo or a correction
/// (never events in force), is an error: the file is broken, not merely edited.
pub(super) fn read(
    file: &Value,
    setup: &MatchSetup,
    info: &MatchInfo,
) -> Result<CreaseLog, CricsheetError> {
    let Some(log) = file.get("crease").and_then(|c| c.get("events")) else {
        return Ok(CreaseLog::Absent);
    };
    if log.as_array().is_some_and(|l| l.len() > MAX_EVENTS) {
        return Err(shape(format!(
            "`crease.events` holds more than {MAX_EVENTS} events"
        )));
    }
    let events = Vec::<Recorded>::deserialize(log)
        .map_err(|e| shape(format!("`crease.events` is not a list of events: {e}")))?;
    if let Some(e) = events
        .iter()
        .find(|r| matches!(r.event, MatchEvent::Undo | MatchEvent::Correction(_)))
    {
        return Err(shape(format!(
            "`crease.events` holds an event of kind `{}`: it lists only the events in force",
            e.event.kind()
        )));
    }
    let Ok(game) = Match::replay(setup.clone(), events.iter().cloned()) else {
        return Ok(CreaseLog::Stale);
    };
    // Written on the file's own day, so that the export can be compared member for member.
    let created = file
        .get("meta")
        .and_then(|m| m.get("created"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let again = export(&game, &info.export_info(created));
    let same = |key: &str| file.get(key) == again.get(key);
    Ok(if same("info") && same("innings") {
        CreaseLog::Agrees(events)
    } else {
        CreaseLog::Stale
    })
}
