//! Writing to a WebSocket client's socket without blocking: one frame straight from the shared
//! bytes when nothing is queued, or as much of the queue as the socket takes.

use std::io::IoSlice;

use tokio::net::TcpStream;

use super::{FrameKind, Inner, MAX_IOVECS};

/// What a direct write of one frame did.
pub(super) enum Direct {
    /// The socket took it all.
    Whole,
    /// The socket took this many bytes (perhaps none): the rest must be queued.
    Part(usize),
    /// The peer is gone or the socket failed.
    Dead,
}

pub(super) fn whole(stream: &TcpStream, bytes: &[u8]) -> Direct {
    match stream.try_write(bytes) {
        Ok(n) if n == bytes.len() => Direct::Whole,
        Ok(0) => Direct::Dead,
        Ok(n) => Direct::Part(n),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Direct::Part(0),
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Direct::Part(0),
        Err(_) => Direct::Dead,
    }
}

/// Writes as much of the queue as the socket takes without blocking, several frames per call.
pub(super) fn queue(stream: &TcpStream, g: &mut Inner) {
    while !g.queue.is_empty() && !g.dead {
        let mut slices: [IoSlice<'_>; MAX_IOVECS] = [IoSlice::new(&[]); MAX_IOVECS];
        let mut n = 0;
        for (i, q) in g.queue.iter().take(MAX_IOVECS).enumerate() {
            let from = if i == 0 { g.head_written } else { 0 };
            slices[i] = IoSlice::new(&q.bytes[from..]);
            n += 1;
        }
        match stream.try_write_vectored(&slices[..n]) {
            Ok(0) => {
                g.dead = true;
                return;
            }
            Ok(mut written) => {
                while written > 0 {
                    let Some(head) = g.queue.front() else { break };
                    let left = head.bytes.len() - g.head_written;
                    if written >= left {
                        written -= left;
                        g.queued_bytes -= head.bytes.len();
                        if head.kind != FrameKind::Control {
                            g.sent = (head.epoch, head.seq);
                        }
                        g.head_written = 0;
                        g.queue.pop_front();
                    } else {
                        g.head_written += written;
                        written = 0;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => {
                g.dead = true;
                g.queue.clear();
                return;
            }
        }
    }
}
