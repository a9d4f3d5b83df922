//! What a soak counts, one window at a time: every client and scorer adds to the open window,
//! and the sampler closes it each `--window-secs`, so a leak or a drift shows as a trend.

use std::sync::Mutex;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::hist::{new_hist, record, Summary};

/// Tallies of one window; they add up over windows.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Tally {
    /// Connections opened and seeded with their snapshot.
    pub connects: u64,
    /// Connections that failed before their snapshot (refused, timed out, closed).
    pub connect_failures: u64,
    /// Connections the client ended at the end of its lifetime.
    pub leaves: u64,
    /// Connections the server or the network ended before the client meant to leave.
    pub dropped: u64,
    /// Messages with the next seq after the one before.
    pub delivered: u64,
    /// Snapshots after a connection's first (a resync the server chose).
    pub resyncs: u64,
    /// A seq skipped with no snapshot to cover it.
    pub gaps: u64,
    /// A seq received twice on one connection.
    pub duplicates: u64,
    /// A seq (or snapshot) lower than one the connection already had.
    pub backwards: u64,
    /// Messages whose head did not parse.
    pub unparsed: u64,
    /// Balls stored (the POST's answer carried the seq expected).
    pub posted: u64,
    /// POST attempts that failed and were retried with the same Idempotency-Key.
    pub post_retries: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.connects += o.connects;
        self.connect_failures += o.connect_failures;
        self.leaves += o.leaves;
        self.dropped += o.dropped;
        self.delivered += o.delivered;
        self.resyncs += o.resyncs;
        self.gaps += o.gaps;
        self.duplicates += o.duplicates;
        self.backwards += o.backwards;
        self.unparsed += o.unparsed;
        self.posted += o.posted;
        self.post_retries += o.post_retries;
    }

    /// What must never happen, whatever fails.
    pub fn faults(&self) -> u64 {
        self.gaps + self.duplicates + self.backwards + self.unparsed
    }
}

struct Open {
    tally: Tally,
    /// POST start to receipt, µs, over every delivered message.
    delivery: Histogram<u64>,
    /// POST round trip, µs.
    post: Histogram<u64>,
}

/// The window being filled.
pub struct Windows {
    open: Mutex<Open>,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            open: Mutex::new(Open {
                tally: Tally::default(),
                delivery: new_hist(),
                post: new_hist(),
            }),
        }
    }
}

/// A closed window's client side.
pub struct Closed {
    pub tally: Tally,
    pub delivery: Histogram<u64>,
    pub post: Histogram<u64>,
}

impl Windows {
    pub fn count(&self, f: impl FnOnce(&mut Tally)) {
        f(&mut self.lock().tally);
    }

    /// A message with the next seq; its latency when its POST's start is known.
    pub fn delivered(&self, latency_us: Option<u64>) {
        let mut open = self.lock();
        open.tally.delivered += 1;
        if let Some(us) = latency_us {
            record(&mut open.delivery, us);
        }
    }

    pub fn posted(&self, round_trip_us: u64, retries: u64) {
        let mut open = self.lock();
        open.tally.posted += 1;
        open.tally.post_retries += retries;
        record(&mut open.post, round_trip_us);
    }

    pub fn close(&self) -> Closed {
        let mut open = self.lock();
        Closed {
            tally: std::mem::take(&mut open.tally),
            delivery: std::mem::replace(&mut open.delivery, new_hist()),
            post: std::mem::replace(&mut open.post, new_hist()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        // A panicking client cannot leave the counts half-written: every update is one call.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Seconds since the soak started, at the window's end.
    pub at_secs: u64,
    /// The window's length, in seconds (the last may be short).
    pub window_secs: f64,
    /// Something that happened in this window (the Redis restart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Clients holding a seeded connection when the window closed.
    pub open_clients: u64,
    pub tally: Tally,
    pub delivery: Summary,
    pub post: Summary,
    pub nodes: Vec<super::node_stats::NodeSample>,
}
