//! The storage layer: fixtures, scorer tokens and the append-only event log, on PostgreSQL or SQLite.
//!
//! `Store` is an enum rather than a trait object because async trait methods are not
//! `dyn`-compatible; each method matches on the dialect and forwards.
//!
//! Both dialects send the statements of `sql`, through methods written once in `fixtures`,
//! `event_reads`, `append` and `tokens` and stamped onto each store by a macro; `postgres` and
//! `sqlite` keep their pools and the little their SQL does its own way.

mod append;
mod clock;
mod error;
mod event_reads;
mod fixture_edits;
mod fixtures;
mod locks;
mod postgres;
mod records;
mod rows;
mod sql;
mod sqlite;
mod tokens;
mod webhooks;

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::config::StoreConfig;

pub use error::StoreError;
pub use locks::ScoringLock;
pub use postgres::PgStore;
pub use records::{
    Append, Appended, Deleted, KeyedResponse, MatchRow, NewMatch, NewPlayer, NewTeam,
    NewTournament, Player, StoredEvent, StoredResponse, StoredSnapshot, Team, Tournament,
};
pub use sqlite::SqliteStore;
pub use tokens::{Grant, ScorerToken};
pub use webhooks::{Claimed, DeliveryLog, NewWebhook, Notify, Sent, Webhook};

/// The Postgres NOTIFY channel `append` signals on, with payload `<match_id>:<seq>`; the fallback
/// bus listens on it while Redis is down.
pub const EVENTS_CHANNEL: &str = "crease_events";

/// Match statuses that count as live (`LiveState::status` in snake case).
pub const LIVE_STATUSES: [&str; 2] = ["in_progress", "innings_break"];

/// The status of a match no event has touched yet.
pub const NOT_STARTED: &str = "not_started";

/// Pool and timeout settings, the same for both dialects.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Upper bound on pooled connections (SQLite: readers; writes always go through one connection).
    pub max_connections: u32,
    /// How long a caller waits for a pooled connection before `StoreError::Unavailable`.
    pub acquire_timeout: Duration,
    /// Postgres `statement_timeout`; on SQLite, the `busy_timeout` a writer waits for the lock.
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Store {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

/// Forwards a method call to the dialect's store.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Postgres($s) => $call.await,
            Store::Sqlite($s) => $call.await,
        }
    };
}

impl Store {
    /// Opens a pool for `url`: `postgres://…`/`postgresql://…`, or `sqlite:<path>` (created if
    /// missing) / `sqlite::memory:`. Does not migrate.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PgStore::connect(url, opts).await?))
        } else if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(SqliteStore::connect(url, opts).await?))
        } else {
            Err(StoreError::Other(
                "database URL must start with postgres://, postgresql:// or sqlite:".into(),
            ))
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "postgres",
            Store::Sqlite(_) => "sqlite",
        }
    }

    /// Connects as `config` says and applies the migrations: how the node and every command
    /// open their store.
    pub async fn open(config: &StoreConfig) -> anyhow::Result<Store> {
        let opts = StoreOptions {
            max_connections: config.db_max_connections,
            acquire_timeout: config.db_acquire_timeout(),
            statement_timeout: config.db_timeout(),
        };
        let scheme = config
            .database_url
            .split(':')
            .next()
            .unwrap_or("configured");
        let store = Store::connect(&config.database_url, &opts)
            .await
            .with_context(|| format!("connecting to the {scheme} database"))?;
        store.migrate().await.context("applying migrations")?;
        Ok(store)
    }

    /// Applies the embedded migrations of this dialect that are not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.migrate())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping())
    }

    /// Closes the pool, waiting for checked-out connections to come back.
    pub async fn close(&self) {
        dispatch!(self, s => s.close())
    }

    pub async fn create_tournament(&self, t: &NewTournament) -> Result<Tournament, StoreError> {
        dispatch!(self, s => s.create_tournament(t))
    }

    pub async fn list_tournaments(&self) -> Result<Vec<Tournament>, StoreError> {
        dispatch!(self, s => s.list_tournaments())
    }

    pub async fn get_tournament(&self, id: i64) -> Result<Option<Tournament>, StoreError> {
        dispatch!(self, s => s.get_tournament(id))
    }

    /// A second team of the same name is `StoreError::Duplicate`.
    pub async fn create_team(&self, t: &NewTeam) -> Result<Team, StoreError> {
        dispatch!(self, s => s.create_team(t))
    }

    pub async fn list_teams(&self) -> Result<Vec<Team>, StoreError> {
        dispatch!(self, s => s.list_teams())
    }

    /// An unknown `team_id` is `StoreError::NotFound`.
    pub async fn create_player(&self, p: &NewPlayer) -> Result<Player, StoreError> {
        dispatch!(self, s => s.create_player(p))
    }

    pub async fn list_players(&self, team_id: Option<i64>) -> Result<Vec<Player>, StoreError> {
        dispatch!(self, s => s.list_players(team_id))
    }

    /// A new match at seq 0, `not_started`. An unknown `tournament_id` is `StoreError::NotFound`.
    pub async fn create_match(&self, m: &NewMatch) -> Result<MatchRow, StoreError> {
        dispatch!(self, s => s.create_match(m))
    }

    pub async fn get_match(&self, id: i64) -> Result<Option<MatchRow>, StoreError> {
        dispatch!(self, s => s.get_match(id))
    }

    /// Live matches first, then upcoming ones by start time, then finished ones newest first.
    pub async fn list_matches(&self) -> Result<Vec<MatchRow>, StoreError> {
        dispatch!(self, s => s.list_matches())
    }

    /// Renames a tournament; `None` if there is none.
    pub async fn update_tournament(
        &self,
        id: i64,
        t: &NewTournament,
    ) -> Result<Option<Tournament>, StoreError> {
        dispatch!(self, s => s.update_tournament(id, t))
    }

    /// Kept while a match is in it.
    pub async fn delete_tournament(&self, id: i64) -> Result<Deleted, StoreError> {
        dispatch!(self, s => s.delete_tournament(id))
    }

    /// A name another team has is `StoreError::Duplicate`.
    pub async fn update_team(&self, id: i64, t: &NewTeam) -> Result<Option<Team>, StoreError> {
        dispatch!(self, s => s.update_team(id, t))
    }

    /// Records a scorer token's use at `now_ms`, unless one since `since_ms` is recorded.
    pub async fn touch_token(&self, plaintext: &str, times: (i64, i64)) -> Result<(), StoreError> {
        dispatch!(self, s => s.touch_token(plaintext, times))
    }

    pub async fn create_webhook(&self, w: &NewWebhook<'_>) -> Result<Webhook, StoreError> {
        dispatch!(self, s => s.create_webhook(w))
    }

    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        dispatch!(self, s => s.list_webhooks())
    }

    pub async fn get_webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
        dispatch!(self, s => s.get_webhook(id))
    }

    /// Deletes the hook and its delivery log; false when there was none.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        dispatch!(self, s => s.delete_webhook(id))
    }

    /// The hook's last `limit` deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryLog>, StoreError> {
        dispatch!(self, s => s.webhook_deliveries(webhook_id, limit))
    }

    /// Leases up to `limit` due deliveries (the oldest pending of each hook) to `token`.
    pub async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        token: &str,
        limit: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        dispatch!(self, s => s.claim_deliveries(now_ms, lease_ms, token, limit))
    }

    /// Forgets up to `limit` delivered or failed deliveries made before `before_ms`, bar those
    /// a recent or pending retraction names; returns how many went.
    pub async fn prune_deliveries(&self, before_ms: i64, limit: i64) -> Result<u64, StoreError> {
        dispatch!(self, s => s.prune_deliveries(before_ms, limit))
    }

    /// Records how a claimed delivery went; false when the lease was lost meanwhile.
    pub async fn finish_delivery(
        &self,
        id: i64,
        token: &str,
        sent: &Sent<'_>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.finish_delivery(id, token, sent))
    }

    /// Takes or renews the scoring lock for `holder` until `expires_ms`; `None` when another
    /// device holds it past `now_ms`.
    pub async fn take_lock(
        &self,
        match_id: i64,
        holder: (&str, &str),
        times: (i64, i64),
    ) -> Result<Option<ScoringLock>, StoreError> {
        dispatch!(self, s => s.take_lock(match_id, holder, times))
    }

    /// The match's scoring lock, lapsed or not.
    pub async fn lock(&self, match_id: i64) -> Result<Option<ScoringLock>, StoreError> {
        dispatch!(self, s => s.lock(match_id))
    }

    /// Lets go of the lock if `holder` holds it; with `None`, whoever holds it.
    pub async fn release_lock(
        &self,
        match_id: i64,
        holder: Option<&str>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.release_lock(match_id, holder))
    }

    /// Asks the device holding the lock (past `now_ms`) to hand it to `asker`.
    pub async fn ask_for_lock(
        &self,
        match_id: i64,
        asker: (&str, &str),
        now_ms: i64,
    ) -> Result<Option<ScoringLock>, StoreError> {
        dispatch!(self, s => s.ask_for_lock(match_id, asker, now_ms))
    }

    /// Kept while a player is in it.
    pub async fn delete_team(&self, id: i64) -> Result<Deleted, StoreError> {
        dispatch!(self, s => s.delete_team(id))
    }

    /// An unknown `team_id` is `StoreError::NotFound`.
    pub async fn update_player(
        &self,
        id: i64,
        p: &NewPlayer,
    ) -> Result<Option<Player>, StoreError> {
        dispatch!(self, s => s.update_player(id, p))
    }

    pub async fn delete_player(&self, id: i64) -> Result<Deleted, StoreError> {
        dispatch!(self, s => s.delete_player(id))
    }

    /// The match's details; with `new_epoch`, its setup too, moving it to that epoch, and only
    /// while it has no event. `None` if there is no such match, or it has events and the setup
    /// was to change.
    pub async fn update_match(
        &self,
        id: i64,
        m: &NewMatch,
        new_epoch: Option<i64>,
    ) -> Result<Option<MatchRow>, StoreError> {
        dispatch!(self, s => s.update_match(id, m, new_epoch))
    }

    /// Kept once it has an event.
    pub async fn delete_match(&self, id: i64) -> Result<Deleted, StoreError> {
        dispatch!(self, s => s.delete_match(id))
    }

    /// Mints a token allowed to score `match_ids` until `expires_at` (for ever if `None`). Only
    /// its SHA-256 is stored; the plaintext is returned once, here.
    pub async fn create_scorer_token(
        &self,
        label: &str,
        match_ids: &[i64],
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(i64, String), StoreError> {
        dispatch!(self, s => s.create_scorer_token(label, match_ids, expires_at))
    }

    /// Read from the database on every call, never cached: a revocation holds at once on
    /// every node.
    pub async fn token_grant(&self, plaintext: &str, match_id: i64) -> Result<Grant, StoreError> {
        dispatch!(self, s => s.token_grant(plaintext, match_id))
    }

    /// Every scorer token, oldest first, with the matches it names.
    pub async fn list_scorer_tokens(&self) -> Result<Vec<ScorerToken>, StoreError> {
        dispatch!(self, s => s.list_scorer_tokens())
    }

    /// Revokes a token (a second revocation keeps the first time); `false` if there is none.
    pub async fn revoke_scorer_token(&self, id: i64) -> Result<bool, StoreError> {
        dispatch!(self, s => s.revoke_scorer_token(id))
    }

    /// Appends one event with its snapshot, match progress and idempotency row, all or nothing.
    pub async fn append(&self, a: &Append<'_>) -> Result<Appended, StoreError> {
        dispatch!(self, s => s.append(a))
    }

    /// Events with `seq > after_seq`, ascending, at most `limit`.
    pub async fn events_after(
        &self,
        match_id: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        dispatch!(self, s => s.events_after(match_id, after_seq, limit))
    }

    pub async fn snapshot(&self, match_id: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        dispatch!(self, s => s.snapshot(match_id))
    }

    /// What was stored for an `Idempotency-Key`, if a request with it was already applied.
    pub async fn idempotent_response(
        &self,
        match_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        dispatch!(self, s => s.idempotent_response(match_id, key))
    }

    /// The match's seq, or `None` when there is no such match.
    pub async fn current_seq(&self, match_id: i64) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.current_seq(match_id))
    }

    /// Moves the match's history to epoch `to` if it is still at `from`; returns the epoch in
    /// force afterwards (`to`, or whatever another node moved it to first) and whether this
    /// call moved it; `None` for an unknown match.
    pub async fn bump_epoch(
        &self,
        match_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Option<(i64, bool)>, StoreError> {
        dispatch!(self, s => s.bump_epoch(match_id, from, to))
    }

    /// Matches whose status is live, for resyncing after a bus reconnect.
    pub async fn live_match_ids(&self) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, s => s.live_match_ids())
    }
}

/// Counts one statement sent to the database by `op` (the `Store` method's name); BEGIN, COMMIT
/// and ROLLBACK count too, so a warm read path can be shown to send nothing.
fn count(op: &'static str) {
    metrics::counter!("crease_db_queries_total", "op" => op).increment(1);
}

/// An epoch for a history that begins now: milliseconds since 1970, and above `after` (the
/// epoch it replaces, or one a cache holds) even if this node's clock is behind. A time, not
/// a counter kept in the database: a restored copy would count again from its old value and
/// reuse an epoch the lost history already had.
pub fn new_epoch(after: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    now.max(after.saturating_add(1))
}
