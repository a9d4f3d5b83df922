//! `crease import FILE… [--live-at N]`: Cricsheet matches stored as fixtures plus their events.
//!
//! Every event goes through [`Scoring::submit`], the path a scorer's POST takes, so an imported
//! match's snapshots are derived exactly as live ingest derives them. A file is checked whole
//! by the engine before anything is written, so a refused event leaves no half-imported match.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use crease_domain::cricsheet::{self, CricsheetMatch};
use crease_domain::{Match, MatchEvent, MatchSetup, Recorded, TeamSheet};
use serde::Serialize;

use crate::bus::{local::LocalBus, Bus};
use crate::cache::SnapshotCache;
use crate::config::{CacheMode, StoreConfig};
use crate::error::ApiError;
use crate::scoring::Scoring;
use crate::store::{NewMatch, NewPlayer, NewTeam, NewTournament, Store, StoreError};

/// The exit code when a file is at fault (unreadable, not Cricsheet, refused by the Laws).
pub const BAD_INPUT: u8 = 2;

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

/// What one import stored.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub match_id: i64,
    pub seq: i64,
    pub title: String,
    pub status: String,
    pub summary: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Cricsheet(#[from] cricsheet::CricsheetError),
    #[error("event {number} ({kind}) refused: {why}; nothing was stored")]
    Refused {
        /// 1-based, as a scorer would count it.
        number: usize,
        kind: &'static str,
        why: String,
    },
    #[error("storing fixtures: {0}; no events were stored")]
    Fixtures(#[source] StoreError),
    #[error("match {match_id}: storing event {number} ({kind}) failed: {why}; the match was left with its first {stored} events")]
    Partial {
        match_id: i64,
        number: usize,
        kind: &'static str,
        stored: i64,
        why: String,
    },
    #[error("the check was interrupted: {0}")]
    Interrupted(String),
}

impl ImportError {
    /// Whether the file is at fault (exit 2) rather than the database (exit 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Self::Read(_) | Self::Cricsheet(_) | Self::Refused { .. }
        )
    }
}

/// A match parsed, cut and replayed by the engine without a refusal: ready to store.
pub struct Checked {
    pub parsed: CricsheetMatch,
    /// How many of `parsed.events` to store.
    pub upto: usize,
}

/// A `Scoring` for a process that is not serving: an L1 cache nobody reads and a bus with no
/// subscribers, so imports take the one ingest path without a node around them.
pub fn offline_scoring(store: &Store) -> Scoring {
    let cache = Arc::new(SnapshotCache::new(CacheMode::On, store.clone(), None));
    Scoring::new(store.clone(), cache, Bus::Local(LocalBus::default()))
}

pub async fn run(args: ImportArgs) -> ExitCode {
    let store = match crate::startup::connect_store(&args.store).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("crease import: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut code = ExitCode::SUCCESS;
    for file in &args.files {
        // A Scoring per file: it keeps every match's engine in memory, and an import of many
        // files has no use for the earlier ones.
        let scoring = offline_scoring(&store);
        match import_file(&store, &scoring, file, args.live_at).await {
            Ok(done) => {
                let line = serde_json::json!({ "match_id": done.match_id, "seq": done.seq });
                println!("{line}");
            }
            Err(e) => {
                // One line per file, whatever the cause says, so that scripts can grep it.
                let why = e.to_string().replace(['\n', '\r'], " ");
                eprintln!("crease import: {}: {why}", file.display());
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

async fn import_file(
    store: &Store,
    scoring: &Scoring,
    path: &Path,
    live_at: Option<usize>,
) -> Result<Imported, ImportError> {
    let text = tokio::fs::read_to_string(path).await?;
    import_text(store, scoring, text, live_at).await
}

/// Checks a Cricsheet match (off the async threads: a Test is thousands of events) and stores it.
pub async fn import_text(
    store: &Store,
    scoring: &Scoring,
    text: impl AsRef<str> + Send + 'static,
    live_at: Option<usize>,
) -> Result<Imported, ImportError> {
    let span = tracing::Span::current();
    let checked =
        tokio::task::spawn_blocking(move || span.in_scope(|| check(text.as_ref(), live_at)))
            .await
            .map_err(|e| ImportError::Interrupted(e.to_string()))??;
    store_checked(store, scoring, &checked).await
}

/// Parses, cuts at `live_at` and replays the kept events through the engine, refusing the file
/// at its first refused event.
pub fn check(text: &str, live_at: Option<usize>) -> Result<Checked, ImportError> {
    let parsed = cricsheet::parse(text)?;
    let upto = cut(&parsed.events, live_at);
    let mut game = Match::new(parsed.setup.clone());
    for (i, event) in parsed.events.iter().take(upto).enumerate() {
        game.record(event.clone())
            .map_err(|law| ImportError::Refused {
                number: i + 1,
                kind: event.event.kind(),
                why: law.to_string(),
            })?;
    }
    Ok(Checked { parsed, upto })
}

/// How many events come up to and including the `live_at`-th delivery (0: those before the
/// first delivery); all of them without `live_at`, or when the match has fewer deliveries.
pub fn cut(events: &[Recorded], live_at: Option<usize>) -> usize {
    let Some(n) = live_at else {
        return events.len();
    };
    let mut balls = 0;
    for (i, event) in events.iter().enumerate() {
        if matches!(event.event, MatchEvent::Ball(_)) {
            if balls == n {
                return i;
            }
            balls += 1;
            if balls == n {
                return i + 1;
            }
        }
    }
    events.len()
}

/// Stores the fixtures, then each kept event through ingest, in order.
pub async fn store_checked(
    store: &Store,
    scoring: &Scoring,
    checked: &Checked,
) -> Result<Imported, ImportError> {
    let m = &checked.parsed;
    let row = create_fixtures(store, m)
        .await
        .map_err(ImportError::Fixtures)?;
    let mut seq = 0;
    for (i, event) in m.events.iter().take(checked.upto).enumerate() {
        // `expected_seq` makes a concurrent scorer on this fresh match an error, not a mix.
        match scoring.submit(row.id, event.clone(), Some(seq), None).await {
            Ok(scored) => seq = scored.seq,
            Err(e) => {
                return Err(ImportError::Partial {
                    match_id: row.id,
                    number: i + 1,
                    kind: event.event.kind(),
                    stored: seq,
                    why: describe(&e),
                })
            }
        }
    }
    let (status, summary) = match store.get_match(row.id).await {
        Ok(Some(now)) => (now.status, now.summary),
        _ => (String::new(), String::new()),
    };
    Ok(Imported {
        match_id: row.id,
        seq,
        title: row.title,
        status,
        summary,
    })
}

/// `ApiError`'s display hides internals from HTTP clients; an operator wants them.
fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Internal(detail) => format!("internal error: {detail}"),
        other => other.to_string(),
    }
}

/// The title an imported match gets: "A v B".
pub fn title_of(setup: &MatchSetup) -> String {
    format!("{} v {}", setup.teams[0].name, setup.teams[1].name)
}

async fn create_fixtures(
    store: &Store,
    m: &CricsheetMatch,
) -> Result<crate::store::MatchRow, StoreError> {
    let tournament_id = match m.info.event_name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some(tournament(store, name).await?),
        _ => None,
    };
    for sheet in &m.setup.teams {
        team_with_players(store, sheet).await?;
    }
    let venue = m
        .info
        .venue
        .clone()
        .or_else(|| m.info.city.clone())
        .filter(|v| !v.trim().is_empty());
    let starts_at = m.info.dates.first().and_then(|d| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    });
    store
        .create_match(&NewMatch {
            tournament_id,
            title: title_of(&m.setup),
            venue,
            starts_at,
            setup: m.setup.clone(),
        })
        .await
}

async fn tournament(store: &Store, name: &str) -> Result<i64, StoreError> {
    if let Some(t) = store
        .list_tournaments()
        .await?
        .into_iter()
        .find(|t| t.name == name)
    {
        return Ok(t.id);
    }
    let t = store
        .create_tournament(&NewTournament {
            name: name.to_owned(),
            season: None,
        })
        .await?;
    Ok(t.id)
}

/// The team of that name (names are unique in the store), created if missing, with every
/// player of the sheet that it lacks.
async fn team_with_players(store: &Store, sheet: &TeamSheet) -> Result<(), StoreError> {
    let team_id = match find_team(store, &sheet.name).await? {
        Some(id) => id,
        None => {
            let made = store
                .create_team(&NewTeam {
                    name: sheet.name.clone(),
                    short_name: None,
                })
                .await;
            match made {
                Ok(team) => team.id,
                // Another import created it between our look and our insert.
                Err(StoreError::Duplicate { .. }) => find_team(store, &sheet.name)
                    .await?
                    .ok_or(StoreError::NotFound)?,
                Err(e) => return Err(e),
            }
        }
    };
    let known = store.list_players(Some(team_id)).await?;
    for name in &sheet.players {
        if !known.iter().any(|p| &p.name == name) {
            store
                .create_player(&NewPlayer {
                    name: name.clone(),
                    team_id: Some(team_id),
                })
                .await?;
        }
    }
    Ok(())
}

async fn find_team(store: &Store, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(store
        .list_teams()
        .await?
        .into_iter()
        .find(|t| t.name == name)
        .map(|t| t.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crease_domain::event::{BowlerChange, Delivery, Runs};

    fn ball() -> MatchEvent {
        MatchEvent::Ball(Delivery {
            batter: "a".into(),
            non_striker: "b".into(),
            bowler: "c".into(),
            runs: Runs::default(),
            extras: Default::default(),
            wickets: vec![],
            non_boundary: false,
            commentary: None,
        })
    }

    fn change() -> MatchEvent {
        MatchEvent::BowlerChange(BowlerChange { bowler: "d".into() })
    }

    #[test]
    fn cut_counts_deliveries_and_keeps_the_nth() {
        let events: Vec<Recorded> = [change(), ball(), ball(), change(), ball()]
            .into_iter()
            .map(Recorded::from)
            .collect();
        assert_eq!(cut(&events, None), 5);
        assert_eq!(cut(&events, Some(0)), 1);
        assert_eq!(cut(&events, Some(1)), 2);
        assert_eq!(cut(&events, Some(2)), 3);
        assert_eq!(cut(&events, Some(3)), 5);
        assert_eq!(cut(&events, Some(99)), 5);
        assert_eq!(cut(&[], Some(0)), 0);
    }
}
