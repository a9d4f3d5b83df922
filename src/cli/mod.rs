//! The `crease` subcommands, apart from the node they may start: one file per command, holding
//! its arguments and its `run()`.

pub mod export;
pub mod import;
pub mod migrate;
pub mod replay;
pub mod scorecard;
pub mod seed;
pub mod serve;

use std::fmt::Display;

use clap::Subcommand;

use crate::config::{ServeConfig, StoreConfig};
use export::ExportArgs;
use import::ImportArgs;
use replay::ReplayArgs;
use scorecard::ScorecardArgs;

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (embedded SQLite unless DATABASE_URL/REDIS_URL say otherwise). The admin
    /// token comes from CREASE_ADMIN_TOKEN only; without it one is generated into the file
    /// crease-admin-token.
    Serve(Box<ServeConfig>),
    /// Apply the database migrations and exit.
    Migrate(StoreConfig),
    /// Replay a Cricsheet match through the engine and print its final state as JSON.
    Scorecard(ScorecardArgs),
    /// Store Cricsheet matches (fixtures and events); prints {"match_id", "seq"} per match.
    Import(ImportArgs),
    /// Write a stored match as a Cricsheet JSON file (stdout, or --out FILE).
    Export(ExportArgs),
    /// Fill an empty database with the bundled demo matches; a non-empty one is left alone.
    Seed(StoreConfig),
    /// Post a Cricsheet match ball by ball through a server's HTTP API.
    Replay(ReplayArgs),
}

/// The exit code when the input is at fault (unreadable, not Cricsheet, refused by the Laws, a
/// 4xx from the server), not the program or the database.
pub const BAD_INPUT: u8 = 2;

/// Prints `crease COMMAND: MESSAGE` on stderr as one line, whatever the message holds, so that
/// scripts can grep it.
pub fn error_line(command: &str, message: impl Display) {
    let message = message.to_string().replace(['\n', '\r'], " ");
    eprintln!("crease {command}: {message}");
}
