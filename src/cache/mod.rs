//! Snapshot tiers: L1 in process, then Redis, then the database, with single-flight misses.
//!
//! Reads never compute cricket and, when warm, never leave the process. When Redis fails the
//! database answers (one query per match per refresh, however many readers), and Redis is not
//! read again until every snapshot it may have missed has been repaired from the database.

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

use crate::config::CacheMode;
use crate::redis_link::RedisLink;
use crate::store::{Store, StoreError};
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
        }
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
            return Ok(snap.map(|s| (Arc::new(Snapshot::new(s.seq, s.body.into())), Tier::Db)));
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
        let snap = Arc::new(Snapshot::new(stored.seq, stored.body.into()));
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
        let body = crate::message::snapshot_body(match_id, 0, game.live());
        Ok(Some((
            self.publish_snapshot(match_id, 0, body).await,
            Tier::Db,
        )))
    }

    async fn read_redis(&self, match_id: i64) -> Option<Arc<Snapshot>> {
        let link = self.redis.as_ref()?;
        let body = self.redis_tier.get(link, match_id).await.ok()??;
        let seq = redis::seq_of(&body)?;
        if seq < self.l1.known_seq(match_id) {
            // Redis missed a write this node has heard of: answer from the database and repair.
            self.mark_dirty(match_id);
            return None;
        }
        Some(Arc::new(Snapshot::new(seq, body)))
    }

    async fn write_redis(&self, match_id: i64, snap: &Snapshot) {
        let Some(link) = &self.redis else { return };
        if self
            .redis_tier
            .put_if_newer(link, match_id, snap.seq, &snap.body, false)
            .await
            .is_err()
        {
            self.mark_dirty(match_id);
        }
    }

    fn mark_dirty(&self, match_id: i64) {
        self.dirty.lock().expect("lock poisoned").insert(match_id);
    }

    /// After an event is stored: L1 now, then Redis (compare-and-set on seq).
    pub async fn publish_snapshot(&self, match_id: i64, seq: i64, body: Bytes) -> Arc<Snapshot> {
        let snap = self.l1.put(match_id, Arc::new(Snapshot::new(seq, body)));
        if snap.seq == seq {
            self.write_redis(match_id, &snap).await;
        }
        snap
    }

    /// A new seq was heard on the bus: older copies are stale from now on.
    pub fn note_seq(&self, match_id: i64, seq: i64) {
        self.l1.note_seq(match_id, seq);
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
                    backoff = (backoff * 2).min(Duration::from_secs(2));
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
        }
        let mut failed = Vec::new();
        for id in &ids {
            let ok = match self.store.snapshot(*id).await {
                Ok(Some(stored)) => self
                    .redis_tier
                    .put_if_newer(link, *id, stored.seq, &Bytes::from(stored.body), true)
                    .await
                    .is_ok(),
                Ok(None) => true,
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
