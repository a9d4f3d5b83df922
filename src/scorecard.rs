//! `crease scorecard FILE.json`: replays a Cricsheet match through the engine and prints the
//! live state it ends in, the same JSON that `/live` serves.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::domain::{cricsheet, Match};

/// The exit code for a file that cannot be scored: the input is at fault, not the program.
const BAD_INPUT: u8 = 2;

/// Prints the scorecard on stdout; on any failure prints one line naming the file on stderr,
/// prints nothing on stdout and exits with 2.
pub fn run(path: &Path) -> ExitCode {
    let json = match scorecard(path) {
        Ok(json) => json,
        Err(why) => {
            // One line, whatever the cause says, so that scripts can grep it.
            let why = why.replace(['\n', '\r'], " ");
            eprintln!("crease scorecard: {}: {why}", path.display());
            return ExitCode::from(BAD_INPUT);
        }
    };
    // A closed pipe (`crease scorecard f.json | head`) is not worth a panic.
    match writeln!(std::io::stdout().lock(), "{json}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn scorecard(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let parsed = cricsheet::parse(&text).map_err(|e| e.to_string())?;
    let game = Match::replay(parsed.setup, parsed.events.iter().cloned()).map_err(|(i, law)| {
        let kind = parsed.events.get(i).map_or("", |e| e.event.kind());
        format!("event {} ({kind}) refused: {law}", i + 1)
    })?;
    serde_json::to_string_pretty(game.live()).map_err(|e| format!("cannot serialise: {e}"))
}
