//! The PostgreSQL store: its pool, its migrations, and what its SQL does its own way. The
//! statements it shares with SQLite are stamped out by the macros invoked at the end.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::append::append;
use super::clock::{BindClock, Clock};
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
    StoredResponse, StoredSnapshot, Team, Tournament, EVENTS_CHANNEL, LIVE_STATUSES, NOT_STARTED,
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

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }

    /// The row lock serializes appends to one match for the rest of the transaction, so a racing
    /// append waits here and then sees the winner's seq.
    const LOCK_MATCH: &str = "SELECT seq, epoch FROM matches WHERE id = $1 FOR UPDATE";

    /// Rows are stamped by the database's clock, the one every node shares.
    fn clock() -> Clock {
        Clock::Database
    }

    /// A timestamp as bound: PostgreSQL keeps its own type for it.
    fn time(t: DateTime<Utc>) -> DateTime<Utc> {
        t
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// NOTIFY, delivered to listeners only when the transaction commits.
    async fn announce(
        conn: &mut PgConnection,
        a: &Append<'_>,
        epoch: i64,
    ) -> Result<(), StoreError> {
        count("append");
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENTS_CHANNEL)
            .bind(format!("{}:{}:{}", a.match_id, a.seq, epoch))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// A new token's grants in one statement, the match ids (`$2`) bound as an array.
    const INSERT_GRANTS: &str =
        "INSERT INTO scorer_token_matches (token_id, match_id) SELECT $1, unnest($2::BIGINT[])";

    fn id_list(ids: &[i64]) -> Result<&[i64], StoreError> {
        Ok(ids)
    }
}

fixture_edits!(PgStore, pool);
fixtures!(PgStore, pool, pool);
event_reads!(PgStore, pool, pool);
append!(PgStore, PgConnection);
scorer_tokens!(PgStore, PgConnection, pool, pool);
scoring_locks!(PgStore, pool, pool);
webhooks!(PgStore, pool, pool);
