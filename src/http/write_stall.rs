//! A deadline on a client that takes no bytes: a write or flush that stays blocked this long
//! fails, and the connection is reset.
//!
//! hyper has no write timeout. An SSE client that stops reading stops its stream's body from
//! being polled, so the hub's slow-consumer rules (which run in that body) never get to close
//! it: without this the connection, hyper's buffer and the kernel's send buffer (megabytes) are
//! held for as long as the client lingers.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

pub struct WriteStall {
    limit: Duration,
    /// Running while writes are blocked; cleared by any progress.
    timer: Option<Pin<Box<Sleep>>>,
}

impl WriteStall {
    pub fn new(limit: Duration) -> Self {
        Self { limit, timer: None }
    }

    /// Passes on a write's or flush's result: progress stops the clock, a block starts it, and
    /// a block past the limit becomes `TimedOut`.
    pub fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        res: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if res.is_ready() {
            self.timer = None;
            return res;
        }
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            metrics::counter!("crease_write_stalls_total").increment(1);
            return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
        }
        Poll::Pending
    }
}
