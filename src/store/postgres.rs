//! The PostgreSQL store: connection pool, migrations, fixtures and scorer tokens.
//!
//! Event methods live in `postgres_events.rs`. Every statement is counted with `count(op)`.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::rows::{match_rows, MatchRecord, MATCH_COLUMNS};
use super::{
    count, MatchRow, NewMatch, NewPlayer, NewTeam, NewTournament, Player, StoreError, StoreOptions,
    Team, Tournament, LIVE_STATUSES, NOT_STARTED,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Debug)]
pub struct PgStore {
    pub(super) pool: PgPool,
}

impl PgStore {
    /// Connects eagerly, so that a wrong URL or a down server is reported at startup.
    pub(super) async fn connect(url: &str, opts: &StoreOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("bad Postgres URL: {e}")))?
            .application_name("crease")
            // Server-side bound on every statement, so a stuck query frees its connection.
            .options([(
                "statement_timeout",
                format!("{}ms", opts.statement_timeout.as_millis()),
            )]);
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self { pool })
    }

    /// Counted as one statement: the migrator's own queries are not ours to count.
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        count("migrate");
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        count("ping");
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    pub(super) async fn create_tournament(
        &self,
        t: &NewTournament,
    ) -> Result<Tournament, StoreError> {
        count("create_tournament");
        let row = sqlx::query_as(
            "INSERT INTO tournaments (name, season) VALUES ($1, $2) RETURNING id, name, season",
        )
        .bind(&t.name)
        .bind(&t.season)
        .fetch_one(&self.pool)
        .await?;
        Ok(row)
    }

    pub(super) async fn list_tournaments(&self) -> Result<Vec<Tournament>, StoreError> {
        count("list_tournaments");
        let rows = sqlx::query_as("SELECT id, name, season FROM tournaments ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }

    pub(super) async fn create_team(&self, t: &NewTeam) -> Result<Team, StoreError> {
        count("create_team");
        let row = sqlx::query_as(
            "INSERT INTO teams (name, short_name) VALUES ($1, $2) RETURNING id, name, short_name",
        )
        .bind(&t.name)
        .bind(&t.short_name)
        .fetch_one(&self.pool)
        .await?;
        Ok(row)
    }

    pub(super) async fn list_teams(&self) -> Result<Vec<Team>, StoreError> {
        count("list_teams");
        let rows = sqlx::query_as("SELECT id, name, short_name FROM teams ORDER BY name, id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }

    pub(super) async fn create_player(&self, p: &NewPlayer) -> Result<Player, StoreError> {
        count("create_player");
        let row = sqlx::query_as(
            "INSERT INTO players (name, team_id) VALUES ($1, $2) RETURNING id, name, team_id",
        )
        .bind(&p.name)
        .bind(p.team_id)
        .fetch_one(&self.pool)
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
             WHERE $1::BIGINT IS NULL OR team_id = $1 ORDER BY name, id",
        )
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub(super) async fn create_match(&self, m: &NewMatch) -> Result<MatchRow, StoreError> {
        let setup = serde_json::to_string(&m.setup)
            .map_err(|e| StoreError::Other(format!("match setup does not serialize: {e}")))?;
        count("create_match");
        let record: MatchRecord = sqlx::query_as(&format!(
            "INSERT INTO matches (tournament_id, title, venue, starts_at, setup, status, epoch) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {MATCH_COLUMNS}"
        ))
        .bind(m.tournament_id)
        .bind(&m.title)
        .bind(&m.venue)
        .bind(m.starts_at)
        .bind(setup)
        .bind(NOT_STARTED)
        .bind(super::new_epoch(0))
        .fetch_one(&self.pool)
        .await?;
        record.try_into()
    }

    pub(super) async fn get_match(&self, id: i64) -> Result<Option<MatchRow>, StoreError> {
        count("get_match");
        let record: Option<MatchRecord> = sqlx::query_as(&format!(
            "SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        record.map(MatchRow::try_from).transpose()
    }

    pub(super) async fn list_matches(&self) -> Result<Vec<MatchRow>, StoreError> {
        count("list_matches");
        // Live first, then upcoming by start (unscheduled last), then finished newest first.
        let records = sqlx::query_as(&format!(
            "SELECT {MATCH_COLUMNS} FROM matches ORDER BY \
               CASE WHEN status = ANY($1) THEN 0 WHEN status = $2 THEN 1 ELSE 2 END, \
               CASE WHEN status = $2 THEN starts_at END ASC NULLS LAST, \
               updated_at DESC, id DESC"
        ))
        .bind(&LIVE_STATUSES[..])
        .bind(NOT_STARTED)
        .fetch_all(&self.pool)
        .await?;
        match_rows(records)
    }

    pub(super) async fn live_match_ids(&self) -> Result<Vec<i64>, StoreError> {
        count("live_match_ids");
        let ids = sqlx::query_scalar("SELECT id FROM matches WHERE status = ANY($1) ORDER BY id")
            .bind(&LIVE_STATUSES[..])
            .fetch_all(&self.pool)
            .await?;
        Ok(ids)
    }
}
