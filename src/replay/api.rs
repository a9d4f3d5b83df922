//! The few routes a replay uses, with retries across a deployment's nodes and problem+json
//! read back as one line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crease_domain::cricsheet::CricsheetMatch;
use crease_domain::{MatchFormat, MatchSetup, Recorded};
use reqwest::{Client, Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::{Failure, Posted};
use crate::fixtures::title_of;

/// Network errors and 5xx are retried, the delay doubling up to a ceiling (or what the node's
/// `Retry-After` asks, within it), until the replay's patience has run out.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One deployment's API: requests go to the node at hand until it stops answering.
pub struct Api {
    client: Client,
    bases: Vec<String>,
    /// The node requests go to until one fails to answer.
    node: AtomicUsize,
    token: String,
    patience: Duration,
}

impl Api {
    /// `urls` are the nodes of one deployment, tried in turn; `patience` bounds the retries of
    /// one request.
    pub fn new(urls: &[String], token: &str, patience: Duration) -> Result<Self, Failure> {
        let mut bases = Vec::with_capacity(urls.len());
        for url in urls {
            let base = url.trim().trim_end_matches('/').to_owned();
            // reqwest is built without TLS here: a node speaks plain HTTP behind its balancer.
            if !base.starts_with("http://") {
                return Err(Failure::BadInput(format!(
                    "--url {base} must start with http:// (replay speaks plain HTTP to a node)"
                )));
            }
            bases.push(base);
        }
        if bases.is_empty() {
            return Err(Failure::BadInput("--url names no node".into()));
        }
        let client = Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| Failure::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            bases,
            node: AtomicUsize::new(0),
            token: token.to_owned(),
            patience,
        })
    }

    fn url(&self, path: &str) -> String {
        let i = self.node.load(Ordering::Relaxed) % self.bases.len();
        format!("{}{path}", self.bases[i])
    }

    /// The node at hand did not answer: the next request goes to the next one.
    fn next_node(&self) {
        self.node.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn current_seq(&self, match_id: i64) -> Result<i64, Failure> {
        #[derive(Deserialize)]
        struct Live {
            seq: i64,
        }
        let path = format!("/api/matches/{match_id}/live");
        let body = self.send(Method::GET, &path, None, None, true).await?;
        let live: Live = serde_json::from_slice(&body)
            .map_err(|e| Failure::Other(format!("GET {path}: unexpected answer: {e}")))?;
        Ok(live.seq)
    }

    pub async fn create_match(&self, m: &CricsheetMatch) -> Result<i64, Failure> {
        #[derive(Deserialize)]
        struct Created {
            id: i64,
        }
        let setup = &m.setup;
        let body = create_match_body(m);
        if api_setup(setup).as_ref() != Some(setup) {
            eprintln!(
                "crease replay: warning: the API creates this match with the usual limits for its \
                 format (innings per side), which differ from the file's; the \
                 server may refuse an event the file allows. Import it with --live-at 0 and \
                 replay with --match-id to keep the file's limits."
            );
        }
        let path = "/api/matches";
        // Creating is not idempotent: retried only when the request never reached the server.
        let reply = self
            .send(Method::POST, path, Some(&body), None, false)
            .await?;
        let created: Created = serde_json::from_slice(&reply)
            .map_err(|e| Failure::Other(format!("POST {path}: unexpected answer: {e}")))?;
        Ok(created.id)
    }

    pub async fn post_event(
        &self,
        match_id: i64,
        event: &Recorded,
        expected_seq: i64,
        key: &str,
    ) -> Result<Posted, Failure> {
        let (route, body) = crease_domain::wire::scoring_request(event, expected_seq);
        let path = format!("/api/matches/{match_id}/{route}");
        let reply = self
            .send(Method::POST, &path, Some(&body), Some(key), true)
            .await?;
        serde_json::from_slice(&reply)
            .map_err(|e| Failure::Other(format!("POST {path}: unexpected answer: {e}")))
    }

    /// Sends one request until it is answered 2xx; a 4xx is the input's fault and is not retried.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
        retry_after_sent: bool,
    ) -> Result<bytes::Bytes, Failure> {
        let deadline = Instant::now() + self.patience;
        let mut backoff = FIRST_BACKOFF;
        let mut wait = Duration::ZERO;
        let mut last = String::new();
        let mut tries = 0u32;
        loop {
            if tries > 0 {
                if Instant::now() + wait > deadline {
                    return Err(Failure::Other(format!(
                        "gave up after {tries} tries in {:.0} s: {last}",
                        self.patience.as_secs_f64()
                    )));
                }
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            tries += 1;
            wait = backoff;
            let url = self.url(path);
            let mut req = self
                .client
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(body) = body {
                req = req.json(body);
            }
            if let Some(key) = key {
                req = req.header("Idempotency-Key", key);
            }
            let res = match req.send().await {
                Ok(res) => res,
                Err(e) => {
                    last = format!("{method} {url}: {e}");
                    if retry_after_sent || e.is_connect() {
                        self.next_node();
                        continue;
                    }
                    return Err(Failure::Other(last));
                }
            };
            let asked = retry_after(res.headers());
            let status = res.status();
            let bytes = match res.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    last = format!("{method} {url}: reading the answer: {e}");
                    if retry_after_sent {
                        self.next_node();
                        continue;
                    }
                    return Err(Failure::Other(last));
                }
            };
            if status.is_success() {
                return Ok(bytes);
            }
            let problem = problem_text(status, &bytes);
            if status.is_client_error() {
                return Err(Failure::BadInput(format!("{method} {url}: {problem}")));
            }
            last = format!("{method} {url}: {problem}");
            if !retry_after_sent {
                return Err(Failure::Other(last));
            }
            // A node that cannot serve (its database cut, shutting down): another may.
            self.next_node();
            if let Some(asked) = asked {
                wait = asked.min(MAX_BACKOFF);
            }
        }
    }
}

/// The `POST /api/matches` body that sets up a Cricsheet match as its file does, as far as the
/// API's setup reaches (see [`api_setup`]).
pub fn create_match_body(m: &CricsheetMatch) -> Value {
    let setup = &m.setup;
    let mut body = json!({
        "title": title_of(setup),
        "format": setup.format,
        "teams": setup.teams,
        "overs": setup.overs_per_innings,
        "balls_per_over": setup.balls_per_over,
        "free_hit": setup.free_hit,
        "noball_runs": setup.noball_runs,
        "max_consecutive_overs": setup.max_consecutive_overs,
    });
    if let (Some(quota), Value::Object(map)) = (setup.bowler_quota_overs, &mut body) {
        map.insert("bowler_quota_overs".into(), json!(quota));
    }
    if let (Some(venue), Value::Object(map)) = (m.info.venue.as_ref(), &mut body) {
        map.insert("venue".into(), json!(venue));
    }
    body
}

/// A `Retry-After` given in seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// A problem+json answer as one line: status, title, detail and the field at fault.
fn problem_text(status: StatusCode, body: &[u8]) -> String {
    let Ok(Value::Object(p)) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text: String = text.chars().take(300).collect();
        return format!("{status}: {}", text.replace(['\n', '\r'], " "));
    };
    let text = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut line = format!("{status}");
    for (label, value) in [
        ("", text("title")),
        ("", text("detail")),
        ("field ", text("field")),
        ("type ", text("type")),
    ] {
        if !value.is_empty() {
            line.push_str(&format!("; {label}{value}"));
        }
    }
    if let Some(current) = p.get("current_seq").and_then(Value::as_i64) {
        line.push_str(&format!("; the match is at seq {current}"));
    }
    line
}

/// The setup `POST /api/matches` builds for this match's format, overs and balls per over.
fn api_setup(setup: &MatchSetup) -> Option<MatchSetup> {
    let teams = setup.teams.clone();
    let mut made = match (setup.format, setup.overs_per_innings) {
        (MatchFormat::Test, None) => MatchSetup::test(teams),
        (MatchFormat::Test, Some(_)) => return None,
        (format, overs) => MatchSetup::limited_overs(
            format,
            teams,
            overs.unwrap_or(if format == MatchFormat::Odi { 50 } else { 20 }),
        ),
    };
    made.balls_per_over = setup.balls_per_over;
    made.free_hit = setup.free_hit;
    made.noball_runs = setup.noball_runs;
    made.max_consecutive_overs = setup.max_consecutive_overs;
    made.bowler_quota_overs = setup.bowler_quota_overs;
    Some(made)
}
