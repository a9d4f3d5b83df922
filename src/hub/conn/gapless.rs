//! The rule that keeps a client's seqs gapless and duplicate-free: which offered frames it
//! takes, which it has already had, and when a gap means it must be resynced.

use super::{Conn, Frame, FrameKind, Inner};

pub(super) enum Admit {
    /// Send or queue it.
    Take,
    /// Already sent, superseded, or behind a gap the task is filling.
    Skip,
    /// A gap: the connection's task must resync the client.
    Resync,
}

/// The gapless rule for one frame, updating what the connection has been given.
pub(super) fn admit(g: &mut Inner, frame: &Frame) -> Admit {
    match frame.kind {
        FrameKind::Control => {}
        FrameKind::Snapshot => {
            if !g.seeding && frame.pos() <= g.last {
                return Admit::Skip;
            }
            Conn::drop_unwritten(g);
            g.resync = false;
            g.last = frame.pos();
        }
        FrameKind::Delta if g.seeding => {}
        FrameKind::Delta => {
            if frame.pos() <= g.last {
                return Admit::Skip;
            }
            if frame.epoch != g.last.0 || frame.seq != g.last.1 + 1 || g.resync {
                if g.resync {
                    return Admit::Skip;
                }
                g.resync = true;
                return Admit::Resync;
            }
            g.last = frame.pos();
        }
    }
    Admit::Take
}
