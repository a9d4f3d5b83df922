//! The scorer of a fault run: a real Cricsheet match posted event by event at a steady pace,
//! each POST naming the seq it expects and carrying an `Idempotency-Key`, and retried with the
//! same key on a network error or a 5xx, moving to the next node, as a scorer's device does.
//! A 409 naming the match's seq moves it there: after a restore it enters again what the
//! backup lacks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crease::domain::Recorded;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::support::app::ADMIN_TOKEN;

/// The nodes' base URLs, by slot; a slot changes when its node is replaced.
pub type Slots = Arc<Mutex<Vec<String>>>;

/// Between tries of one request: short, so what is measured is the nodes' recovery rather than
/// a client's back-off.
const RETRY_GAP: Duration = Duration::from_millis(50);
/// Time without a stored event after which the scorer gives up and the run fails.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct Log {
    /// When each answer that stored an event arrived, and its seq, in order.
    pub stored: Vec<(Instant, i64)>,
    /// Requests sent again after a network error or a 5xx.
    pub retries: usize,
    /// 5xx answers other than 503: a failure the node should have reported as "try again".
    pub server_errors: Vec<String>,
    /// 409s that sent the scorer back (the database lost events it had stored).
    pub rewinds: usize,
    /// 409s that sent the scorer forward: an event stored whose key did not find it again.
    pub skips: usize,
    /// Why the scorer stopped before the end, if it did.
    pub failure: Option<String>,
}

pub struct MatchScorer {
    pub client: reqwest::Client,
    pub slots: Slots,
    pub match_id: i64,
    pub events: Vec<Recorded>,
    /// The gap between one new event and the next (retries are not paced).
    pub pace: Duration,
    /// How many of the last events wait for the fault to be over, so that a run always stores
    /// events after it, however slow or fast the machine, and its recovery can be measured.
    pub reserve: usize,
    /// Becomes true when the fault has ended.
    pub fault_over: watch::Receiver<bool>,
}

enum Outcome {
    Stored(i64),
    Retry,
    MoveTo(i64),
    Fail(String),
}

impl MatchScorer {
    /// Posts every event; `progress` follows the last stored seq.
    pub async fn run(mut self, progress: watch::Sender<i64>) -> Log {
        let mut log = Log::default();
        let mut index = 0usize;
        let mut node = 0usize;
        let mut next_at = Instant::now();
        let mut last_stored = Instant::now();
        let held_from = self.events.len().saturating_sub(self.reserve);
        while index < self.events.len() {
            tokio::time::sleep_until(next_at).await;
            if index >= held_from && !*self.fault_over.borrow() {
                // The wait is not time without progress: the scorer chose it.
                let _ = self.fault_over.wait_for(|over| *over).await;
                last_stored = Instant::now();
                next_at = Instant::now();
            }
            next_at = Instant::now().max(next_at) + self.pace;
            loop {
                if last_stored.elapsed() > PATIENCE {
                    log.failure = Some(format!("nothing stored for {PATIENCE:?} at event {index}"));
                    return log;
                }
                match self.post(index, node, &mut log).await {
                    Outcome::Stored(seq) => {
                        last_stored = Instant::now();
                        log.stored.push((last_stored, seq));
                        if seq != index as i64 + 1 {
                            log.failure = Some(format!("event {index} was stored at seq {seq}"));
                            return log;
                        }
                        progress.send_replace(seq);
                        index += 1;
                        break;
                    }
                    Outcome::Retry => {
                        log.retries += 1;
                        node += 1;
                        tokio::time::sleep(RETRY_GAP).await;
                    }
                    Outcome::MoveTo(current) => {
                        let current = usize::try_from(current).unwrap_or(0);
                        if current < index {
                            log.rewinds += 1;
                        } else {
                            log.skips += 1;
                        }
                        index = current.min(self.events.len());
                        break;
                    }
                    Outcome::Fail(why) => {
                        log.failure = Some(format!("event {index}: {why}"));
                        return log;
                    }
                }
            }
        }
        log
    }

    async fn post(&self, index: usize, node: usize, log: &mut Log) -> Outcome {
        let base = {
            let slots = self.slots.lock().expect("lock");
            slots[node % slots.len()].clone()
        };
        let (route, body) =
            crease::domain::wire::scoring_request(&self.events[index], index as i64);
        let url = format!("{base}/api/matches/{}/{route}", self.match_id);
        let sent = self
            .client
            .post(&url)
            .bearer_auth(ADMIN_TOKEN)
            .header(
                "Idempotency-Key",
                format!("fault-{}-{index}", self.match_id),
            )
            .json(&body)
            .send()
            .await;
        let Ok(res) = sent else {
            return Outcome::Retry;
        };
        let status = res.status();
        let Ok(text) = res.text().await else {
            return Outcome::Retry;
        };
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return match json["seq"].as_i64() {
                Some(seq) => Outcome::Stored(seq),
                None => Outcome::Fail(format!("{status} without a seq: {text}")),
            };
        }
        if status == StatusCode::CONFLICT {
            if let Some(current) = json["current_seq"].as_i64() {
                if current != index as i64 {
                    return Outcome::MoveTo(current);
                }
            }
            return Outcome::Fail(format!("{status}: {text}"));
        }
        if status.is_server_error() {
            if status != StatusCode::SERVICE_UNAVAILABLE {
                log.server_errors
                    .push(format!("{status} from {url}: {text}"));
            }
            return Outcome::Retry;
        }
        Outcome::Fail(format!("{status} from {url}: {text}"))
    }
}
