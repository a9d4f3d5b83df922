//! The Redis watchdog: probes Redis while it is down, and repairs from the database every
//! snapshot it may have missed before reads use it again.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{from_stored, redis, Reason, SnapshotCache, UP_PROBE_EVERY};
use crate::redis_link::RedisLink;

impl SnapshotCache {
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
