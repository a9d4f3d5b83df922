//! A shard: the clients one process holds. It opens them at the ramp rate, reports when they
//! are seeded, and once posting is over waits (bounded) for every seq, then stops them and
//! turns their trackers into a [`ShardReport`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::client::{self, Outcome, Shared, Transport, CONNECT_TIMEOUT};
use super::tracker::Counts;
use crate::hist::{new_hist, record, Pairs};
use crate::net::{source_of, Node};
use crate::sys::{cpu_us, mono_ns};

/// Which clients a shard holds and how to open them.
#[derive(Debug, Clone)]
pub struct Plan {
    pub nodes: Vec<Node>,
    pub match_id: i64,
    /// Total clients over every shard, and this shard's place among `shards`.
    pub clients: usize,
    pub shard: usize,
    pub shards: usize,
    pub sse_share: f64,
    /// New connections per second over the whole run (0: as fast as possible).
    pub ramp: f64,
    pub balls: usize,
    pub sources: usize,
    /// Offer permessage-deflate (WebSocket) and accept gzip (SSE), as a browser does.
    pub compress: bool,
}

impl Plan {
    /// Global indices of this shard's clients: every `shards`-th, so each shard spreads over
    /// every node and source address.
    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        (self.shard..self.clients).step_by(self.shards.max(1))
    }

    pub fn len(&self) -> usize {
        self.indices().count()
    }

    /// Whether client `i` uses SSE: spread evenly, `sse_share` of them.
    fn is_sse(&self, i: usize) -> bool {
        let f = self.sse_share.clamp(0.0, 1.0);
        ((i + 1) as f64 * f).floor() > (i as f64 * f).floor()
    }
}

/// What a shard saw, in a form that crosses processes and merges by addition.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ShardReport {
    pub clients: u64,
    pub ws: u64,
    pub sse: u64,
    pub connected: u64,
    pub failed: u64,
    /// Clients whose connection the node compressed (deflate or gzip).
    #[serde(default)]
    pub compressed: u64,
    pub connect: Pairs,
    pub latency: Pairs,
    pub counts: Counts,
    pub expected: u64,
    /// Mono ns of the last receipt of an expected seq (0: none).
    pub last_receipt_ns: u64,
    pub cpu_us: u64,
    /// Why clients ended early, by reason.
    pub errors: BTreeMap<String, u64>,
}

pub struct Shard {
    shared: Arc<Shared>,
    last_tx: watch::Sender<Option<i64>>,
    spawner: JoinHandle<Vec<JoinHandle<Outcome>>>,
    count: usize,
}

impl Shard {
    pub fn start(plan: Plan) -> Shard {
        let (last_tx, last_rx) = watch::channel(None);
        let shared = Arc::new(Shared {
            match_id: plan.match_id,
            balls: plan.balls,
            compress: plan.compress,
            epoch_ns: mono_ns(),
            seeded: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            complete: AtomicUsize::new(0),
            last_seq: last_rx,
            stop: CancellationToken::new(),
        });
        let count = plan.len();
        let sh = shared.clone();
        let spawner = tokio::spawn(async move {
            let t0 = tokio::time::Instant::now();
            // This shard's share of the ramp: shards open their clients side by side.
            let rate = plan.ramp / plan.shards.max(1) as f64;
            let mut handles = Vec::with_capacity(count);
            for (k, i) in plan.indices().enumerate() {
                if sh.stop.is_cancelled() {
                    break;
                }
                if rate > 0.0 {
                    tokio::time::sleep_until(t0 + Duration::from_secs_f64(k as f64 / rate)).await;
                }
                let transport = if plan.is_sse(i) {
                    Transport::Sse
                } else {
                    Transport::Ws
                };
                let node = plan.nodes[i % plan.nodes.len()].clone();
                let source = source_of(i, plan.sources);
                handles.push(tokio::spawn(client::run(
                    sh.clone(),
                    transport,
                    node,
                    source,
                )));
            }
            handles
        });
        Shard {
            shared,
            last_tx,
            spawner,
            count,
        }
    }

    /// Waits until every client is seeded or has failed (bounded); returns (seeded, failed).
    pub async fn wait_seeded(&self, ramp: f64) -> (usize, usize) {
        let ramp_secs = if ramp > 0.0 {
            self.count as f64 * 1.0 / ramp
        } else {
            0.0
        };
        let deadline = tokio::time::Instant::now()
            + Duration::from_secs_f64(ramp_secs * 1.5)
            + CONNECT_TIMEOUT
            + Duration::from_secs(5);
        loop {
            let seeded = self.shared.seeded.load(Ordering::Acquire);
            let failed = self.shared.failed.load(Ordering::Acquire);
            if seeded + failed >= self.count || tokio::time::Instant::now() >= deadline {
                return (seeded, failed);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Posting is over at `last_seq` (`None`: nothing was posted) with POSTs started at
    /// `starts_ns`; waits up to `drain` for every seeded client to have it all, then stops.
    pub async fn finish(
        self,
        last_seq: Option<i64>,
        starts_ns: &[u64],
        drain: Duration,
    ) -> ShardReport {
        let _ = self.last_tx.send(last_seq);
        if last_seq.is_some() {
            let deadline = tokio::time::Instant::now() + drain;
            loop {
                let s = &self.shared;
                let done = s.complete.load(Ordering::Acquire) + s.failed.load(Ordering::Acquire);
                if done >= self.count || tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        self.shared.stop.cancel();
        let handles = self.spawner.await.unwrap_or_default();
        let mut outcomes = Vec::with_capacity(handles.len());
        for h in handles {
            if let Ok(o) = h.await {
                outcomes.push(o);
            }
        }
        report(&self.shared, outcomes, starts_ns)
    }
}

fn report(shared: &Shared, outcomes: Vec<Outcome>, starts_ns: &[u64]) -> ShardReport {
    let posted = starts_ns.len();
    let mut connect = new_hist();
    let mut latency = new_hist();
    let mut r = ShardReport {
        clients: outcomes.len() as u64,
        ..ShardReport::default()
    };
    for o in outcomes {
        match o.transport {
            Transport::Ws => r.ws += 1,
            Transport::Sse => r.sse += 1,
        }
        r.compressed += u64::from(o.compressed);
        if let Some(us) = o.connect_us {
            record(&mut connect, us);
        }
        if o.tracker.seeded() {
            r.connected += 1;
            r.expected += posted as u64;
        } else {
            r.failed += 1;
        }
        // A client stopped by the shard ends without an error; any other end is a finding.
        if let Some(e) = o.error {
            let key: String = e.chars().take(120).collect();
            *r.errors.entry(key).or_insert(0) += 1;
        }
        r.counts.add(&o.tracker.counts);
        for &(off, at_us) in &o.tracker.receipts {
            let Some(&start) = starts_ns.get(off as usize) else {
                continue;
            };
            let at_ns = shared.epoch_ns + at_us as u64 * 1_000;
            r.last_receipt_ns = r.last_receipt_ns.max(at_ns);
            record(&mut latency, at_ns.saturating_sub(start) / 1_000);
        }
    }
    r.connect = Pairs::of(&connect);
    r.latency = Pairs::of(&latency);
    r.cpu_us = cpu_us(None).unwrap_or(0);
    r
}
