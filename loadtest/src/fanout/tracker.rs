//! Per-client accounting of the seqs a run expects: each one received once, in order.

use serde::{Deserialize, Serialize};

/// What one client saw. Receipt times are µs after its shard's epoch, kept until the end so
/// latency can be computed once every POST start is known (a child learns them last).
#[derive(Debug, Default)]
pub struct Tracker {
    /// Seq of the seeding snapshot; expected seqs are `base+1 ..= base+balls`.
    pub base: Option<i64>,
    balls: usize,
    seen: Vec<u64>,
    max: i64,
    /// (offset of the seq after `base`, 0-based; µs after the epoch).
    pub receipts: Vec<(u32, u32)>,
    pub counts: Counts,
}

/// Tallies that merge by addition across clients and shards.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Counts {
    /// Messages carrying an expected seq, first receipt of each.
    pub received: u64,
    pub duplicated: u64,
    /// First receipts of a seq lower than one already received.
    pub out_of_order: u64,
    /// Snapshots after the seeding one (a resync the server chose).
    pub resyncs: u64,
    /// Seqs never received as messages but made good by a later resync snapshot, as the
    /// protocol allows for a slow client; not counted as missing.
    pub covered_by_resync: u64,
    /// Messages outside the expected range, or that did not parse.
    pub unexpected: u64,
    /// Bytes on the wire for the messages counted in `received`: a WebSocket message's whole
    /// frame; for SSE, the body bytes after the snapshot (as sent, so compressed where gzip).
    #[serde(default)]
    pub wire_bytes: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.received += o.received;
        self.duplicated += o.duplicated;
        self.out_of_order += o.out_of_order;
        self.resyncs += o.resyncs;
        self.covered_by_resync += o.covered_by_resync;
        self.unexpected += o.unexpected;
        self.wire_bytes += o.wire_bytes;
    }
}

impl Tracker {
    pub fn new(balls: usize) -> Tracker {
        Tracker {
            balls,
            seen: vec![0; balls.div_ceil(64)],
            receipts: Vec::with_capacity(balls),
            ..Tracker::default()
        }
    }

    pub fn seeded(&self) -> bool {
        self.base.is_some()
    }

    /// Highest seq received so far.
    pub fn max_seq(&self) -> i64 {
        self.max
    }

    /// One message; `parsed` is its head, `None` when it did not parse.
    pub fn on_message(&mut self, parsed: Option<(bool, i64)>, at_us: u32) {
        let Some((snapshot, seq)) = parsed else {
            self.counts.unexpected += 1;
            return;
        };
        let Some(base) = self.base else {
            // The first message of a connection is its snapshot: the point counting starts.
            if snapshot {
                self.base = Some(seq);
                self.max = seq;
            } else {
                self.counts.unexpected += 1;
            }
            return;
        };
        let off = seq - base - 1;
        if snapshot {
            self.counts.resyncs += 1;
            // Everything up to a resync snapshot's seq is in it: earlier gaps are made good.
            for o in 0..off.clamp(0, self.balls as i64) as usize {
                let (word, bit) = (o / 64, 1u64 << (o % 64));
                if self.seen[word] & bit == 0 {
                    self.seen[word] |= bit;
                    self.counts.covered_by_resync += 1;
                }
            }
        }
        if off < 0 || off as usize >= self.balls {
            if !snapshot || seq > base {
                self.counts.unexpected += 1;
            }
            return;
        }
        let (word, bit) = (off as usize / 64, 1u64 << (off % 64));
        if self.seen[word] & bit != 0 {
            self.counts.duplicated += 1;
            return;
        }
        self.seen[word] |= bit;
        self.counts.received += 1;
        if seq < self.max {
            self.counts.out_of_order += 1;
        }
        self.max = self.max.max(seq);
        self.receipts.push((off as u32, at_us));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_gaps_repeats_and_reorders() {
        let mut t = Tracker::new(5);
        t.on_message(Some((true, 10)), 0);
        for seq in [11, 13, 13, 12, 15] {
            t.on_message(Some((false, seq)), 1);
        }
        t.on_message(Some((false, 99)), 1);
        assert_eq!(t.counts.received, 4);
        assert_eq!(t.counts.duplicated, 1);
        assert_eq!(t.counts.out_of_order, 1);
        assert_eq!(t.counts.unexpected, 1);
        assert_eq!(t.max_seq(), 15);
    }

    #[test]
    fn counts_add_every_field() {
        let one = Counts {
            received: 1,
            duplicated: 2,
            out_of_order: 3,
            resyncs: 4,
            covered_by_resync: 5,
            unexpected: 6,
            wire_bytes: 7,
        };
        let mut sum = Counts::default();
        sum.add(&one);
        sum.add(&one);
        assert_eq!((sum.received, sum.duplicated, sum.out_of_order), (2, 4, 6));
        assert_eq!(
            (sum.resyncs, sum.covered_by_resync, sum.unexpected),
            (8, 10, 12)
        );
        assert_eq!(sum.wire_bytes, 14);
    }

    #[test]
    fn a_resync_snapshot_makes_good_the_gap_before_it() {
        let mut t = Tracker::new(6);
        t.on_message(Some((true, 10)), 0);
        t.on_message(Some((false, 11)), 1);
        t.on_message(Some((true, 14)), 1);
        t.on_message(Some((false, 15)), 1);
        assert_eq!(t.counts.covered_by_resync, 2);
        assert_eq!(t.counts.received, 3);
        assert_eq!(t.counts.resyncs, 1);
        assert_eq!(t.counts.out_of_order, 0);
    }

    #[test]
    fn a_message_before_the_snapshot_is_unexpected() {
        let mut t = Tracker::new(2);
        t.on_message(Some((false, 3)), 0);
        assert!(!t.seeded());
        assert_eq!(t.counts.unexpected, 1);
    }
}
