//! The statements of the store, written once for both dialects: sqlx binds `$N` on SQLite as on
//! PostgreSQL, so a statement differs only where the SQL itself does. Those few differences stay
//! with their dialect (`postgres.rs`, `sqlite.rs`), but one: the clock that stamps a row, which
//! a statement here takes as a [`Clock`] slot.

use super::clock::Clock;
use super::LIVE_STATUSES;

// The statements name the live statuses one parameter each.
const _: () = assert!(LIVE_STATUSES.len() == 2);

/// The columns `MatchRecord` reads, as a literal so that statements can be built at compile time.
macro_rules! match_columns {
    () => {
        "id, tournament_id, title, venue, starts_at, setup, seq, epoch, status, summary, updated_at"
    };
}

pub(super) const PING: &str = "SELECT 1";

pub(super) const LIST_TOURNAMENTS: &str = "SELECT id, name, season FROM tournaments ORDER BY id";
pub(super) const GET_TOURNAMENT: &str = "SELECT id, name, season FROM tournaments WHERE id = $1";

pub(super) const LIST_TEAMS: &str = "SELECT id, name, short_name FROM teams ORDER BY name, id";

/// `$1`: a team id, or NULL for every player. The cast types a NULL for PostgreSQL.
pub(super) const LIST_PLAYERS: &str = "SELECT id, name, team_id FROM players \
     WHERE CAST($1 AS BIGINT) IS NULL OR team_id = $1 ORDER BY name, id";

pub(super) const GET_MATCH: &str =
    concat!("SELECT ", match_columns!(), " FROM matches WHERE id = $1");

/// Live first (`$1`, `$2`: the live statuses), then upcoming by start (`$3`: not started;
/// unscheduled last), then finished newest first.
pub(super) const LIST_MATCHES: &str = concat!(
    "SELECT ",
    match_columns!(),
    " FROM matches ORDER BY \
       CASE WHEN status IN ($1, $2) THEN 0 WHEN status = $3 THEN 1 ELSE 2 END, \
       CASE WHEN status = $3 THEN starts_at END ASC NULLS LAST, \
       updated_at DESC, id DESC"
);

/// `$1`, `$2`: the live statuses.
pub(super) const LIVE_MATCH_IDS: &str =
    "SELECT id FROM matches WHERE status IN ($1, $2) ORDER BY id";

pub(super) const EVENTS_AFTER: &str = "SELECT seq, kind, payload, created_at FROM match_events \
     WHERE match_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

pub(super) const SNAPSHOT: &str = "SELECT s.seq, m.epoch, s.body FROM match_snapshots s \
     JOIN matches m ON m.id = s.match_id WHERE s.match_id = $1";

pub(super) const IDEMPOTENT_RESPONSE: &str =
    "SELECT seq, response, fingerprint FROM idempotency_keys WHERE match_id = $1 AND key = $2";

pub(super) const CURRENT_SEQ: &str = "SELECT seq FROM matches WHERE id = $1";

/// `$1`: the match, `$2`: the epoch it must still be at, `$3`: the new epoch.
pub(super) const MOVE_EPOCH: &str = "UPDATE matches SET epoch = $3 WHERE id = $1 AND epoch = $2";

pub(super) const EPOCH: &str = "SELECT epoch FROM matches WHERE id = $1";

pub(super) const KEY_USED: &str =
    "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE match_id = $1 AND key = $2)";

/// Never moves a snapshot back to an older seq.
pub(super) const UPSERT_SNAPSHOT: &str =
    "INSERT INTO match_snapshots (match_id, seq, body) VALUES ($1, $2, $3) \
     ON CONFLICT (match_id) DO UPDATE SET seq = excluded.seq, body = excluded.body \
     WHERE match_snapshots.seq < excluded.seq";

pub(super) const LIST_TOKENS: &str = "SELECT id, label, created_at, expires_at, revoked_at, \
     last_used_ms FROM scorer_tokens ORDER BY id";

/// `$1`: the token's hash, `$2`: now, `$3`: the time before which a use is worth writing (ms).
pub(super) const TOUCH_TOKEN: &str = "UPDATE scorer_tokens SET last_used_ms = $2 \
     WHERE token_hash = $1 AND (last_used_ms IS NULL OR last_used_ms < $3)";

pub(super) const LIST_GRANTS: &str =
    "SELECT token_id, match_id FROM scorer_token_matches ORDER BY token_id, match_id";

pub(super) fn insert_tournament(now: &Clock) -> String {
    format!(
        "INSERT INTO tournaments (name, season, created_at) VALUES ($1, $2, {}) \
         RETURNING id, name, season",
        now.at(3)
    )
}

pub(super) fn insert_team(now: &Clock) -> String {
    format!(
        "INSERT INTO teams (name, short_name, created_at) VALUES ($1, $2, {}) \
         RETURNING id, name, short_name",
        now.at(3)
    )
}

pub(super) fn insert_player(now: &Clock) -> String {
    format!(
        "INSERT INTO players (name, team_id, created_at) VALUES ($1, $2, {}) \
         RETURNING id, name, team_id",
        now.at(3)
    )
}

pub(super) fn insert_match(now: &Clock) -> String {
    let now = now.at(8);
    format!(
        "INSERT INTO matches \
           (tournament_id, title, venue, starts_at, setup, status, epoch, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, {now}, {now}) RETURNING {}",
        match_columns!()
    )
}

pub(super) fn insert_event(now: &Clock) -> String {
    format!(
        "INSERT INTO match_events (match_id, seq, kind, payload, created_at) \
         VALUES ($1, $2, $3, $4, {})",
        now.at(5)
    )
}

/// `$1`: the match, then its new seq, status and summary.
pub(super) fn update_progress(now: &Clock) -> String {
    format!(
        "UPDATE matches SET seq = $2, status = $3, summary = $4, updated_at = {} WHERE id = $1",
        now.at(5)
    )
}

pub(super) fn insert_key(now: &Clock) -> String {
    format!(
        "INSERT INTO idempotency_keys (match_id, key, seq, response, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4, $5, {})",
        now.at(6)
    )
}

pub(super) fn insert_token(now: &Clock) -> String {
    format!(
        "INSERT INTO scorer_tokens (label, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, {}) RETURNING id",
        now.at(4)
    )
}

/// `$1`: the token's hash, `$2`: the match. Whether the token has expired, been revoked, and
/// names the match; expiry is judged by the clock `now` reads.
pub(super) fn token_grant(now: &Clock) -> String {
    format!(
        "SELECT COALESCE(t.expires_at <= {}, false), t.revoked_at IS NOT NULL, \
           EXISTS (SELECT 1 FROM scorer_token_matches m \
                   WHERE m.token_id = t.id AND m.match_id = $2) \
         FROM scorer_tokens t WHERE t.token_hash = $1",
        now.at(3)
    )
}

/// A second revocation keeps the first time.
pub(super) fn revoke_token(now: &Clock) -> String {
    format!(
        "UPDATE scorer_tokens SET revoked_at = COALESCE(revoked_at, {}) WHERE id = $1",
        now.at(2)
    )
}

/// `$1`: the tournament; `$2`, `$3`: its new name and season.
pub(super) const UPDATE_TOURNAMENT: &str =
    "UPDATE tournaments SET name = $2, season = $3 WHERE id = $1 RETURNING id, name, season";

/// A tournament goes only with no match in it.
pub(super) const DELETE_TOURNAMENT: &str = "DELETE FROM tournaments WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM matches WHERE tournament_id = $1)";

/// The matches a tournament holds; no row when there is no such tournament.
pub(super) const TOURNAMENT_USERS: &str =
    "SELECT (SELECT COUNT(*) FROM matches WHERE tournament_id = t.id) FROM tournaments t \
     WHERE t.id = $1";

pub(super) const UPDATE_TEAM: &str = "UPDATE teams SET name = $2, short_name = $3 WHERE id = $1 \
     RETURNING id, name, short_name";

/// A team goes only with no player in it.
pub(super) const DELETE_TEAM: &str = "DELETE FROM teams WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM players WHERE team_id = $1)";

pub(super) const TEAM_USERS: &str =
    "SELECT (SELECT COUNT(*) FROM players WHERE team_id = t.id) FROM teams t WHERE t.id = $1";

pub(super) const UPDATE_PLAYER: &str =
    "UPDATE players SET name = $2, team_id = $3 WHERE id = $1 RETURNING id, name, team_id";

/// Matches name their players in their own team sheets, so nothing holds on to a player.
pub(super) const DELETE_PLAYER: &str = "DELETE FROM players WHERE id = $1";

pub(super) const PLAYER_USERS: &str = "SELECT CAST(0 AS BIGINT) FROM players WHERE id = $1";

/// A match's scorer-token grants go with it, but only while it has no event.
pub(super) const DELETE_MATCH_GRANTS: &str =
    "DELETE FROM scorer_token_matches WHERE match_id = $1 \
     AND EXISTS (SELECT 1 FROM matches WHERE id = $1 AND seq = 0)";

/// A match goes only while it has no event: its events are the record of what happened.
pub(super) const DELETE_MATCH: &str = "DELETE FROM matches WHERE id = $1 AND seq = 0";

/// The events a match holds (its seq); no row when there is no such match.
pub(super) const MATCH_USERS: &str = "SELECT seq FROM matches WHERE id = $1";

/// The fixture's details, in any state of the match: `$2`–`$5` as in `insert_match`.
pub(super) fn update_match_details(now: &Clock) -> String {
    format!(
        "UPDATE matches SET tournament_id = $2, title = $3, venue = $4, starts_at = $5, \
         updated_at = {} WHERE id = $1 RETURNING {}",
        now.at(6),
        match_columns!()
    )
}

/// The details and the setup (teams, format, playing conditions), only before the first event,
/// moving the match to epoch `$7` so that every cache and viewer takes the new opening state.
pub(super) fn update_match_setup(now: &Clock) -> String {
    format!(
        "UPDATE matches SET tournament_id = $2, title = $3, venue = $4, starts_at = $5, \
         setup = $6, epoch = $7, updated_at = {} WHERE id = $1 AND seq = 0 RETURNING {}",
        now.at(8),
        match_columns!()
    )
}

/// The columns of a scoring lock, as [`super::locks::ScoringLock`] reads them.
macro_rules! lock_columns {
    () => {
        "holder, label, since_ms, expires_ms, wanted_by, wanted_label"
    };
}

/// `$1` match, `$2` holder, `$3` label, `$4` now, `$5` expiry (ms). Taken when free or lapsed,
/// renewed by its holder (who keeps its `since_ms` and any hand-over asked of it); a new holder
/// starts with no request pending. In both dialects the right-hand sides read the old row.
pub(super) const TAKE_LOCK: &str = concat!(
    "INSERT INTO scoring_locks (match_id, holder, label, since_ms, expires_ms) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (match_id) DO UPDATE SET \
       since_ms = CASE WHEN scoring_locks.holder = excluded.holder \
                  THEN scoring_locks.since_ms ELSE excluded.since_ms END, \
       wanted_by = CASE WHEN scoring_locks.holder = excluded.holder \
                   THEN scoring_locks.wanted_by ELSE NULL END, \
       wanted_label = CASE WHEN scoring_locks.holder = excluded.holder \
                      THEN scoring_locks.wanted_label ELSE NULL END, \
       holder = excluded.holder, label = excluded.label, expires_ms = excluded.expires_ms \
     WHERE scoring_locks.holder = excluded.holder OR scoring_locks.expires_ms <= excluded.since_ms \
     RETURNING ",
    lock_columns!()
);

pub(super) const GET_LOCK: &str = concat!(
    "SELECT ",
    lock_columns!(),
    " FROM scoring_locks WHERE match_id = $1"
);

/// `$2`: the holder that lets go, or NULL for any (the admin's release).
pub(super) const RELEASE_LOCK: &str =
    "DELETE FROM scoring_locks WHERE match_id = $1 AND ($2 IS NULL OR holder = $2)";

/// `$2`, `$3`: who asks, `$4`: now (ms).
pub(super) const ASK_FOR_LOCK: &str = concat!(
    "UPDATE scoring_locks SET wanted_by = $2, wanted_label = $3 \
     WHERE match_id = $1 AND holder <> $2 AND expires_ms > $4 RETURNING ",
    lock_columns!()
);

macro_rules! webhook_columns {
    () => {
        "id, url, match_id, tournament_id, kinds, created_ms"
    };
}

pub(super) const CREATE_WEBHOOK: &str = concat!(
    "INSERT INTO webhooks (url, secret, match_id, tournament_id, kinds, created_ms) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
    webhook_columns!()
);

pub(super) const LIST_WEBHOOKS: &str =
    concat!("SELECT ", webhook_columns!(), " FROM webhooks ORDER BY id");

pub(super) const GET_WEBHOOK: &str = concat!(
    "SELECT ",
    webhook_columns!(),
    " FROM webhooks WHERE id = $1"
);

pub(super) const DELETE_WEBHOOK: &str = "DELETE FROM webhooks WHERE id = $1";

/// `$1`: the hook, `$2`: how many, newest first.
pub(super) const WEBHOOK_DELIVERIES: &str = "SELECT id, match_id, seq, kind, retracts, status, \
     attempts, last_status, last_error, created_ms, next_ms, done_ms FROM webhook_deliveries \
     WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2";

/// Within an append: `$1` the match, `$2` the event's seq, `$3` the kind, `$4` the payload,
/// `$5` now (ms), `$6` the kind as a LIKE pattern (`%,wicket,%`). One row per hook of the match
/// or of its tournament that wants the kind.
pub(super) const ENQUEUE_NOTICE: &str = "INSERT INTO webhook_deliveries \
     (webhook_id, match_id, seq, kind, payload, status, next_ms, created_ms) \
     SELECT w.id, $1, $2, $3, $4, 'pending', $5, $5 FROM webhooks w \
     WHERE (w.match_id = $1 OR w.tournament_id = \
       (SELECT m.tournament_id FROM matches m WHERE m.id = $1)) \
       AND w.kinds LIKE $6";

/// Within an append: `$1` the match, `$2` the new event's seq (an undo or a correction), `$3`
/// the seq it takes back, `$4` now (ms). One retraction per delivery the event at that seq gave
/// rise to and that stands: not one already taken back (a ball corrected twice), nor a
/// correction's own notice (an inserted ball stands at its correction's seq).
pub(super) const ENQUEUE_RETRACTIONS: &str = "INSERT INTO webhook_deliveries \
     (webhook_id, match_id, seq, kind, payload, retracts, status, next_ms, created_ms) \
     SELECT d.webhook_id, d.match_id, $2, 'retraction', d.payload, d.id, 'pending', $4, $4 \
     FROM webhook_deliveries d \
     WHERE d.match_id = $1 AND d.seq = $3 AND d.retracts IS NULL \
       AND d.kind <> 'correction' \
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries r WHERE r.retracts = d.id)";

/// `$1` now, `$2` the lease's end, `$3` the token, `$4` how many. The oldest pending delivery
/// of each hook only, so that a hook hears of its events in order; the lease is checked
/// again as each row is updated, so two nodes never both claim one.
pub(super) const CLAIM_DELIVERIES: &str = "UPDATE webhook_deliveries \
     SET lease_until_ms = $2, lease_token = $3, attempts = attempts + 1 \
     WHERE lease_until_ms <= $1 AND status = 'pending' AND id IN ( \
       SELECT d.id FROM webhook_deliveries d \
       WHERE d.status = 'pending' AND d.next_ms <= $1 AND d.lease_until_ms <= $1 \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id \
                         AND e.status = 'pending' AND e.id < d.id) \
       ORDER BY d.id LIMIT $4)";

/// `$1`: the token the deliveries were claimed with.
pub(super) const CLAIMED: &str = "SELECT d.id, d.webhook_id, d.match_id, d.seq, d.kind, \
     d.payload, d.retracts, o.kind AS retracted_kind, d.attempts, w.url, w.secret \
     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
     LEFT JOIN webhook_deliveries o ON o.id = d.retracts \
     WHERE d.lease_token = $1 AND d.status = 'pending' ORDER BY d.id";

/// `$1` the time before which a finished delivery is forgotten, `$2` how many at most. A
/// delivery that a retraction still pending, or made since `$1`, names is kept with it (the
/// retraction would go with it).
pub(super) const PRUNE_DELIVERIES: &str = "DELETE FROM webhook_deliveries WHERE id IN ( \
     SELECT d.id FROM webhook_deliveries d \
     WHERE d.status <> 'pending' AND d.created_ms < $1 \
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries r WHERE r.retracts = d.id \
                       AND (r.status = 'pending' OR r.created_ms >= $1)) \
     ORDER BY d.id LIMIT $2)";

/// `$1` the delivery, `$2` the lease token, `$3` the receiver's status, `$4` now.
pub(super) const DELIVERED: &str = "UPDATE webhook_deliveries \
     SET status = 'delivered', last_status = $3, last_error = NULL, done_ms = $4, \
       lease_until_ms = 0, lease_token = NULL \
     WHERE id = $1 AND lease_token = $2";

/// `$1` the delivery, `$2` the lease token, `$3` the receiver's status (if it answered), `$4`
/// what went wrong, `$5` when to try again, `$6` the time before which a delivery queued has
/// been tried for long enough and has failed.
pub(super) const NOT_DELIVERED: &str = "UPDATE webhook_deliveries \
     SET last_status = $3, last_error = $4, next_ms = $5, lease_until_ms = 0, \
       lease_token = NULL, \
       status = CASE WHEN created_ms < $6 THEN 'failed' ELSE 'pending' END \
     WHERE id = $1 AND lease_token = $2";
