//! The scorers of a soak: one per match, posting that match's next real events at a steady
//! interval through the public API. A failed POST is sent again with the same
//! Idempotency-Key until it is answered, so a fault can delay a ball but never lose or
//! double it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::window::Windows;
use crate::fanout::poster::Poster;
use crate::sys::mono_ns;

/// When each seq of a match was first sent, so a viewer can time its receipt.
pub struct Clock {
    pub match_id: i64,
    /// Mono ns of the first POST attempt of seq `i`; 0 until then.
    starts: Vec<AtomicU64>,
}

impl Clock {
    pub fn posted_at(&self, seq: i64) -> Option<u64> {
        let at = self
            .starts
            .get(usize::try_from(seq).ok()?)?
            .load(Ordering::Acquire);
        (at != 0).then_some(at)
    }
}

/// What one scorer did.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub match_id: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    /// The file ran out of events before the soak ended.
    pub finished: bool,
}

pub struct Scorer {
    poster: Poster,
    pub clock: Arc<Clock>,
    seq0: i64,
    /// How long into the soak the first event is posted.
    delay: Duration,
}

impl Scorer {
    pub async fn new(poster: Poster, match_id: i64, delay: Duration) -> anyhow::Result<Scorer> {
        let seq0 = poster
            .current_seq()
            .await
            .with_context(|| format!("match {match_id}: reading its seq"))?;
        let events = poster.events().len();
        if usize::try_from(seq0)? >= events {
            bail!("match {match_id} is at seq {seq0}: its file has no event left to post");
        }
        let starts = (0..=events + 1).map(|_| AtomicU64::new(0)).collect();
        Ok(Scorer {
            poster,
            clock: Arc::new(Clock { match_id, starts }),
            seq0,
            delay,
        })
    }

    /// Posts one event every `interval` until the soak stops or the file ends.
    pub async fn run(
        self,
        interval: Duration,
        windows: Arc<Windows>,
        stop: CancellationToken,
    ) -> Scored {
        let from = self.seq0 as usize;
        let mut seq = self.seq0;
        let t0 = tokio::time::Instant::now() + self.delay;
        let events = self.poster.events();
        for (k, event) in events[from..].iter().enumerate() {
            tokio::select! {
                _ = tokio::time::sleep_until(t0 + interval * k as u32) => {}
                _ = stop.cancelled() => break,
            }
            let start = mono_ns();
            if let Some(slot) = self.clock.starts.get(seq as usize + 1) {
                slot.store(start, Ordering::Release);
            }
            let mut retries = 0;
            let reply = loop {
                match self.poster.post_one(event, seq, from + k).await {
                    Ok(reply) => break Some(reply),
                    Err(e) => {
                        retries += 1;
                        if retries == 1 || retries % 20 == 0 {
                            eprintln!(
                                "crease-loadtest: match {} seq {}: {e:#}; retrying",
                                self.clock.match_id,
                                seq + 1
                            );
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                            _ = stop.cancelled() => break None,
                        }
                    }
                }
            };
            let Some(reply) = reply else { break };
            windows.posted((mono_ns() - start) / 1_000, retries);
            if reply != seq + 1 {
                eprintln!(
                    "crease-loadtest: match {}: posted at seq {seq}, the server answered {reply}",
                    self.clock.match_id
                );
                windows.count(|t| t.gaps += 1);
            }
            seq = reply;
        }
        Scored {
            match_id: self.clock.match_id,
            first_seq: self.seq0 + 1,
            last_seq: seq,
            finished: seq as usize >= events.len(),
        }
    }
}
