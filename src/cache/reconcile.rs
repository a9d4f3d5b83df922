//! The database wins: what the caches hold for a match, checked against the database, and
//! overwritten with a new epoch when they hold a history it does not.

use std::sync::Arc;

use super::{from_stored, Snapshot, SnapshotCache};
use crate::bus::BusMessage;
use crate::store::StoreError;

/// Why a match's epoch changed, as the `reason` label of `crease_epoch_changes_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A node's own append was refused by a cache holding the same or a later position.
    Ingest,
    /// The watchdog's repair, which also runs when a node starts.
    Repair,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::Ingest => "ingest",
            Reason::Repair => "repair",
        }
    }
}

/// What a cache holds for a match: its `(epoch, seq)`, and its bytes where it has them (L1's
/// known position has none).
type Claim<'a> = ((i64, i64), Option<&'a [u8]>);

impl SnapshotCache {
    /// The database's snapshot of the match as served (a match with no events: its opening
    /// state), with the match's current epoch; `None` for an unknown match.
    async fn db_snapshot(&self, match_id: i64) -> Result<Option<Snapshot>, StoreError> {
        if let Some(stored) = self.store.snapshot(match_id).await? {
            return Ok(Some(from_stored(stored)));
        }
        let Some(row) = self.store.get_match(match_id).await? else {
            return Ok(None);
        };
        let game = crease_domain::Match::new(row.setup);
        let body = crate::message::snapshot_body(match_id, 0, row.epoch, game.live());
        Ok(Some(Snapshot::new(0, row.epoch, body)))
    }

    /// Checks what the caches hold for the match against the database; if any holds a
    /// position the database does not (a later one, or the same with other bytes), moves the
    /// match to a new epoch and overwrites L1 and Redis with the database's snapshot, then
    /// announces it on the bus so every node and client takes it. Returns whether the epoch
    /// moved (here or, racing, on another node).
    ///
    /// The caches are read before the database: a legitimate write reaches a cache only after
    /// its transaction committed, so the database read afterwards contains it, and a race with
    /// another node's append is never taken for a lost history.
    pub async fn reconcile(&self, match_id: i64, reason: Reason) -> Result<bool, StoreError> {
        let redis_held = match &self.redis {
            Some(link) => self
                .redis_tier
                .get(link, match_id, reason == Reason::Repair)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let l1_known = self.l1.known(match_id);
        let l1_held = self.l1.held(match_id);
        let Some(db) = self.db_snapshot(match_id).await? else {
            return Ok(false);
        };
        let mut claims: Vec<Claim<'_>> = vec![(l1_known, None)];
        let redis_pos = redis_held.as_ref().and_then(|b| {
            let pos = (crate::message::epoch_of(b), crate::message::seq_of(b)?);
            Some((pos, b))
        });
        if let Some((pos, body)) = &redis_pos {
            claims.push((*pos, Some(&body[..])));
        }
        if let Some(held) = &l1_held {
            claims.push((held.pos(), Some(&held.body[..])));
        }
        let lost = claims.iter().find(|(pos, body)| {
            *pos > db.pos() || (*pos == db.pos() && body.is_some_and(|b| b != &db.body[..]))
        });
        let Some(&(lost, _)) = lost else {
            return Ok(false);
        };
        let highest = claims.iter().map(|(p, _)| p.0).max().unwrap_or(0);
        let to = crate::store::new_epoch(highest.max(db.epoch));
        let Some((_, moved)) = self.store.bump_epoch(match_id, db.epoch, to).await? else {
            return Ok(false);
        };
        if moved {
            metrics::counter!("crease_epoch_changes_total", "reason" => reason.as_str())
                .increment(1);
            tracing::warn!(
                match_id,
                reason = reason.as_str(),
                cached_epoch = lost.0,
                cached_seq = lost.1,
                db_epoch = db.epoch,
                db_seq = db.seq,
                new_epoch = to,
                "the caches held a history the database does not: moved the match to a new epoch"
            );
        }
        self.overwrite(match_id).await
    }

    /// Writes the database's snapshot over L1 and Redis, and announces it to every node: after a
    /// lost history is found, and after a match's setup changed before its first ball. `false`
    /// for an unknown match.
    pub async fn overwrite(&self, match_id: i64) -> Result<bool, StoreError> {
        let Some(snap) = self.db_snapshot(match_id).await? else {
            return Ok(false);
        };
        let snap = Arc::new(snap);
        self.l1.reset(match_id, snap.clone());
        if let Some(link) = &self.redis {
            if self
                .redis_tier
                .put_if_newer(link, match_id, snap.pos(), &snap.body, true)
                .await
                .is_err()
            {
                self.mark_dirty(match_id);
            }
        }
        if let Some(bus) = self.announce.get() {
            bus.publish(BusMessage {
                match_id,
                seq: snap.seq,
                epoch: snap.epoch,
                payload: crate::message::snapshot_message_from_body(&snap.body),
            });
        }
        Ok(true)
    }
}
