//! How many frames a WebSocket client may send: a token bucket per connection.
//!
//! A client has little to say (a pong every heartbeat, a ping now and then, a close), but
//! every frame it sends costs the node a parse and, for a ping, a pong queued on its socket.
//! A client sending frames as fast as it can would take a core and fill its own queue with
//! pongs; past its budget it is closed with 1008 (policy violation).

use std::time::Instant;

/// Frames a client may send each second, on average.
pub const FRAMES_PER_SEC: f32 = 20.0;
/// Frames a client may send at once after a quiet spell: a browser reconnecting may send a
/// few pings and pongs together, never dozens.
pub const BURST: f32 = 40.0;

#[derive(Debug)]
pub struct FrameBudget {
    tokens: f32,
    last: Instant,
}

impl FrameBudget {
    pub fn new(now: Instant) -> Self {
        Self {
            tokens: BURST,
            last: now,
        }
    }

    /// Spends one frame's token; `false` if there is none left.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f32();
        self.last = now;
        self.tokens = (self.tokens + elapsed * FRAMES_PER_SEC).min(BURST);
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut budget = FrameBudget::new(start);
        for i in 0..BURST as usize {
            assert!(budget.take(start), "frame {i} of the burst");
        }
        assert!(!budget.take(start), "past the burst");
        // A second refills the rate, not more.
        let later = start + Duration::from_secs(1);
        for i in 0..FRAMES_PER_SEC as usize {
            assert!(budget.take(later), "frame {i} of the next second");
        }
        assert!(!budget.take(later));
        // A long quiet spell refills only the burst.
        let much_later = later + Duration::from_secs(3600);
        for _ in 0..BURST as usize {
            assert!(budget.take(much_later));
        }
        assert!(!budget.take(much_later));
    }

    #[test]
    fn a_steady_client_under_the_rate_is_never_refused() {
        let start = Instant::now();
        let mut budget = FrameBudget::new(start);
        let step = Duration::from_secs_f32(1.0 / (FRAMES_PER_SEC - 1.0));
        for i in 0..10_000u32 {
            assert!(budget.take(start + step * i), "frame {i}");
        }
    }
}
