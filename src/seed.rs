//! `crease seed`: an empty database gets the bundled matches, finished ones and one live
//! mid-innings; a database that already holds a match is left alone.

use std::process::ExitCode;

use crate::bundled::{self, Bundled};
use crate::config::StoreConfig;
use crate::import::{self, ImportError, Imported};
use crate::scoring::Scoring;
use crate::store::{Store, StoreError};

/// What a seed did.
#[derive(Debug)]
pub enum Seeded {
    /// The database already had this many matches; nothing was written.
    NotEmpty(usize),
    /// The matches created, in order; `failed` names bundled files the engine refused.
    Created {
        matches: Vec<Imported>,
        live: Option<i64>,
        failed: Vec<(&'static str, ImportError)>,
    },
}

/// Seeds through `scoring`, so a serving node's cache and bus see the new matches too.
///
/// Two nodes seeding the same empty database at once could both seed: the emptiness check and
/// the writes are not one transaction. `seed` is meant for one operator or one demo node.
pub async fn seed(store: &Store, scoring: &Scoring) -> Result<Seeded, StoreError> {
    let existing = store.list_matches().await?.len();
    if existing > 0 {
        return Ok(Seeded::NotEmpty(existing));
    }
    let mut matches = Vec::new();
    let mut failed = Vec::new();
    let mut live = None;
    let plan = bundled::FINISHED
        .iter()
        .map(|b| (b, None))
        .chain([(&bundled::LIVE, Some(bundled::LIVE_AT))]);
    for (b, live_at) in plan {
        match import_bundled(store, scoring, b, live_at).await {
            Ok(done) => {
                if live_at.is_some() {
                    live = Some(done.match_id);
                }
                matches.push(done);
            }
            Err(e) => failed.push((b.file, e)),
        }
    }
    Ok(Seeded::Created {
        matches,
        live,
        failed,
    })
}

/// Stores one bundled match, whole or cut at `live_at` deliveries.
pub async fn import_bundled(
    store: &Store,
    scoring: &Scoring,
    b: &Bundled,
    live_at: Option<usize>,
) -> Result<Imported, ImportError> {
    import::import_text(store, scoring, b.json, live_at).await
}

pub async fn run(config: StoreConfig) -> ExitCode {
    let store = match crate::startup::connect_store(&config).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("crease seed: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let scoring = import::offline_scoring(&store);
    let code = match seed(&store, &scoring).await {
        Ok(Seeded::NotEmpty(n)) => {
            eprintln!("crease seed: the database already holds {n} match(es); nothing was seeded");
            ExitCode::SUCCESS
        }
        Ok(Seeded::Created {
            matches, failed, ..
        }) => {
            for m in &matches {
                // One JSON line per match, like `crease import`, with enough to recognise it.
                match serde_json::to_string(m) {
                    Ok(line) => println!("{line}"),
                    Err(e) => eprintln!("crease seed: match {}: {e}", m.match_id),
                }
            }
            for (file, e) in &failed {
                eprintln!("crease seed: bundled {file} was not seeded: {e}");
            }
            if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                // Bundled data the engine refuses is a bug in this program, not bad input.
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("crease seed: {e}");
            ExitCode::FAILURE
        }
    };
    store.close().await;
    code
}
