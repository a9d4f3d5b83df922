//! The one scenario every fault runs in: two nodes (real processes) on one database and one
//! Redis, a real Cricsheet match replayed at speed by a scorer with Idempotency-Keys, WebSocket
//! and SSE viewers on each node and a poller of each node's `/live`; the fault strikes
//! mid-match, the match is played to its end, and then everything is checked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crease::domain::cricsheet;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::match_scorer::{Log, MatchScorer, Slots};
use super::observers::{follow, poll, Follower, Poller, Pos, Transport};
use super::verdict::{self, Row};
use crate::support::app::{eventually, ADMIN_TOKEN, DEADLINE};
use crate::support::db::{postgres_copy, postgres_restore};
use crate::support::node_process::{Node, Shared};
use crate::support::redis_proxy::{redis_addr, RedisProxy};
use crate::support::redis_server::PrivateRedis;
use crate::support::CREASE;

/// A T20 cut short by rain (a revised target, penalty runs, no result): about 85 events, so a
/// run stays short and light on a shared machine.
const MATCH_FILE: &str = "t20_2022-10-24_zimbabwe_v_south_africa.json";
/// Events per second the scorer posts: a whole match in a few seconds.
const PACE: Duration = Duration::from_millis(25);
/// The seq the match reaches before the fault strikes.
const FAULT_AT: i64 = 20;
/// Events the scorer keeps until the fault is over: recovery is measured on the first of them.
const RESERVE: usize = 10;
/// How long a fault with a duration (an outage, a hang) lasts.
const HOLD: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    RedisKilled,
    RedisHung,
    RedisCut,
    RedisRestartedEmpty,
    DatabaseCut,
    DatabaseRestoredFromOlderCopy,
    NodeSigkill,
    NodeGracefulShutdown,
    ScorerResponseDropped,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::RedisKilled => "redis_killed",
            Fault::RedisHung => "redis_hung",
            Fault::RedisCut => "redis_cut",
            Fault::RedisRestartedEmpty => "redis_restarted_empty",
            Fault::DatabaseCut => "database_cut",
            Fault::DatabaseRestoredFromOlderCopy => "database_restored_from_older_copy",
            Fault::NodeSigkill => "node_sigkill",
            Fault::NodeGracefulShutdown => "node_graceful_shutdown",
            Fault::ScorerResponseDropped => "scorer_response_dropped",
        }
    }

    /// Faults that stop or empty Redis itself get a server of their own.
    fn private_redis(self) -> bool {
        matches!(
            self,
            Fault::RedisKilled | Fault::RedisHung | Fault::RedisRestartedEmpty
        )
    }
}

/// The nodes and what stands between them and their servers.
struct Cluster {
    shared: Shared,
    private_redis: Option<PrivateRedis>,
    redis_proxy: Option<RedisProxy>,
    db_proxy: Option<RedisProxy>,
    /// The Redis URL the nodes are given.
    redis_url: String,
    nodes: Vec<Option<Node>>,
    slots: Slots,
}

impl Cluster {
    async fn new(fault: Fault) -> Cluster {
        let shared = Shared::new(CREASE).await;
        let private_redis = if fault.private_redis() {
            Some(PrivateRedis::start().await)
        } else {
            None
        };
        let redis_proxy = if fault == Fault::RedisCut {
            Some(RedisProxy::start().await)
        } else {
            None
        };
        let db_proxy = if fault == Fault::DatabaseCut {
            Some(RedisProxy::start_to(postgres_addr(&shared.db.url)).await)
        } else {
            None
        };
        let redis_url = match (&private_redis, &redis_proxy) {
            (Some(r), _) => r.url(),
            (_, Some(p)) => p.url(),
            _ => format!("redis://{}", redis_addr()),
        };
        let mut cluster = Cluster {
            shared,
            private_redis,
            redis_proxy,
            db_proxy,
            redis_url,
            nodes: Vec::new(),
            slots: Arc::default(),
        };
        for _ in 0..2 {
            let node = cluster.start_node().await;
            cluster.slots.lock().expect("lock").push(node.base.clone());
            cluster.nodes.push(Some(node));
        }
        cluster
    }

    /// A node on the cluster's database (through the proxy, if there is one) and Redis, once
    /// its bus listens on Redis.
    async fn start_node(&self) -> Node {
        let db_url = self.db_proxy.as_ref().map(|p| {
            let url = &self.shared.db.url;
            url.replacen(&postgres_addr(url), &p.addr().to_string(), 1)
        });
        let env: Vec<(&str, &str)> = db_url
            .as_deref()
            .map(|u| vec![("DATABASE_URL", u)])
            .unwrap_or_default();
        let node = Node::start(&self.shared, Some(&self.redis_url), &env).await;
        eventually("the node's bus on Redis", || async {
            (node.metric("crease_bus_in_use", &[("bus", "redis")]).await >= 1.0).then_some(())
        })
        .await;
        node
    }

    fn node(&self, slot: usize) -> &Node {
        self.nodes[slot].as_ref().expect("a node in the slot")
    }

    async fn redis_snapshot(&self, match_id: i64) -> Option<Vec<u8>> {
        match &self.private_redis {
            Some(r) => {
                r.get(&format!(
                    "{}match:{match_id}:live",
                    self.shared.redis_prefix
                ))
                .await
            }
            None => self.shared.redis_snapshot(match_id).await,
        }
    }
}

/// `host:port` of the Postgres server in a `postgres://user@host:port/db` URL.
fn postgres_addr(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

/// A poller of one node's `/live`.
struct Watch {
    slot: usize,
    stop: CancellationToken,
    task: JoinHandle<Poller>,
    /// Whether the node was serving when the fault ended (only those count for recovery).
    counts: bool,
}

struct Run {
    fault: Fault,
    cluster: Cluster,
    match_id: i64,
    done: watch::Receiver<Option<Pos>>,
    stop: CancellationToken,
    watches: Vec<Watch>,
    /// What the scorer posts to: the nodes, or a proxy in front of one.
    scorer_proxy: Option<RedisProxy>,
}

impl Run {
    fn watch_slot(&mut self, slot: usize) {
        let stop = self.stop.child_token();
        let base = self.cluster.node(slot).base.clone();
        let task = poll(
            format!("/live of node {slot} ({base})"),
            base,
            self.match_id,
            self.done.clone(),
            stop.clone(),
        );
        self.watches.push(Watch {
            slot,
            stop,
            task,
            counts: true,
        });
    }

    /// The node in `slot` is going: its poller stops and does not count for recovery.
    fn unwatch_slot(&mut self, slot: usize) {
        for w in self
            .watches
            .iter_mut()
            .filter(|w| w.slot == slot && w.counts)
        {
            w.stop.cancel();
            w.counts = false;
        }
    }

    async fn replace_node(&mut self, slot: usize) {
        let node = self.cluster.start_node().await;
        self.cluster.slots.lock().expect("lock")[slot] = node.base.clone();
        self.cluster.nodes[slot] = Some(node);
        self.watch_slot(slot);
        // A node that joins after the fault ended does not count for its recovery.
        self.watches.last_mut().expect("a watch").counts = false;
    }

    /// Strikes the fault once the match is at `FAULT_AT`, and returns when it ended (for an
    /// instant fault, when it struck).
    async fn strike(&mut self, progress: &mut watch::Receiver<i64>) -> Instant {
        wait_seq(progress, FAULT_AT).await;
        match self.fault {
            Fault::RedisKilled => {
                let redis = self.cluster.private_redis.as_mut().expect("private Redis");
                redis.kill();
                tokio::time::sleep(HOLD).await;
                redis.restart().await;
                Instant::now()
            }
            Fault::RedisHung => {
                let redis = self.cluster.private_redis.as_ref().expect("private Redis");
                redis.pause();
                tokio::time::sleep(HOLD).await;
                redis.resume();
                Instant::now()
            }
            Fault::RedisCut => {
                let proxy = self.cluster.redis_proxy.as_ref().expect("Redis proxy");
                proxy.cut();
                tokio::time::sleep(HOLD).await;
                proxy.restore();
                Instant::now()
            }
            Fault::RedisRestartedEmpty => {
                let redis = self.cluster.private_redis.as_ref().expect("private Redis");
                redis.flushall().await;
                Instant::now()
            }
            Fault::DatabaseCut => {
                let proxy = self.cluster.db_proxy.as_ref().expect("database proxy");
                proxy.cut();
                tokio::time::sleep(HOLD).await;
                proxy.restore();
                Instant::now()
            }
            Fault::DatabaseRestoredFromOlderCopy => {
                let backup = postgres_copy(&self.cluster.shared.db).await;
                let at = *progress.borrow();
                wait_seq(progress, at + FAULT_AT).await;
                postgres_restore(&self.cluster.shared.db, backup).await;
                Instant::now()
            }
            Fault::NodeSigkill => {
                self.unwatch_slot(0);
                // Dropping a node kills it with SIGKILL.
                drop(self.cluster.nodes[0].take());
                let ended = Instant::now();
                self.replace_node(0).await;
                ended
            }
            Fault::NodeGracefulShutdown => {
                let ended = Instant::now();
                self.cluster.node(0).terminate();
                let mut node = self.cluster.nodes[0].take().expect("node 0");
                assert!(
                    node.wait_exit().await,
                    "the node exits cleanly after SIGTERM"
                );
                self.unwatch_slot(0);
                self.replace_node(0).await;
                ended
            }
            Fault::ScorerResponseDropped => {
                let proxy = self.scorer_proxy.as_ref().expect("scorer proxy");
                proxy.drop_responses();
                tokio::time::sleep(HOLD / 2).await;
                proxy.restore();
                Instant::now()
            }
        }
    }
}

/// How long the match may take to reach a seq before the run is failed as hung (a loaded
/// machine is slow; this is no speed claim).
const HUNG: Duration = Duration::from_secs(40);

async fn wait_seq(progress: &mut watch::Receiver<i64>, seq: i64) {
    tokio::time::timeout(HUNG, progress.wait_for(|s| *s >= seq))
        .await
        .unwrap_or_else(|_| panic!("the match did not reach seq {seq}"))
        .expect("the scorer is running");
}

/// Plays the match through `fault`, checks everything, and reports the row.
pub async fn run(fault: Fault) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/cricsheet")
        .join(MATCH_FILE);
    let text = std::fs::read_to_string(&path).expect("the match file");
    let parsed = cricsheet::parse(&text).expect("the match parses");
    let cluster = Cluster::new(fault).await;

    let created = cluster
        .node(0)
        .client
        .post(cluster.node(0).url("/api/matches"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&crease::replay::create_match_body(&parsed))
        .send()
        .await
        .expect("create the match");
    assert_eq!(created.status(), 201, "the match is created");
    let match_id = created.json::<serde_json::Value>().await.expect("JSON")["id"]
        .as_i64()
        .expect("match id");

    let (done_tx, done) = watch::channel(None);
    let stop = CancellationToken::new();
    let (ready_tx, mut ready) = mpsc::channel(4);
    let mut followers = Vec::new();
    for slot in 0..2 {
        for transport in [Transport::Ws, Transport::Sse] {
            followers.push(follow(
                transport,
                slot,
                cluster.slots.clone(),
                match_id,
                ready_tx.clone(),
                done.clone(),
                stop.clone(),
            ));
        }
    }
    drop(ready_tx);
    for _ in 0..followers.len() {
        tokio::time::timeout(DEADLINE, ready.recv())
            .await
            .expect("every viewer has its opening snapshot")
            .expect("a viewer ended before its snapshot");
    }

    let scorer_proxy = if fault == Fault::ScorerResponseDropped {
        let addr = cluster
            .node(0)
            .base
            .trim_start_matches("http://")
            .to_owned();
        Some(RedisProxy::start_to(addr).await)
    } else {
        None
    };
    let scorer_slots: Slots = match &scorer_proxy {
        // Only through the proxy: each retry meets the dropped answers until they end.
        Some(p) => Arc::new(Mutex::new(vec![format!("http://{}", p.addr())])),
        None => cluster.slots.clone(),
    };
    let mut run = Run {
        fault,
        cluster,
        match_id,
        done,
        stop: stop.clone(),
        watches: Vec::new(),
        scorer_proxy,
    };
    run.watch_slot(0);
    run.watch_slot(1);

    let (progress_tx, mut progress) = watch::channel(0);
    let (fault_over_tx, fault_over) = watch::channel(false);
    let scorer = MatchScorer {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client"),
        slots: scorer_slots,
        match_id,
        events: parsed.events.clone(),
        pace: PACE,
        reserve: RESERVE,
        fault_over,
    };
    let scorer = tokio::spawn(scorer.run(progress_tx));
    let fault_ended = run.strike(&mut progress).await;
    fault_over_tx.send_replace(true);
    let log = scorer.await.expect("the scorer task");
    if let (Some(first), Some(last)) = (log.stored.first(), log.stored.last()) {
        eprintln!(
            "{}: {} events stored in {:?}, {} retries, {} rewinds",
            fault.name(),
            log.stored.len(),
            last.0 - first.0,
            log.retries,
            log.rewinds
        );
    }
    if let Some(why) = &log.failure {
        panic!("{}: the scorer stopped: {why}", fault.name());
    }

    // The truth at the end, and every viewer brought to it.
    let db = &run.cluster.shared.db;
    let stored = db.events_after(match_id, 0, 10_000).await.expect("events");
    let snapshot = db
        .snapshot(match_id)
        .await
        .expect("snapshot")
        .expect("a stored snapshot");
    let end: Pos = (snapshot.epoch, snapshot.seq);
    done_tx.send_replace(Some(end));
    let mut viewers: Vec<Follower> = Vec::new();
    for f in followers {
        viewers.push(
            tokio::time::timeout(DEADLINE, f)
                .await
                .expect("every viewer reaches the end")
                .expect("viewer task"),
        );
    }
    let mut pollers: Vec<(bool, Poller)> = Vec::new();
    for w in std::mem::take(&mut run.watches) {
        let p = tokio::time::timeout(DEADLINE, w.task)
            .await
            .expect("every /live poller ends")
            .expect("poller task");
        pollers.push((w.counts, p));
    }
    stop.cancel();
    eventually("Redis to hold the database's snapshot", || async {
        (run.cluster.redis_snapshot(match_id).await.as_deref() == Some(&snapshot.body[..]))
            .then_some(())
    })
    .await;

    let row = judge(
        fault,
        &parsed.events,
        &stored,
        &log,
        &viewers,
        &pollers,
        end,
        fault_ended,
    );
    verdict::report(&row);
    assert_clean(&row, &log, &viewers, &pollers, end, &run);
}

#[allow(clippy::too_many_arguments)]
fn judge(
    fault: Fault,
    file: &[crease::domain::Recorded],
    stored: &[crease::store::StoredEvent],
    log: &Log,
    viewers: &[Follower],
    pollers: &[(bool, Poller)],
    end: Pos,
    fault_ended: Instant,
) -> Row {
    let (mut lost, mut duplicates) = verdict::stored_against_file(file, stored);
    let mut backwards = 0;
    for v in viewers {
        let f = verdict::stream_faults(&v.seen);
        lost += f.gaps;
        duplicates += f.duplicates;
        backwards += f.backwards;
    }
    backwards += pollers.iter().map(|(_, p)| p.backwards).sum::<usize>();

    // Recovery: from the fault's end until the first event stored after it had reached every
    // viewer and the `/live` of every node that was serving then.
    let first_after = log
        .stored
        .iter()
        .find(|(t, _)| *t >= fault_ended)
        .map(|(_, seq)| (end.0, *seq))
        .expect("an event stored after the fault ended");
    let mut reached: Vec<Option<Instant>> = viewers
        .iter()
        .map(|v| verdict::follower_reached(v, first_after))
        .collect();
    reached.extend(
        pollers
            .iter()
            .filter(|(counts, _)| *counts)
            .map(|(_, p)| verdict::poller_reached(p, first_after)),
    );
    let recovery = verdict::slowest(fault_ended, &reached).expect("every viewer recovered");
    Row {
        fault: fault.name(),
        lost,
        duplicates,
        backwards,
        recovery,
    }
}

fn assert_clean(
    row: &Row,
    log: &Log,
    viewers: &[Follower],
    pollers: &[(bool, Poller)],
    end: Pos,
    run: &Run,
) {
    let name = row.fault;
    for v in viewers {
        assert_eq!(v.failure, None, "{name}: {}", v.label);
        assert_eq!(
            verdict::stream_faults(&v.seen),
            verdict::StreamFaults::default(),
            "{name}: {} applied each seq once, in order: {:?}",
            v.label,
            v.seen
                .iter()
                .map(|(_, m)| (m.epoch, m.seq, m.kind.as_str()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            v.pos(),
            Some(end),
            "{name}: {} ends at the last seq",
            v.label
        );
    }
    for (_, p) in pollers {
        assert_eq!(p.backwards, 0, "{name}: {} never went backwards", p.label);
    }
    // The nodes serving at the end serve the end.
    for w in pollers.iter().rev().take(2) {
        assert_eq!(
            w.1.reads.last().map(|r| r.1),
            Some(end),
            "{name}: {} serves the last seq",
            w.1.label
        );
    }
    assert_eq!(
        (row.lost, row.duplicates, row.backwards),
        (0, 0, 0),
        "{name}: every event stored once and seen once, in order"
    );
    assert!(
        log.server_errors.is_empty(),
        "{name}: a fault is answered 503, never another 5xx: {:?}",
        log.server_errors
    );
    assert_eq!(log.skips, 0, "{name}: no stored event was posted again");
    if run.fault == Fault::ScorerResponseDropped {
        assert!(log.retries > 0, "{name}: answers were dropped and retried");
    }
    if run.fault == Fault::DatabaseRestoredFromOlderCopy {
        assert!(
            log.rewinds > 0,
            "{name}: the scorer was sent back to the backup's seq"
        );
    }
}
