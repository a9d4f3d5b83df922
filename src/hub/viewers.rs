//! Live viewer counts per match, cheap at any scale. Each node counts its own viewers (the
//! connections of its match hubs) and, once a cadence, writes its count as one field of the
//! match's hash in Redis (`{prefix}match:ID:viewers`, on a cluster in the match's slot): the
//! field is the node, the value `COUNT:MILLIS`. No key per connection, no write per connect.
//!
//! The total is the sum of the fields reported within one cadence and a little slack
//! ([`fresh_for`]), so a node that dies drops out of the totals at most that long after it
//! died; the hash itself expires when no node reports at all. Report times are the nodes' own
//! clocks, which are assumed to agree to well within the slack (NTP does). Each node reads the totals of the matches its clients watch and
//! of those its match list shows, pushes a `viewers` message to its clients when a total
//! changes (at most once a cadence), and serves the totals in `/api/matches`. Without Redis a
//! node's own counts are the totals.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;

use super::frame::{ws_frame, Frame, OP_TEXT};
use super::Hubs;
use crate::redis_link::{RedisConn, RedisLink};

/// How long a node's field counts after it was written: one cadence (when its next report is
/// due) and slack for a busy node, a fifth of the cadence or 250 ms, whichever is more.
pub fn fresh_for(cadence: Duration) -> Duration {
    cadence + (cadence / 5).max(Duration::from_millis(250))
}
/// Matches whose totals one node reads per round, at most: a list of thousands of matches
/// must not turn into thousands of reads.
const MOST_READ: usize = 500;

pub struct Viewers {
    /// This node's field in every match's hash.
    node: String,
    /// The last total known for each match read.
    totals: DashMap<i64, u64>,
    /// The totals last pushed to each match's clients.
    pushed: Mutex<HashMap<i64, u64>>,
    /// Matches this node reported a count for last round (a match whose last viewer left is
    /// reported once more, as 0, rather than waiting for its field to go stale).
    reported: Mutex<HashSet<i64>>,
    /// The matches the node's match list showed last, whose totals it also reads.
    listed: Mutex<Vec<i64>>,
}

impl Default for Viewers {
    fn default() -> Self {
        Self {
            node: format!("{:016x}", rand::random::<u64>()),
            totals: DashMap::new(),
            pushed: Mutex::new(HashMap::new()),
            reported: Mutex::new(HashSet::new()),
            listed: Mutex::new(Vec::new()),
        }
    }
}

/// The message pushed to a match's clients. It is not part of the match's history, so it has
/// no seq or epoch (an SSE event without an `id`, which leaves the resume token alone).
pub fn viewers_message(match_id: i64, viewers: u64) -> Frame {
    let json = format!(r#"{{"type":"viewers","match_id":{match_id},"viewers":{viewers}}}"#);
    Frame::control(
        ws_frame(OP_TEXT, json.as_bytes()),
        Bytes::from(format!("data: {json}\n\n")),
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Viewers {
    /// The total for a match, if this node has read or counted one.
    pub fn total(&self, match_id: i64) -> Option<u64> {
        self.totals.get(&match_id).map(|t| *t)
    }

    /// The matches a list just showed: their totals are read from the next round on.
    pub fn listed(&self, ids: Vec<i64>) {
        *lock(&self.listed) = ids;
    }

    /// One round: report this node's counts, read the totals, push the ones that changed.
    async fn round(&self, hubs: &Hubs, link: Option<&RedisLink>, cadence: Duration) {
        let local: HashMap<i64, u64> = hubs
            .all()
            .into_iter()
            .map(|h| (h.match_id, h.viewers() as u64))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut report: Vec<(i64, u64)> = local.iter().map(|(m, n)| (*m, *n)).collect();
        {
            let mut reported = lock(&self.reported);
            report.extend(
                reported
                    .iter()
                    .filter(|m| !local.contains_key(m))
                    .map(|m| (*m, 0)),
            );
            *reported = local.keys().copied().collect();
        }
        let mut read: Vec<i64> = local.keys().copied().collect();
        read.extend(lock(&self.listed).iter().copied());
        read.sort_unstable();
        read.dedup();
        read.truncate(MOST_READ);

        let totals = match link {
            Some(link) if link.is_up() => self.exchange(link, &report, &read, cadence).await,
            // Redis is away: the totals stay as last read rather than drop to this node's own.
            Some(_) => return,
            None => read
                .iter()
                .map(|m| (*m, local.get(m).copied().unwrap_or(0)))
                .collect(),
        };
        self.totals.retain(|m, _| totals.contains_key(m));
        for (m, n) in &totals {
            self.totals.insert(*m, *n);
        }
        let mut pushed = lock(&self.pushed);
        pushed.retain(|m, _| local.contains_key(m));
        for hub in hubs.all() {
            let Some(&total) = totals.get(&hub.match_id) else {
                continue;
            };
            if pushed.insert(hub.match_id, total) != Some(total) {
                let frame = viewers_message(hub.match_id, total);
                for conn in hub.connections() {
                    conn.offer(&frame);
                }
            }
        }
    }

    /// Writes this node's counts and reads the totals, one short pipeline per match (each in
    /// its own slot on a cluster). A match whose read fails keeps its last total.
    async fn exchange(
        &self,
        link: &RedisLink,
        report: &[(i64, u64)],
        read: &[i64],
        cadence: Duration,
    ) -> HashMap<i64, u64> {
        let now = chrono::Utc::now().timestamp_millis();
        let fresh_ms = fresh_for(cadence).as_millis() as i64;
        let expire_ms = (cadence.as_millis() as i64 * 3).max(1_000);
        let counts: HashMap<i64, u64> = report.iter().copied().collect();
        let mut matches: Vec<i64> = counts.keys().copied().chain(read.iter().copied()).collect();
        matches.sort_unstable();
        matches.dedup();
        let calls = matches.iter().map(|&m| {
            let key = link.match_key(m, ":viewers");
            let mine = counts.get(&m).copied();
            let node = self.node.clone();
            async move {
                let answer = link
                    .call(|mut c: RedisConn| async move {
                        let mut p = redis::pipe();
                        match mine {
                            Some(0) => {
                                p.hdel(&key, &node).ignore();
                            }
                            Some(n) => {
                                p.hset(&key, &node, format!("{n}:{now}")).ignore();
                                p.pexpire(&key, expire_ms).ignore();
                            }
                            None => {}
                        }
                        p.hgetall(&key);
                        let (fields,): (HashMap<String, String>,) = p.query_async(&mut c).await?;
                        Ok(fields)
                    })
                    .await;
                (m, answer.ok())
            }
        });
        let answers = futures::future::join_all(calls).await;
        let mut totals = HashMap::new();
        for (m, fields) in answers {
            let Some(fields) = fields else {
                if let Some(t) = self.total(m) {
                    totals.insert(m, t);
                }
                continue;
            };
            let total = fields
                .values()
                .filter_map(|v| v.split_once(':'))
                .filter_map(|(n, at)| Some((n.parse::<u64>().ok()?, at.parse::<i64>().ok()?)))
                .filter(|(_, at)| now - at <= fresh_ms)
                .map(|(n, _)| n)
                .sum();
            totals.insert(m, total);
        }
        totals
    }

    /// Takes this node's fields out on shutdown, so its viewers leave the totals at once.
    async fn withdraw(&self, link: &RedisLink) {
        let reported: Vec<i64> = lock(&self.reported).iter().copied().collect();
        let calls = reported.into_iter().map(|m| {
            let key = link.match_key(m, ":viewers");
            let node = self.node.clone();
            link.call(|mut c: RedisConn| async move {
                redis::cmd("HDEL")
                    .arg(&key)
                    .arg(&node)
                    .query_async::<i64>(&mut c)
                    .await
            })
        });
        futures::future::join_all(calls).await;
    }
}

impl Hubs {
    /// Counts, reports and pushes viewer totals every `cadence` until shutdown.
    pub async fn run_viewer_counts(
        self: Arc<Self>,
        link: Option<Arc<RedisLink>>,
        cadence: Duration,
    ) {
        let mut tick = tokio::time::interval(cadence);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            self.viewers.round(&self, link.as_deref(), cadence).await;
        }
        if let Some(link) = &link {
            self.viewers.withdraw(link).await;
        }
    }
}
