//! The SQLite store (embedded mode): its pools, its migrations, and what its SQL does its own
//! way. The statements it shares with PostgreSQL are stamped out by the macros invoked at the end.
//!
//! SQLite allows one writer at a time. All writes go through `writer`, a pool of exactly one
//! connection, and multi-statement writes open with `BEGIN IMMEDIATE` so that they take the
//! write lock up front instead of failing with SQLITE_BUSY when a read lock would be upgraded.
//! Reads use `reader`, which WAL lets run beside the writer.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
};
use sqlx::{Sqlite, Transaction};

use super::append::append;
use super::clock::{ts, BindClock, Clock};
use super::error::SEQ_UNKNOWN;
use super::event_reads::event_reads;
use super::fixture_edits::fixture_edits;
use super::fixtures::fixtures;
use super::locks::{scoring_locks, ScoringLock};
use super::rows::{match_rows, MatchRecord};
use super::tokens::scorer_tokens;
use super::webhooks::{webhooks, Claimed, DeliveryLog, NewWebhook, Sent, Webhook};
use super::{
    count, new_epoch, sql, tokens, Append, Appended, Deleted, Grant, MatchRow, NewMatch, NewPlayer,
    NewTeam, NewTournament, Player, ScorerToken, StoreError, StoreOptions, StoredEvent,
    StoredResponse, StoredSnapshot, Team, Tournament, LIVE_STATUSES, NOT_STARTED,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// Reads; several connections, each seeing the last committed write (WAL).
    pub(super) reader: SqlitePool,
    /// Writes; exactly one connection, so writers queue here rather than on the file lock.
    pub(super) writer: SqlitePool,
}

impl SqliteStore {
    pub(super) async fn connect(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            // How long a statement waits for another process's lock before SQLITE_BUSY.
            .busy_timeout(opts.statement_timeout);
        if url.contains(":memory:") || url.contains("mode=memory") {
            // An in-memory database lives as long as its last connection: keep exactly one,
            // never recycled, and use it for reads and writes alike.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(base)
                .await?;
            return Ok(Self {
                reader: pool.clone(),
                writer: pool,
            });
        }
        let base = base.journal_mode(SqliteJournalMode::Wal);
        // The writer first: it creates the file and switches it to WAL before readers open it.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base)
            .await?;
        Ok(Self { reader, writer })
    }

    /// Counted as one statement: the migrator's own queries are not ours to count.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        count("migrate");
        MIGRATOR.run(&self.writer).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// The write lock BEGIN IMMEDIATE took (behind the one-connection writer pool) already
    /// serializes appends, so the seq read here is still current at insert.
    const LOCK_MATCH: &str = "SELECT seq, epoch FROM matches WHERE id = $1";

    /// Rows are stamped by this node's clock, the only one an embedded database has.
    fn clock() -> Clock {
        Clock::node()
    }

    /// A timestamp as bound: text in the one form SQLite stores.
    fn time(t: DateTime<Utc>) -> String {
        ts(t)
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Nothing to tell: no other node shares an embedded database.
    async fn announce(
        _conn: &mut SqliteConnection,
        _a: &Append<'_>,
        _epoch: i64,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// A new token's grants in one statement, the match ids (`$2`) bound as a JSON array.
    const INSERT_GRANTS: &str = "INSERT INTO scorer_token_matches (token_id, match_id) \
         SELECT $1, value FROM json_each($2)";

    fn id_list(ids: &[i64]) -> Result<String, StoreError> {
        serde_json::to_string(ids)
            .map_err(|e| StoreError::Other(format!("match ids do not serialize: {e}")))
    }
}

fixture_edits!(SqliteStore, writer);
fixtures!(SqliteStore, reader, writer);
event_reads!(SqliteStore, reader, writer);
append!(SqliteStore, SqliteConnection);
scorer_tokens!(SqliteStore, SqliteConnection, reader, writer);
scoring_locks!(SqliteStore, reader, writer);
webhooks!(SqliteStore, reader, writer);
