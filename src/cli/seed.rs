//! `crease seed`: an empty database gets the bundled matches, finished ones and one live
//! mid-innings; a database that already holds a match is left alone.

use std::process::ExitCode;

use super::error_line;
use crate::config::StoreConfig;
use crate::fixtures::{self, Seeded};
use crate::store::Store;

pub async fn run(config: StoreConfig) -> ExitCode {
    let store = match Store::open(&config).await {
        Ok(store) => store,
        Err(e) => {
            error_line("seed", format_args!("{e:#}"));
            return ExitCode::FAILURE;
        }
    };
    let scoring = fixtures::offline_scoring(&store);
    let code = match fixtures::seed(&store, &scoring).await {
        Ok(Seeded::NotEmpty(n)) => {
            error_line(
                "seed",
                format_args!("the database already holds {n} match(es); nothing was seeded"),
            );
            ExitCode::SUCCESS
        }
        Ok(Seeded::Created {
            matches, failed, ..
        }) => {
            for m in &matches {
                // One JSON line per match, like `crease import`, with enough to recognise it.
                match serde_json::to_string(m) {
                    Ok(line) => println!("{line}"),
                    Err(e) => error_line("seed", format_args!("match {}: {e}", m.match_id)),
                }
            }
            for (file, e) in &failed {
                error_line("seed", format_args!("bundled {file} was not seeded: {e}"));
            }
            if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                // Bundled data the engine refuses is a bug in this program, not bad input.
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            error_line("seed", e);
            ExitCode::FAILURE
        }
    };
    store.close().await;
    code
}
