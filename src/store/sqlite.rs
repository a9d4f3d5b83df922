//! The SQLite store (embedded mode): connection pools, migrations, fixtures and scorer tokens.
//!
//! SQLite allows one writer at a time. All writes go through `writer`, a pool of exactly one
//! connection, and multi-statement writes open with `BEGIN IMMEDIATE` so that they take the
//! write lock up front instead of failing with SQLITE_BUSY when a read lock would be upgraded.
//! Reads use `reader`, which WAL lets run beside the writer. Event methods live in
//! `sqlite_events.rs`.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::rows::{match_rows, now, MatchRecord, MATCH_COLUMNS};
use super::{
    count, MatchRow, NewMatch, NewPlayer, NewTeam, NewTournament, Player, StoreError, StoreOptions,
    Team, Tournament, LIVE_STATUSES, NOT_STARTED,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// Reads; several connections, each seeing the last committed write (WAL).
    pub(super) reader: SqlitePool,
    /// Writes; exactly one connection, so writers queue here rather than on the file lock.
    pub(super) writer: SqlitePool,
}

/// The one form timestamps are stored in: fixed width and UTC, so text order is time order
/// (sqlx's own encoding drops trailing zero digits, which breaks that).
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
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

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        count("ping");
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub(super) async fn create_tournament(
        &self,
        t: &NewTournament,
    ) -> Result<Tournament, StoreError> {
        count("create_tournament");
        let row = sqlx::query_as(
            "INSERT INTO tournaments (name, season, created_at) VALUES (?1, ?2, ?3) \
             RETURNING id, name, season",
        )
        .bind(&t.name)
        .bind(&t.season)
        .bind(ts(now()))
        .fetch_one(&self.writer)
        .await?;
        Ok(row)
    }

    pub(super) async fn list_tournaments(&self) -> Result<Vec<Tournament>, StoreError> {
        count("list_tournaments");
        let rows = sqlx::query_as("SELECT id, name, season FROM tournaments ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        Ok(rows)
    }

    pub(super) async fn create_team(&self, t: &NewTeam) -> Result<Team, StoreError> {
        count("create_team");
        let row = sqlx::query_as(
            "INSERT INTO teams (name, short_name, created_at) VALUES (?1, ?2, ?3) \
             RETURNING id, name, short_name",
        )
        .bind(&t.name)
        .bind(&t.short_name)
        .bind(ts(now()))
        .fetch_one(&self.writer)
        .await?;
        Ok(row)
    }

    pub(super) async fn list_teams(&self) -> Result<Vec<Team>, StoreError> {
        count("list_teams");
        let rows = sqlx::query_as("SELECT id, name, short_name FROM teams ORDER BY name, id")
            .fetch_all(&self.reader)
            .await?;
        Ok(rows)
    }

    pub(super) async fn create_player(&self, p: &NewPlayer) -> Result<Player, StoreError> {
        count("create_player");
        let row = sqlx::query_as(
            "INSERT INTO players (name, team_id, created_at) VALUES (?1, ?2, ?3) \
             RETURNING id, name, team_id",
        )
        .bind(&p.name)
        .bind(p.team_id)
        .bind(ts(now()))
        .fetch_one(&self.writer)
        .await?;
        Ok(row)
    }

    pub(super) async fn list_players(
        &self,
        team_id: Option<i64>,
    ) -> Result<Vec<Player>, StoreError> {
        count("list_players");
        let rows = sqlx::query_as(
            "SELECT id, name, team_id FROM players \
             WHERE ?1 IS NULL OR team_id = ?1 ORDER BY name, id",
        )
        .bind(team_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows)
    }

    pub(super) async fn create_match(&self, m: &NewMatch) -> Result<MatchRow, StoreError> {
        let setup = serde_json::to_string(&m.setup)
            .map_err(|e| StoreError::Other(format!("match setup does not serialize: {e}")))?;
        let now = ts(now());
        count("create_match");
        let record: MatchRecord = sqlx::query_as(&format!(
            "INSERT INTO matches \
               (tournament_id, title, venue, starts_at, setup, status, created_at, updated_at, \
                epoch) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) RETURNING {MATCH_COLUMNS}"
        ))
        .bind(m.tournament_id)
        .bind(&m.title)
        .bind(&m.venue)
        .bind(m.starts_at.map(ts))
        .bind(setup)
        .bind(NOT_STARTED)
        .bind(now)
        .bind(super::new_epoch(0))
        .fetch_one(&self.writer)
        .await?;
        record.try_into()
    }

    pub(super) async fn get_match(&self, id: i64) -> Result<Option<MatchRow>, StoreError> {
        count("get_match");
        let record: Option<MatchRecord> = sqlx::query_as(&format!(
            "SELECT {MATCH_COLUMNS} FROM matches WHERE id = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        record.map(MatchRow::try_from).transpose()
    }

    pub(super) async fn list_matches(&self) -> Result<Vec<MatchRow>, StoreError> {
        count("list_matches");
        // Live first, then upcoming by start (unscheduled last), then finished newest first.
        let records = sqlx::query_as(&format!(
            "SELECT {MATCH_COLUMNS} FROM matches ORDER BY \
               CASE WHEN status IN (?1, ?2) THEN 0 WHEN status = ?3 THEN 1 ELSE 2 END, \
               CASE WHEN status = ?3 THEN starts_at END ASC NULLS LAST, \
               updated_at DESC, id DESC"
        ))
        .bind(LIVE_STATUSES[0])
        .bind(LIVE_STATUSES[1])
        .bind(NOT_STARTED)
        .fetch_all(&self.reader)
        .await?;
        match_rows(records)
    }

    pub(super) async fn live_match_ids(&self) -> Result<Vec<i64>, StoreError> {
        count("live_match_ids");
        let ids = sqlx::query_scalar("SELECT id FROM matches WHERE status IN (?1, ?2) ORDER BY id")
            .bind(LIVE_STATUSES[0])
            .bind(LIVE_STATUSES[1])
            .fetch_all(&self.reader)
            .await?;
        Ok(ids)
    }
}
