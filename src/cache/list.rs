//! The match list as ready-to-send bytes, kept for a second: home pages poll it, and a second
//! of staleness on a list (each row's score also arrives live on the ticker) spares the
//! database a query per poll.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

pub const LIST_TTL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct ListCache {
    held: Mutex<Option<(Instant, Bytes)>>,
}

impl ListCache {
    pub fn get(&self) -> Option<Bytes> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.as_ref()
            .filter(|(at, _)| at.elapsed() < LIST_TTL)
            .map(|(_, body)| body.clone())
    }

    pub fn put(&self, body: Bytes) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), body));
    }

    /// Forgets the list (a match was created here), so its creator sees it at once.
    pub fn clear(&self) {
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
