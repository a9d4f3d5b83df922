//! L1: each node's in-process copy of every watched match's snapshot, as ready-to-send bytes.
//!
//! A warm read is one DashMap shard read and an `Arc` clone: no Redis, no database, no JSON.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use bytes::Bytes;
use dashmap::DashMap;

/// A snapshot as served: the JSON body, its ETag and (on first demand) its gzip form, each
/// built once per seq and shared by every reader.
#[derive(Debug)]
pub struct Snapshot {
    pub seq: i64,
    /// The epoch of the history the snapshot belongs to: snapshots are ordered by
    /// `(epoch, seq)`, never by seq alone.
    pub epoch: i64,
    pub body: Bytes,
    gzip: OnceLock<Bytes>,
    pub etag: HeaderValue,
    /// A strong ETag names one representation, so the gzip body has its own.
    pub etag_gzip: HeaderValue,
    pub loaded_at: Instant,
}

impl Snapshot {
    /// The ETag names the epoch too: after a restore, a seq of the new history must not match
    /// a client's copy of the same seq from the lost one.
    pub fn new(seq: i64, epoch: i64, body: Bytes) -> Self {
        let etag = HeaderValue::from_str(&format!("\"{epoch}-{seq}\""))
            .expect("digits are a valid header");
        let etag_gzip = HeaderValue::from_str(&format!("\"{epoch}-{seq}-gzip\""))
            .expect("digits are a valid header");
        Self {
            seq,
            epoch,
            body,
            gzip: OnceLock::new(),
            etag,
            etag_gzip,
            loaded_at: Instant::now(),
        }
    }

    /// Where the snapshot stands in the match's history: compared as a pair.
    pub fn pos(&self) -> (i64, i64) {
        (self.epoch, self.seq)
    }

    pub fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| gzip(&self.body))
    }
}

fn gzip(body: &[u8]) -> Bytes {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut enc = GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(body);
    Bytes::from(enc.finish().unwrap_or_default())
}

#[derive(Default)]
struct Slot {
    snap: Option<Arc<Snapshot>>,
    /// The highest `(epoch, seq)` this node has heard of for the match (from its own ingest or
    /// the bus): a snapshot older than this is stale, wherever it came from.
    known: (i64, i64),
}

#[derive(Default)]
pub struct MemoryTier {
    slots: DashMap<i64, Slot>,
}

impl MemoryTier {
    /// The snapshot if it is current: not older than any seq heard of, and, when `max_age`
    /// is given (the bus is down, so changes may go unheard), young enough.
    pub fn get_fresh(&self, match_id: i64, max_age: Option<Duration>) -> Option<Arc<Snapshot>> {
        let slot = self.slots.get(&match_id)?;
        let snap = slot.snap.as_ref()?;
        if snap.pos() < slot.known {
            return None;
        }
        if let Some(max_age) = max_age {
            if snap.loaded_at.elapsed() > max_age {
                return None;
            }
        }
        Some(snap.clone())
    }

    /// Stores `snap` unless a newer one is already held: the score never goes backwards.
    pub fn put(&self, match_id: i64, snap: Arc<Snapshot>) -> Arc<Snapshot> {
        let mut slot = self.slots.entry(match_id).or_default();
        slot.known = slot.known.max(snap.pos());
        match &slot.snap {
            Some(held) if held.pos() > snap.pos() => held.clone(),
            Some(held) if held.pos() == snap.pos() && snap.loaded_at <= held.loaded_at => {
                held.clone()
            }
            _ => {
                slot.snap = Some(snap.clone());
                snap
            }
        }
    }

    /// Records that `(epoch, seq)` exists for the match, making any older snapshot stale.
    pub fn note(&self, match_id: i64, epoch: i64, seq: i64) {
        let mut slot = self.slots.entry(match_id).or_default();
        slot.known = slot.known.max((epoch, seq));
    }

    /// The highest `(epoch, seq)` heard of for the match; `(0, 0)` for none.
    pub fn known(&self, match_id: i64) -> (i64, i64) {
        self.slots.get(&match_id).map_or((0, 0), |s| s.known)
    }

    /// The snapshot held for the match, fresh or not.
    pub fn held(&self, match_id: i64) -> Option<Arc<Snapshot>> {
        self.slots.get(&match_id)?.snap.clone()
    }

    /// Replaces whatever is held and known for the match with `snap`, even if they claimed to
    /// be newer: for a history the database no longer holds, after its epoch has moved on.
    pub fn reset(&self, match_id: i64, snap: Arc<Snapshot>) {
        let mut slot = self.slots.entry(match_id).or_default();
        slot.known = snap.pos();
        slot.snap = Some(snap);
    }

    /// Forgets every held snapshot (after a bus reconnect, when messages may have been missed);
    /// known seqs stay, so nothing older is ever served again.
    pub fn clear_snapshots(&self) {
        for mut slot in self.slots.iter_mut() {
            slot.snap = None;
        }
    }

    /// Drops one match's copy (its bus messages may have been missed), keeping what it heard.
    pub fn forget_snapshot(&self, match_id: i64) {
        if let Some(mut slot) = self.slots.get_mut(&match_id) {
            slot.snap = None;
        }
    }

    pub fn match_ids(&self) -> Vec<i64> {
        self.slots.iter().map(|s| *s.key()).collect()
    }
}
