//! `crease scorecard FILE.json`: replays a Cricsheet match through the engine and prints the
//! live state it ends in, the same JSON that `/live` serves.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{error_line, BAD_INPUT};
use crate::domain::{cricsheet, Match};

#[derive(Args, Debug, Clone)]
pub struct ScorecardArgs {
    /// A Cricsheet JSON file.
    pub file: PathBuf,
}

/// Prints the scorecard on stdout; on any failure prints one line naming the file on stderr,
/// prints nothing on stdout and exits with [`BAD_INPUT`].
pub fn run(args: &ScorecardArgs) -> ExitCode {
    let path = &args.file;
    let scored = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|text| final_state(&text));
    let json = match scored {
        Ok(json) => json,
        Err(why) => {
            error_line("scorecard", format_args!("{}: {why}", path.display()));
            return ExitCode::from(BAD_INPUT);
        }
    };
    // A closed pipe (`crease scorecard f.json | head`) is not worth a panic.
    match writeln!(std::io::stdout().lock(), "{json}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn final_state(text: &str) -> Result<String, String> {
    let parsed = cricsheet::parse(text).map_err(|e| e.to_string())?;
    let game = Match::replay(parsed.setup, parsed.events.iter().cloned()).map_err(|(i, law)| {
        let kind = parsed.events.get(i).map_or("", |e| e.event.kind());
        format!("event {} ({kind}) refused: {law}", i + 1)
    })?;
    serde_json::to_string_pretty(game.live()).map_err(|e| format!("cannot serialise: {e}"))
}
