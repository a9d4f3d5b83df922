//! The scorer side of a run: a real match's next events posted through the public API,
//! continuing from the match's current seq as `crease replay --match-id` does, one at a time
//! (each names the seq it expects, so they cannot overlap), at an interval or back to back.

use std::time::Duration;

use anyhow::{bail, Context};
use crease_domain::cricsheet;
use crease_domain::wire::scoring_request;
use crease_domain::Recorded;
use serde_json::Value;

use crate::hist::{new_hist, record, Summary};
use crate::sys::mono_ns;

pub struct Poster {
    client: reqwest::Client,
    base: String,
    token: String,
    match_id: i64,
    events: Vec<Recorded>,
}

/// What posting did: the seqs it produced, when each POST started, how long each took.
#[derive(Debug, Clone)]
pub struct Posted {
    pub first_seq: i64,
    pub last_seq: i64,
    /// Mono ns at which the POST producing `first_seq + i` started.
    pub starts_ns: Vec<u64>,
    pub post_latency: Summary,
    pub kinds: std::collections::BTreeMap<&'static str, u64>,
}

impl Poster {
    /// `file_text` is the Cricsheet match the server's match was imported from.
    pub fn new(base: &str, token: &str, match_id: i64, file_text: &str) -> anyhow::Result<Poster> {
        let parsed = cricsheet::parse(file_text).context("parsing the match file")?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1)
            .build()?;
        Ok(Poster {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            match_id,
            events: parsed.events,
        })
    }

    /// The match's events, as the file gives them.
    pub fn events(&self) -> &[Recorded] {
        &self.events
    }

    /// The match's seq now, from `/live`.
    pub async fn current_seq(&self) -> anyhow::Result<i64> {
        let url = format!("{}/api/matches/{}/live", self.base, self.match_id);
        let res = self.client.get(&url).send().await?;
        if !res.status().is_success() {
            bail!("GET {url}: {}", res.status());
        }
        let live: Value = res.json().await?;
        live.get("seq")
            .and_then(Value::as_i64)
            .with_context(|| format!("GET {url}: no seq"))
    }

    /// Posts `count` events after the current seq: one every `interval`, or back to back when
    /// `None`. Each start time is taken just before its POST leaves, so no viewer can receive
    /// that seq earlier.
    pub async fn post(&self, count: usize, interval: Option<Duration>) -> anyhow::Result<Posted> {
        let seq0 = self.current_seq().await?;
        let from = usize::try_from(seq0)?;
        if from + count > self.events.len() {
            bail!(
                "the match is at seq {seq0} and its file has {} events: {count} more do not fit \
                 (import a longer match, or one cut earlier with --live-at)",
                self.events.len()
            );
        }
        let mut hist = new_hist();
        let mut starts = Vec::with_capacity(count);
        let mut kinds = std::collections::BTreeMap::new();
        let t0 = tokio::time::Instant::now();
        let mut seq = seq0;
        for (k, event) in self.events[from..from + count].iter().enumerate() {
            if let Some(gap) = interval {
                tokio::time::sleep_until(t0 + gap * k as u32).await;
            }
            let start = mono_ns();
            starts.push(start);
            let reply = self.post_one(event, seq, from + k).await?;
            record(&mut hist, (mono_ns() - start) / 1_000);
            if reply != seq + 1 {
                bail!("posted at seq {seq}, the server answered seq {reply}");
            }
            seq = reply;
            *kinds.entry(event.event.kind()).or_insert(0) += 1;
        }
        Ok(Posted {
            first_seq: seq0 + 1,
            last_seq: seq,
            starts_ns: starts,
            post_latency: Summary::of(&hist),
            kinds,
        })
    }

    /// Posts the file's event at `index` as the one after `expected`; the stored seq.
    pub async fn post_one(
        &self,
        event: &Recorded,
        expected: i64,
        index: usize,
    ) -> anyhow::Result<i64> {
        let (route, body) = scoring_request(event, expected);
        let url = format!("{}/api/matches/{}/{route}", self.base, self.match_id);
        let res = self
            .client
            .post(&url)
            .bearer_auth(&self.token)
            .header(
                "Idempotency-Key",
                format!("loadtest-{}-{index}", self.match_id),
            )
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = res.status();
        let bytes = res.bytes().await?;
        if !status.is_success() {
            bail!("POST {url}: {status}: {}", String::from_utf8_lossy(&bytes));
        }
        let reply: Value = serde_json::from_slice(&bytes)?;
        reply
            .get("seq")
            .and_then(Value::as_i64)
            .with_context(|| format!("POST {url}: no seq in the answer"))
    }
}
