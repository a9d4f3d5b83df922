//! Coalesces concurrent misses: however many readers miss one match at once, one of them
//! loads it and the rest wait and then find it in L1.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Default)]
pub struct SingleFlight {
    locks: DashMap<i64, Arc<Mutex<()>>>,
}

impl SingleFlight {
    /// Waits for the match's load lock. The `Arc` is cloned out of the map before awaiting,
    /// so no DashMap guard is held across the await.
    pub async fn lock(&self, match_id: i64) -> OwnedMutexGuard<()> {
        let lock = self.locks.entry(match_id).or_default().clone();
        lock.lock_owned().await
    }
}
