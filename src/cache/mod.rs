//! Snapshot tiers: L1 in process, then Redis, then the database, with single-flight misses.
//!
//! Reads never compute cricket and, when warm, never leave the process. When Redis fails the
//! database answers (one query per match per refresh, however many readers), and Redis is not
//! read again until every snapshot it may have missed has been repaired from the database.
//!
//! The database always wins. A cache that holds an `(epoch, seq)` the database does not (it was
//! restored from a backup, or failed over to a replica that lagged) would refuse every newer
//! write of the database's history, so [`SnapshotCache::reconcile`] moves the match to a new
//! epoch, which orders after everything cached, and overwrites the caches with the database's
//! snapshot.

pub mod list;
pub mod memory;
pub mod redis;
pub mod single_flight;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use crate::bus::{Bus, BusMessage};
use crate::config::CacheMode;
use crate::redis_link::RedisLink;
use crate::store::{Store, StoreError, StoredSnapshot};
pub use memory::{MemoryTier, Snapshot};
use single_flight::SingleFlight;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    L1,
    Redis,
    Db,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::L1 => "l1",
            Tier::Redis => "redis",
            Tier::Db => "db",
        }
    }
}

/// While no bus can tell this node about new balls, an L1 copy is trusted only this long.
const L1_MAX_AGE_WITHOUT_BUS: Duration = Duration::from_secs(1);

/// While Redis is up, the watchdog PINGs it every this many rounds (of 250 ms).
const UP_PROBE_EVERY: u32 = 4;

pub struct SnapshotCache {
    mode: CacheMode,
    l1: MemoryTier,
    redis: Option<Arc<RedisLink>>,
    redis_tier: redis::RedisSnapshots,
    store: Store,
    flights: SingleFlight,
    /// Matches whose Redis copy may be older than the database's (a write failed).
    dirty: Mutex<HashSet<i64>>,
    /// Set by the bus: whether this node currently hears every new seq.
    bus_live: AtomicBool,
    reads: [metrics::Counter; 3],
    pub list: list::ListCache,
    /// Where a new epoch's snapshot is announced to every node; set once the bus exists.
    announce: std::sync::OnceLock<Bus>,
    /// Matches whose L1 copy is being reloaded after the bus announced a newer seq.
    refreshing: Mutex<HashSet<i64>>,
}

/// How many times one refresh reloads from Redis while seqs keep arriving during it.
const REFRESH_TRIES: usize = 3;

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

/// A stored snapshot as served, with the match's current epoch in its body (a snapshot written
/// before the epoch last moved carries the old one).
fn from_stored(stored: StoredSnapshot) -> Snapshot {
    let body = Bytes::from(stored.body);
    let body = if crate::message::epoch_of(&body) == stored.epoch {
        body
    } else {
        crate::message::with_epoch(&body, stored.epoch)
    };
    Snapshot::new(stored.seq, stored.epoch, body)
}

impl SnapshotCache {
    pub fn new(mode: CacheMode, store: Store, redis: Option<Arc<RedisLink>>) -> Self {
        Self {
            mode,
            l1: MemoryTier::default(),
            redis,
            redis_tier: redis::RedisSnapshots::default(),
            store,
            flights: SingleFlight::default(),
            dirty: Mutex::new(HashSet::new()),
            bus_live: AtomicBool::new(false),
            reads: [Tier::L1, Tier::Redis, Tier::Db]
                .map(|t| metrics::counter!("crease_reads_total", "tier" => t.as_str())),
            list: list::ListCache::default(),
            announce: std::sync::OnceLock::new(),
            refreshing: Mutex::new(HashSet::new()),
        }
    }

    /// The bus a new epoch is announced on (the cache is built before the bus).
    pub fn set_bus(&self, bus: Bus) {
        let _ = self.announce.set(bus);
    }

    pub fn l1(&self) -> &MemoryTier {
        &self.l1
    }

    pub fn set_bus_live(&self, live: bool) {
        self.bus_live.store(live, Ordering::Release);
    }

    fn count(&self, tier: Tier) {
        self.reads[tier as usize].increment(1);
    }

    fn l1_max_age(&self) -> Option<Duration> {
        // The bus rides on Redis: while the link is known down, a subscription that still looks
        // open may be hung and hearing nothing, so L1 is trusted only briefly then too.
        let redis_down = self.redis.as_ref().is_some_and(|link| !link.is_up());
        (redis_down || !self.bus_live.load(Ordering::Acquire)).then_some(L1_MAX_AGE_WITHOUT_BUS)
    }

    /// The snapshot if L1 holds it fresh (counted as an L1 read); never waits, never leaves
    /// the process. `None` sends the caller down the full path of [`read`](Self::read).
    pub fn read_l1(&self, match_id: i64) -> Option<Arc<Snapshot>> {
        if self.mode != CacheMode::On {
            return None;
        }
        let snap = self.l1.get_fresh(match_id, self.l1_max_age())?;
        self.count(Tier::L1);
        Some(snap)
    }

    /// The match's current snapshot and the tier that answered; `None` if it has no events yet.
    pub async fn read(&self, match_id: i64) -> Result<Option<(Arc<Snapshot>, Tier)>, StoreError> {
        if self.mode == CacheMode::Off {
            let snap = self.store.snapshot(match_id).await?;
            self.count(Tier::Db);
            return Ok(snap.map(|s| (Arc::new(from_stored(s)), Tier::Db)));
        }
        let use_l1 = self.mode != CacheMode::NoL1;
        if let Some(snap) = use_l1
            .then(|| self.l1.get_fresh(match_id, self.l1_max_age()))
            .flatten()
        {
            self.count(Tier::L1);
            return Ok(Some((snap, Tier::L1)));
        }
        // Without L1 there is nothing for a flight to share: each read asks Redis itself.
        let _flight = if use_l1 {
            Some(self.flights.lock(match_id).await)
        } else {
            None
        };
        // Whoever held the flight before us may have just loaded it.
        if let Some(snap) = use_l1
            .then(|| self.l1.get_fresh(match_id, self.l1_max_age()))
            .flatten()
        {
            self.count(Tier::L1);
            return Ok(Some((snap, Tier::L1)));
        }
        if let Some(snap) = self.read_redis(match_id).await {
            self.count(Tier::Redis);
            return Ok(Some((self.l1.put(match_id, snap), Tier::Redis)));
        }
        let Some(stored) = self.store.snapshot(match_id).await? else {
            self.count(Tier::Db);
            return Ok(None);
        };
        metrics::counter!("crease_cache_fallbacks_total").increment(1);
        let snap = Arc::new(from_stored(stored));
        self.write_redis(match_id, &snap).await;
        self.count(Tier::Db);
        Ok(Some((self.l1.put(match_id, snap), Tier::Db)))
    }

    /// Like [`read`](Self::read), but a match with no events yet gets its opening state (built
    /// once from its setup, then cached like any other); `None` only for an unknown match.
    pub async fn current(
        &self,
        match_id: i64,
    ) -> Result<Option<(Arc<Snapshot>, Tier)>, StoreError> {
        if let Some(found) = self.read(match_id).await? {
            return Ok(Some(found));
        }
        let Some(row) = self.store.get_match(match_id).await? else {
            return Ok(None);
        };
        let game = crease_domain::Match::new(row.setup);
        let body = crate::message::snapshot_body(match_id, 0, row.epoch, game.live());
        let (snap, _) = self.publish_snapshot(match_id, (row.epoch, 0), body).await;
        Ok(Some((snap, Tier::Db)))
    }

    async fn read_redis(&self, match_id: i64) -> Option<Arc<Snapshot>> {
        let link = self.redis.as_ref()?;
        let body = self.redis_tier.get(link, match_id, false).await.ok()??;
        let seq = crate::message::seq_of(&body)?;
        let epoch = crate::message::epoch_of(&body);
        if (epoch, seq) < self.l1.known(match_id) {
            // Redis missed a write this node has heard of: answer from the database and repair.
            self.mark_dirty(match_id);
            return None;
        }
        Some(Arc::new(Snapshot::new(seq, epoch, body)))
    }

    /// Writes through to Redis; returns what Redis held instead when it refused.
    async fn write_redis(&self, match_id: i64, snap: &Snapshot) -> Option<(i64, i64)> {
        let link = self.redis.as_ref()?;
        match self
            .redis_tier
            .put_if_newer(link, match_id, snap.pos(), &snap.body, false)
            .await
        {
            Ok(redis::Put::Written) => None,
            Ok(redis::Put::Refused { epoch, seq }) => Some((epoch, seq)),
            Err(_) => {
                self.mark_dirty(match_id);
                None
            }
        }
    }

    fn mark_dirty(&self, match_id: i64) {
        self.dirty.lock().expect("lock poisoned").insert(match_id);
    }

    /// After an event is stored: L1 now, then Redis (compare-and-set on `(epoch, seq)`).
    /// Also answers whether a cache claimed this position or a later one: a later write may
    /// have won a race, or the cache holds a history the database lost, which only
    /// [`reconcile`](Self::reconcile) can tell apart.
    pub async fn publish_snapshot(
        &self,
        match_id: i64,
        (epoch, seq): (i64, i64),
        body: Bytes,
    ) -> (Arc<Snapshot>, bool) {
        let known = self.l1.known(match_id);
        let snap = self
            .l1
            .put(match_id, Arc::new(Snapshot::new(seq, epoch, body)));
        let mut contested = known > (epoch, seq);
        if snap.pos() == (epoch, seq) {
            contested |= self.write_redis(match_id, &snap).await.is_some();
        } else {
            contested = true;
        }
        (snap, contested)
    }

    /// A new position was heard on the bus: older copies are stale from now on.
    pub fn note(&self, match_id: i64, epoch: i64, seq: i64) {
        self.l1.note(match_id, epoch, seq);
    }

    /// After [`note`](Self::note) on a node that did not store the event: reloads L1 from Redis
    /// in the background, once per match at a time, so the polls that follow a ball are answered
    /// from memory rather than each waiting on Redis. The node that stored it holds it already,
    /// and a match this node was never asked for is left alone.
    pub fn refresh_soon(self: &Arc<Self>, match_id: i64) {
        if self.mode != CacheMode::On
            || self.redis.is_none()
            || self.l1.held(match_id).is_none()
            || self.l1.get_fresh(match_id, None).is_some()
            || !self
                .refreshing
                .lock()
                .expect("lock poisoned")
                .insert(match_id)
        {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            for _ in 0..REFRESH_TRIES {
                let _flight = this.flights.lock(match_id).await;
                if this.l1.get_fresh(match_id, None).is_some() {
                    break;
                }
                let Some(snap) = this.read_redis(match_id).await else {
                    // Redis down or behind: the read path goes to the database as before.
                    break;
                };
                this.l1.put(match_id, snap);
                metrics::counter!("crease_l1_refreshes_total").increment(1);
            }
            this.refreshing
                .lock()
                .expect("lock poisoned")
                .remove(&match_id);
        });
    }

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

    /// Probes Redis while it is down; when it answers, repairs every snapshot it may have
    /// missed from the database, and only then lets reads use it again.
    pub async fn run_redis_watchdog(self: Arc<Self>, shutdown: CancellationToken) {
        let Some(link) = self.redis.clone() else {
            return;
        };
        let mut backoff = Duration::from_millis(100);
        let mut rounds: u32 = 0;
        loop {
            rounds = rounds.wrapping_add(1);
            if !link.is_up() {
                if link.probe().await && self.repair(&link, true).await {
                    link.mark_up();
                    // Messages may have been lost without the subscription noticing (a hung
                    // Redis): reload every match from Redis, just repaired from the database.
                    self.l1.clear_snapshots();
                    backoff = Duration::from_millis(100);
                } else {
                    link.mark_down();
                    // Short: every read goes to the database until Redis is back in use.
                    backoff = (backoff * 2).min(Duration::from_millis(500));
                }
            } else if self.has_dirty() {
                // A write failed while the link still looked up.
                self.repair(&link, false).await;
            } else if rounds.is_multiple_of(UP_PROBE_EVERY) {
                // A hung Redis closes nothing: a node that only reads from L1 makes no Redis
                // call that could time out, so without a probe it would never notice, and
                // would trust a silent bus (and its L1) for as long as the hang lasts.
                link.probe().await;
            }
            let pause = if link.is_up() {
                Duration::from_millis(250)
            } else {
                backoff
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    fn has_dirty(&self) -> bool {
        !self.dirty.lock().expect("lock poisoned").is_empty()
    }

    /// Writes the database's snapshot of every match Redis may have missed (with `all`, also
    /// every live or watched match, since a restarted Redis may have lost everything).
    async fn repair(&self, link: &RedisLink, all: bool) -> bool {
        // Taken, not cloned: a write that fails during the repair marks its match again.
        let mut ids = std::mem::take(&mut *self.dirty.lock().expect("lock poisoned"));
        if all {
            match self.store.live_match_ids().await {
                Ok(live) => ids.extend(live),
                Err(_) => {
                    self.dirty.lock().expect("lock poisoned").extend(ids);
                    return false;
                }
            }
            ids.extend(self.l1.match_ids());
            match self.redis_tier.held_match_ids(link).await {
                Ok(held) => ids.extend(held),
                Err(_) => {
                    self.dirty.lock().expect("lock poisoned").extend(ids);
                    return false;
                }
            }
        }
        let mut failed = Vec::new();
        for id in &ids {
            let ok = match self.store.snapshot(*id).await {
                Ok(Some(stored)) => {
                    let snap = from_stored(stored);
                    match self
                        .redis_tier
                        .put_if_newer(link, *id, snap.pos(), &snap.body, true)
                        .await
                    {
                        Ok(redis::Put::Written) => true,
                        // Redis holds this position or a later one: a newer write, or a
                        // history the database lost (a node restarted on a restored database
                        // lands here first).
                        Ok(redis::Put::Refused { .. }) => {
                            self.reconcile(*id, Reason::Repair).await.is_ok()
                        }
                        Err(_) => false,
                    }
                }
                // No event in the database: Redis may still hold the lost history's.
                Ok(None) => self.reconcile(*id, Reason::Repair).await.is_ok(),
                Err(_) => false,
            };
            if !ok {
                failed.push(*id);
            }
        }
        if !failed.is_empty() {
            self.dirty.lock().expect("lock poisoned").extend(failed);
            return false;
        }
        tracing::info!(
            repaired = ids.len(),
            "redis snapshots repaired from the database"
        );
        true
    }
}
