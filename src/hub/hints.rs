//! Hints from the fallback bus ("seq S exists for match M"), checked after a grace period:
//! only a seq this node has still not heard of by then makes L1 stale and resyncs the match's
//! hub from the store. While Redis is healthy its message overtakes the check, which then
//! finds nothing to do.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::match_hub::Input;
use super::Hubs;

/// How long a hinted seq may take to arrive on the primary bus. NOTIFY fires at commit and the
/// Redis publish follows a few milliseconds later; this leaves room for a busy node.
pub const GRACE: Duration = Duration::from_millis(300);
/// Hints waiting for their grace period. One per stored event, so at a few thousand events a
/// second across all matches this holds far more than a grace period's worth.
const QUEUE: usize = 4096;

struct Hint {
    match_id: i64,
    pos: (i64, i64),
    due: Instant,
}

pub struct Hints {
    tx: mpsc::Sender<Hint>,
    rx: Mutex<Option<mpsc::Receiver<Hint>>>,
    /// A hint was dropped on a full queue: the checker resyncs every hub once it catches up.
    dropped: AtomicBool,
}

impl Default for Hints {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            dropped: AtomicBool::new(false),
        }
    }
}

impl Hints {
    /// Queues a hint without waiting: the listener must never block.
    pub fn offer(&self, match_id: i64, pos: (i64, i64)) {
        let hint = Hint {
            match_id,
            pos,
            due: Instant::now() + GRACE,
        };
        if self.tx.try_send(hint).is_err() {
            metrics::counter!("crease_hints_dropped_total").increment(1);
            self.dropped.store(true, Ordering::Release);
        }
    }
}

impl Hubs {
    /// Checks each hint when its grace period is over. Hints are queued in arrival order with
    /// the same grace, so they fall due in queue order and one sleeping task serves them all.
    pub async fn run_hint_checks(self: Arc<Self>) {
        let taken = self
            .hints
            .rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(mut rx) = taken else {
            return;
        };
        loop {
            let hint = tokio::select! {
                _ = self.shutdown.cancelled() => return,
                h = rx.recv() => match h {
                    Some(h) => h,
                    None => return,
                },
            };
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tokio::time::sleep_until(hint.due) => {}
            }
            self.check(hint.match_id, hint.pos);
            if rx.is_empty() && self.hints.dropped.swap(false, Ordering::AcqRel) {
                // Some hint was lost, so some seq may never be checked: recover every match.
                for hub in self.all() {
                    hub.push(Input::Resync);
                }
            }
        }
    }

    fn check(&self, match_id: i64, pos: (i64, i64)) {
        let l1 = self.cache.l1();
        if l1.known(match_id) < pos {
            // Not heard on the primary bus: what L1 holds is stale from now on.
            l1.note(match_id, pos.0, pos.1);
        }
        if let Some(hub) = self.matches.get(&match_id).map(|h| h.clone()) {
            // Heard on the main bus and queued: the worker sends it in order, however far
            // behind its fan-out is. Only a seq the hub never heard of means a lost message.
            if hub.heard() < pos {
                hub.push(Input::Hint(pos));
            }
        }
    }
}
