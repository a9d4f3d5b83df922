//! What the store takes and gives back: fixtures (tournaments, teams, players, matches), an
//! event to append with everything derived from it, and the log's events and snapshots as read.

use chrono::{DateTime, Utc};
use crease_domain::MatchSetup;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTournament {
    pub name: String,
    pub season: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Tournament {
    pub id: i64,
    pub name: String,
    pub season: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTeam {
    pub name: String,
    pub short_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPlayer {
    pub name: String,
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Player {
    pub id: i64,
    pub name: String,
    pub team_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMatch {
    pub tournament_id: Option<i64>,
    pub title: String,
    pub venue: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub setup: MatchSetup,
}

/// A match's fixture row with its derived progress (`seq`, `status`, `summary`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchRow {
    pub id: i64,
    pub tournament_id: Option<i64>,
    pub title: String,
    pub venue: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub setup: MatchSetup,
    /// The seq of the last event; 0 before any event.
    pub seq: i64,
    /// The epoch of the match's history (see [`new_epoch`](super::new_epoch)): a seq is only comparable with
    /// seqs of the same epoch.
    pub epoch: i64,
    /// `not_started`, `in_progress`, `innings_break` or `finished`.
    pub status: String,
    /// One line such as "IND 145/3 (17.2)"; empty before any event.
    pub summary: String,
    pub updated_at: DateTime<Utc>,
}

/// One event to append, with everything derived from it, written in a single transaction.
#[derive(Debug, Clone, Copy)]
pub struct Append<'a> {
    pub match_id: i64,
    /// The new event's seq: the match's current seq + 1, or the append is a `SeqConflict`.
    pub seq: i64,
    /// The epoch the event was applied in: if the match's epoch has changed since, the append
    /// is a `SeqConflict` and the caller reloads. `None` appends in whatever epoch is current.
    pub epoch: Option<i64>,
    pub kind: &'a str,
    /// The event as JSON.
    pub payload: &'a str,
    /// The serialized live state at `seq`.
    pub snapshot: &'a [u8],
    pub status: &'a str,
    pub summary: &'a str,
    /// Kept so that a retried request gets the same answer.
    pub idempotency: Option<KeyedResponse<'a>>,
    /// What the event did worth telling webhooks: queued, in the same transaction, for every
    /// hook that wants it.
    pub notices: &'a [super::webhooks::Notify<'a>],
    /// The seq of an event this one takes back (an undo's, a correction's): every webhook
    /// delivery that event gave rise to gets a retraction.
    pub retracts: Option<i64>,
    /// A correction's ball put in: its seq and its own notices, queued after the retractions
    /// (which would otherwise take them back at once).
    pub put_in: Option<(i64, &'a [super::webhooks::Notify<'a>])>,
    /// The node's clock, in milliseconds since 1970, for the queued deliveries.
    pub now_ms: i64,
}

/// An `Idempotency-Key` with the request it was used for and the answer given.
#[derive(Debug, Clone, Copy)]
pub struct KeyedResponse<'a> {
    pub key: &'a str,
    /// A hash of what identifies the request (endpoint, body, principal): the same key sent
    /// with a different request must not be answered as a retry of the first.
    pub fingerprint: &'a str,
    pub response: &'a [u8],
}

/// What an `Idempotency-Key` was first used for, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredResponse {
    pub seq: i64,
    pub response: Vec<u8>,
    /// `None` for keys stored before fingerprints were kept.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredSnapshot {
    pub seq: i64,
    /// The match's epoch now, which may be newer than the one written inside `body`.
    pub epoch: i64,
    pub body: Vec<u8>,
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Gone,
    /// There was no such row.
    Missing,
    /// Kept, because this many rows refer to it (a tournament's matches, a team's players) or,
    /// for a match, because it has this many events.
    Kept(i64),
}
