//! The last few messages of a match on this node, so a client that dropped off for a moment
//! resumes with exactly what it missed instead of a whole snapshot.

use std::collections::VecDeque;

use super::frame::Frame;

pub struct Ring {
    frames: VecDeque<Frame>,
    capacity: usize,
}

impl Ring {
    pub fn new(capacity: usize) -> Self {
        Self {
            frames: VecDeque::with_capacity(capacity.min(64)),
            capacity,
        }
    }

    /// Appends a delta that follows the last one held; anything else starts the ring afresh,
    /// so the ring always holds one unbroken run of seqs.
    pub fn push(&mut self, frame: Frame) {
        if self
            .frames
            .back()
            .is_some_and(|last| last.seq + 1 != frame.seq)
        {
            self.frames.clear();
        }
        if self.frames.len() == self.capacity {
            self.frames.pop_front();
        }
        self.frames.push_back(frame);
    }

    pub fn clear(&mut self) {
        self.frames.clear();
    }

    /// Every frame after `seq`, if the ring still holds all of them (and `seq` is not ahead).
    pub fn after(&self, seq: i64) -> Option<Vec<Frame>> {
        let first = self.frames.front()?.seq;
        let last = self.frames.back()?.seq;
        if seq < first - 1 || seq > last {
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

    pub fn last_seq(&self) -> Option<i64> {
        self.frames.back().map(|f| f.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::frame::FrameKind;

    fn f(seq: i64) -> Frame {
        Frame::message(seq, FrameKind::Delta, b"{}")
    }

    #[test]
    fn serves_exactly_the_missed_run_or_nothing() {
        let mut ring = Ring::new(3);
        for s in 1..=5 {
            ring.push(f(s));
        }
        let seqs = |v: Vec<Frame>| v.into_iter().map(|f| f.seq).collect::<Vec<_>>();
        assert_eq!(ring.after(2).map(seqs), Some(vec![3, 4, 5]));
        assert_eq!(ring.after(4).map(seqs), Some(vec![5]));
        assert_eq!(ring.after(5).map(seqs), Some(vec![]));
        assert!(ring.after(1).is_none(), "seq 2 is gone");
        assert!(ring.after(6).is_none(), "a client ahead of the ring");
        ring.push(f(9));
        assert!(
            ring.after(5).is_none(),
            "a break in the run restarts the ring"
        );
        assert_eq!(ring.after(8).map(seqs), Some(vec![9]));
    }
}
