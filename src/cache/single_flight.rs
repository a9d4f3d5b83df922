//! Coalesces concurrent misses: however many readers miss one match at once, one of them
//! loads it and the rest wait and then find it in L1.
//!
//! A match's lock lives only while someone holds or awaits it. Match ids come from request
//! paths, so a map that kept one entry per id ever asked for would let anyone grow the node's
//! memory without bound by reading `/api/matches/{random}/live`.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Default)]
pub struct SingleFlight {
    locks: DashMap<i64, Arc<Mutex<()>>>,
}

/// Held while loading one match; dropping it lets the next waiter in and, when no one else
/// holds or awaits the lock, removes it from the map.
pub struct FlightGuard<'a> {
    locks: &'a DashMap<i64, Arc<Mutex<()>>>,
    match_id: i64,
    guard: Option<OwnedMutexGuard<()>>,
}

impl SingleFlight {
    /// Waits for the match's load lock. The `Arc` is cloned out of the map before awaiting,
    /// so no DashMap guard is held across the await.
    pub async fn lock(&self, match_id: i64) -> FlightGuard<'_> {
        let lock = self.locks.entry(match_id).or_default().clone();
        FlightGuard {
            locks: &self.locks,
            match_id,
            guard: Some(lock.lock_owned().await),
        }
    }

    /// How many matches currently have a lock in the map.
    pub fn len(&self) -> usize {
        self.locks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.locks.is_empty()
    }
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        // Releases the lock and this guard's reference to it.
        self.guard.take();
        // Only the map's own reference left: nobody holds or waits. A newcomer clones the
        // entry under the same shard lock `remove_if` takes, so it either keeps the entry
        // alive (count > 1) or finds it gone and makes a fresh one: never two live locks.
        self.locks
            .remove_if(&self.match_id, |_, lock| Arc::strong_count(lock) == 1);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::SingleFlight;

    #[tokio::test]
    async fn locks_are_forgotten_once_released() {
        let flights = SingleFlight::default();
        for id in 0..1_000 {
            drop(flights.lock(id).await);
        }
        assert!(flights.is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_holder_at_a_time_per_match() {
        let flights = Arc::new(SingleFlight::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (flights, inside) = (flights.clone(), inside.clone());
                tokio::spawn(async move {
                    for _ in 0..50 {
                        let _g = flights.lock(7).await;
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        tokio::task::yield_now().await;
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("no overlap");
        }
        assert_eq!(flights.len(), 0);
    }
}
