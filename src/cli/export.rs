//! `crease export ID [--out FILE]`: a stored match written out as a Cricsheet file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{error_line, BAD_INPUT};
use crate::config::StoreConfig;
use crate::fixtures;
use crate::ingest::PastError;
use crate::store::Store;

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// The match's id.
    pub id: i64,
    /// Write the file here instead of on stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreConfig,
}

/// Prints the file (or writes `--out`); a match that does not exist exits with [`BAD_INPUT`].
pub async fn run(args: ExportArgs) -> ExitCode {
    let store = match Store::open(&args.store).await {
        Ok(store) => store,
        Err(e) => {
            error_line("export", format_args!("{e:#}"));
            return ExitCode::FAILURE;
        }
    };
    let exported = fixtures::offline_scoring(&store).cricsheet(args.id).await;
    store.close().await;
    let file = match exported {
        Ok(file) => file,
        Err(PastError::MatchNotFound) => {
            error_line("export", format_args!("no match {}", args.id));
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            error_line("export", format_args!("match {}: {e}", args.id));
            return ExitCode::FAILURE;
        }
    };
    let written = match &args.out {
        Some(path) => {
            std::fs::write(path, &file.body).map_err(|e| format!("{}: {e}", path.display()))
        }
        // A closed pipe (`crease export 1 | head`) is not worth a panic.
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&file.body)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| e.to_string())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            error_line("export", why);
            ExitCode::FAILURE
        }
    }
}
