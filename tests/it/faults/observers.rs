//! The viewers of a fault run: WebSocket and SSE followers that reconnect (to their own node,
//! else the other) with their resume token whenever a stream ends, and a poller of `/live` per
//! node. Each keeps what it saw with the time it saw it, for the checks and the recovery time.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::match_scorer::Slots;
use crate::support::live_client::{Item, LiveClient, Msg};

/// A position in a match's history: `(epoch, seq)`, compared as a pair.
pub type Pos = (i64, i64);

/// How long a follower keeps trying to connect before the run fails.
const CONNECT_TRIES: usize = 400;
const CONNECT_GAP: Duration = Duration::from_millis(50);
const POLL_GAP: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy)]
pub enum Transport {
    Ws,
    Sse,
}

#[derive(Debug)]
pub struct Follower {
    pub label: String,
    pub seen: Vec<(Instant, Msg)>,
    pub connects: usize,
    pub failure: Option<String>,
}

impl Follower {
    pub fn pos(&self) -> Option<Pos> {
        self.seen.last().map(|(_, m)| (m.epoch, m.seq))
    }

    fn reached(&self, done: &watch::Receiver<Option<Pos>>) -> bool {
        let target = *done.borrow();
        target.is_some_and(|t| self.pos().is_some_and(|p| p >= t))
    }
}

/// A viewer of `match_id` over `transport`, at home on slot `home`. Sends on `ready` once it
/// has its first message; ends when it stands at `done`'s position, or on `stop`.
pub fn follow(
    transport: Transport,
    home: usize,
    slots: Slots,
    match_id: i64,
    ready: mpsc::Sender<()>,
    mut done: watch::Receiver<Option<Pos>>,
    stop: CancellationToken,
) -> JoinHandle<Follower> {
    tokio::spawn(async move {
        let mut f = Follower {
            label: format!("{transport:?} of node {home}"),
            seen: Vec::new(),
            connects: 0,
            failure: None,
        };
        let mut ready = Some(ready);
        'connect: loop {
            let since = f.seen.last().map(|(_, m)| m.token());
            let mut client = None;
            for attempt in 0..CONNECT_TRIES {
                if stop.is_cancelled() {
                    return f;
                }
                let base = {
                    let slots = slots.lock().expect("lock");
                    slots[(home + attempt) % slots.len()].clone()
                };
                let tried = match transport {
                    Transport::Ws => LiveClient::try_ws(&base, match_id, since.as_deref()).await,
                    Transport::Sse => LiveClient::try_sse(&base, match_id, since.as_deref()).await,
                };
                if let Ok(c) = tried {
                    client = Some(c);
                    break;
                }
                tokio::time::sleep(CONNECT_GAP).await;
            }
            let Some(mut client) = client else {
                f.failure = Some(format!("{}: no node took the connection", f.label));
                return f;
            };
            f.connects += 1;
            loop {
                if f.reached(&done) {
                    return f;
                }
                tokio::select! {
                    item = client.next() => match item {
                        Item::Msg(m) => {
                            f.seen.push((Instant::now(), m));
                            if let Some(tx) = ready.take() {
                                let _ = tx.send(()).await;
                            }
                        }
                        Item::End(_) => continue 'connect,
                    },
                    _ = done.changed() => {}
                    _ = stop.cancelled() => return f,
                }
            }
        }
    })
}

#[derive(Debug)]
pub struct Poller {
    pub label: String,
    /// Each position read that differs from the one before, with when it was read.
    pub reads: Vec<(Instant, Pos)>,
    /// Reads of a position below one this node served before.
    pub backwards: usize,
    /// Answers other than 200, and requests that failed.
    pub failures: usize,
}

/// Polls `/live` of `base` until it serves `done`'s position, or `stop`.
pub fn poll(
    label: String,
    base: String,
    match_id: i64,
    done: watch::Receiver<Option<Pos>>,
    stop: CancellationToken,
) -> JoinHandle<Poller> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        let url = format!("{base}/api/matches/{match_id}/live");
        let mut p = Poller {
            label,
            reads: Vec::new(),
            backwards: 0,
            failures: 0,
        };
        let mut highest: Option<Pos> = None;
        while !stop.is_cancelled() {
            match read_pos(&client, &url).await {
                Some(pos) => {
                    if highest.is_some_and(|h| pos < h) {
                        p.backwards += 1;
                    }
                    highest = highest.max(Some(pos));
                    if p.reads.last().map(|r| r.1) != Some(pos) {
                        p.reads.push((Instant::now(), pos));
                    }
                    if done.borrow().is_some_and(|t| pos >= t) {
                        return p;
                    }
                }
                None => p.failures += 1,
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL_GAP) => {}
                _ = stop.cancelled() => {}
            }
        }
        p
    })
}

async fn read_pos(client: &reqwest::Client, url: &str) -> Option<Pos> {
    let res = client.get(url).send().await.ok()?;
    if res.status() != reqwest::StatusCode::OK {
        return None;
    }
    let v: serde_json::Value = res.json().await.ok()?;
    Some((v["epoch"].as_i64()?, v["seq"].as_i64()?))
}
