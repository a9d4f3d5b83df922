//! `crease import FILE… [--live-at N]`: Cricsheet matches stored as fixtures plus their events.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{error_line, BAD_INPUT};
use crate::config::StoreConfig;
use crate::fixtures::{self, ImportError, Imported};
use crate::store::Store;

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// Cricsheet JSON match files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Store only the events up to and including the N-th delivery (0: only those before the
    /// first ball), leaving the match live for the remaining balls to be posted.
    #[arg(long, value_name = "N")]
    pub live_at: Option<usize>,
    #[command(flatten)]
    pub store: StoreConfig,
}

pub async fn run(args: ImportArgs) -> ExitCode {
    let store = match Store::open(&args.store).await {
        Ok(store) => store,
        Err(e) => {
            error_line("import", format_args!("{e:#}"));
            return ExitCode::FAILURE;
        }
    };
    let mut code = ExitCode::SUCCESS;
    for file in &args.files {
        // A Scoring per file: it keeps every match's engine in memory, and an import of many
        // files has no use for the earlier ones.
        let scoring = fixtures::offline_scoring(&store);
        let imported: Result<Imported, ImportError> = async {
            let text = tokio::fs::read_to_string(file).await?;
            fixtures::import_text(&store, &scoring, text, args.live_at).await
        }
        .await;
        match imported {
            Ok(done) => {
                let line = serde_json::json!({ "match_id": done.match_id, "seq": done.seq });
                println!("{line}");
            }
            Err(e) => {
                error_line("import", format_args!("{}: {e}", file.display()));
                if e.is_bad_input() {
                    code = ExitCode::from(BAD_INPUT);
                } else if code == ExitCode::SUCCESS {
                    code = ExitCode::FAILURE;
                }
            }
        }
    }
    store.close().await;
    code
}
