//! The last few messages of a match on this node, so a client that dropped off for a moment
//! resumes with exactly what it missed instead of a whole snapshot.

use std::collections::VecDeque;

use super::frame::Frame;

pub struct Ring {
    frames: VecDeque<Frame>,
    capacity: usize,
    /// The bytes of the frames held, as reported in `crease_ring_bytes` (summed over matches):
    /// a node's memory grows with each watched match's ring until it is full, and an operator
    /// (or a soak) must be able to tell that bounded growth from a leak.
    bytes: usize,
}

fn size(frame: &Frame) -> usize {
    frame.ws.len() + frame.sse.len() + frame.ws_deflated.len() + frame.sse_gzip.len()
}

fn held(added: usize, removed: usize) {
    let gauge = metrics::gauge!("crease_ring_bytes");
    if added > 0 {
        gauge.increment(added as f64);
    }
    if removed > 0 {
        gauge.decrement(removed as f64);
    }
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::with_capacity(capacity.min(64)),
            capacity,
            bytes: 0,
        }
    }

    /// Appends a delta that follows the last one held; anything else starts the ring afresh,
    /// so the ring always holds one unbroken run of seqs of one epoch.
    pub fn push(&mut self, frame: Frame) {
        if self
            .frames
            .back()
            .is_some_and(|last| last.seq + 1 != frame.seq || last.epoch != frame.epoch)
        {
            self.clear();
        }
        let mut removed = 0;
        if self.frames.len() == self.capacity {
            removed = self.frames.pop_front().map_or(0, |f| size(&f));
        }
        let added = size(&frame);
        self.frames.push_back(frame);
        self.bytes = self.bytes + added - removed;
        held(added, removed);
    }

    pub fn clear(&mut self) {
        self.frames.clear();
        held(0, std::mem::take(&mut self.bytes));
    }

    /// Every frame after `(epoch, seq)`, if the ring still holds all of them (and `seq` is
    /// not ahead). Seqs of another epoch belong to another history: nothing follows them here.
    pub fn after(&self, (epoch, seq): (i64, i64)) -> Option<Vec<Frame>> {
        let first = self.frames.front()?;
        let last = self.frames.back()?.seq;
        if epoch != first.epoch || seq < first.seq - 1 || seq > last {
            return None;
        }
        Some(
            self.frames
                .iter()
                .filter(|f| f.seq > seq)
                .cloned()
                .collect(),
        )
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        held(0, self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::frame::FrameKind;

    fn f(seq: i64) -> Frame {
        Frame::message((1, seq), FrameKind::Delta, b"{}")
    }

    #[test]
    fn serves_exactly_the_missed_run_or_nothing() {
        let mut ring = Ring::new(3);
        for s in 1..=5 {
            ring.push(f(s));
        }
        let seqs = |v: Vec<Frame>| v.into_iter().map(|f| f.seq).collect::<Vec<_>>();
        assert_eq!(ring.after((1, 2)).map(seqs), Some(vec![3, 4, 5]));
        assert_eq!(ring.after((1, 4)).map(seqs), Some(vec![5]));
        assert_eq!(ring.after((1, 5)).map(seqs), Some(vec![]));
        assert!(ring.after((1, 1)).is_none(), "seq 2 is gone");
        assert!(ring.after((1, 6)).is_none(), "a client ahead of the ring");
        ring.push(f(9));
        assert!(
            ring.after((1, 5)).is_none(),
            "a break in the run restarts the ring"
        );
        assert_eq!(ring.after((1, 8)).map(seqs), Some(vec![9]));
        assert!(ring.after((2, 8)).is_none(), "seq 8 of another epoch");
    }

    #[test]
    fn counts_the_bytes_of_exactly_the_frames_it_holds() {
        let held = |ring: &Ring| ring.frames.iter().map(size).sum::<usize>();
        let mut ring = Ring::new(3);
        for s in 1..=5 {
            ring.push(Frame::message(
                (1, s),
                FrameKind::Delta,
                &vec![b' '; s as usize * 100],
            ));
            assert_eq!(ring.bytes, held(&ring), "after seq {s}");
        }
        assert!(
            ring.bytes > 3 * 2 * 300,
            "three frames of 300–500 bytes, twice each"
        );
        ring.push(f(9));
        assert_eq!(ring.bytes, held(&ring), "a break in the run");
        ring.clear();
        assert_eq!(ring.bytes, 0);
    }
}
