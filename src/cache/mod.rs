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

mod forget;
pub mod list;
pub mod memory;
mod reconcile;
pub mod redis;
pub mod single_flight;
mod watchdog;

pub use reconcile::Reason;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use crate::bus::Bus;
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
}
