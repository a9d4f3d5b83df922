//! Webhook deliveries: each node takes due deliveries from the database's queue under a lease,
//! signs and sends them, and records how it went. The queue is written in the transaction that
//! stores each event, so a delivery outlives any node; the lease means two nodes never send
//! the same delivery at once, and a node that dies mid-send leaves it to be sent again once
//! the lease lapses (receivers can tell a repeat by `Crease-Delivery`).

mod body;
mod sign;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Claimed, Sent, Store};
pub use body::delivery_body;
pub use sign::{signature, SIGNATURE_HEADER};

/// How long a claimed delivery is this node's: longer than a send may take.
const LEASE: Duration = Duration::from_secs(60);
/// How long a receiver has to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the queue is looked at when the last look found nothing due.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries claimed at once (at most one per hook).
const BATCH: i64 = 32;
/// How long a delivery is tried before it is marked failed and the hook's next one goes: a
/// receiver down for a day has a problem that retries will not mend.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// What is kept of a receiver's error, in characters.
const ERROR_KEPT: usize = 300;
/// How often each node prunes the delivery log of deliveries older than it keeps.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Deliveries forgotten per statement, so that no one statement holds the table for long.
const PRUNE_BATCH: i64 = 5_000;
/// Statements per pruning round: a log far over its age is brought down over a few rounds.
const PRUNE_ROUNDS: usize = 20;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The wait before attempt `attempts + 1`: one second, doubling, at most `max`.
pub fn backoff(attempts: i32, max: Duration) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    Duration::from_secs(1u64 << exp).min(max)
}

/// Forgets the finished deliveries made more than `keep` ago, a batch at a time; returns how
/// many went.
pub async fn prune(store: &Store, keep: Duration) -> u64 {
    let before = now_ms().saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
    let mut gone = 0;
    for _ in 0..PRUNE_ROUNDS {
        match store.prune_deliveries(before, PRUNE_BATCH).await {
            Ok(n) => {
                gone += n;
                if n < PRUNE_BATCH as u64 {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not prune the webhook delivery log");
                break;
            }
        }
    }
    if gone > 0 {
        metrics::counter!("crease_webhook_deliveries_pruned_total").increment(gone);
    }
    gone
}

/// Sends due deliveries until `stop`, and prunes the delivery log of those older than `keep`
/// once an hour.
pub async fn run(store: Store, max_backoff: Duration, keep: Duration, stop: CancellationToken) {
    let client = match reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        // A hook's URL is the admin's word; a redirect is the receiver's, and is not followed.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("crease-webhooks")
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client");
            return;
        }
    };
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(std::time::Instant::now());
            prune(&store, keep).await;
        }
        // A fresh token per round: the claimed rows read back are exactly this round's.
        let token = format!("{:032x}", rand::random::<u128>());
        let claimed = match store
            .claim_deliveries(now_ms(), LEASE.as_millis() as i64, &token, BATCH)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim webhook deliveries");
                vec![]
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(POLL) => continue,
            }
        }
        let sends = claimed
            .iter()
            .map(|c| deliver(&client, &store, &token, c, max_backoff));
        futures::future::join_all(sends).await;
        if stop.is_cancelled() {
            return;
        }
    }
}

async fn deliver(
    client: &reqwest::Client,
    store: &Store,
    token: &str,
    c: &Claimed,
    max_backoff: Duration,
) {
    let body = delivery_body(c);
    let sent_at = chrono::Utc::now().timestamp();
    let answer = client
        .post(&c.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("crease-delivery", c.id.to_string())
        .header(SIGNATURE_HEADER, signature(&c.secret, sent_at, &body))
        .body(body)
        .send()
        .await;
    let outcome = match answer {
        Ok(res) if res.status().is_success() => Ok(i32::from(res.status().as_u16())),
        Ok(res) => Err((
            Some(i32::from(res.status().as_u16())),
            format!("the receiver answered {}", res.status()),
        )),
        Err(e) => Err((None, e.to_string())),
    };
    let sent = match &outcome {
        Ok(status) => {
            metrics::counter!("crease_webhook_deliveries_total", "outcome" => "delivered")
                .increment(1);
            Sent::Delivered {
                status: *status,
                at_ms: now_ms(),
            }
        }
        Err((status, error)) => {
            metrics::counter!("crease_webhook_deliveries_total", "outcome" => "retry").increment(1);
            tracing::info!(delivery = c.id, attempts = c.attempts, %error, "webhook not delivered");
            Sent::Failed {
                status: *status,
                error: truncate(error),
                retry_ms: now_ms() + backoff(c.attempts, max_backoff).as_millis() as i64,
                give_up_before_ms: now_ms() - GIVE_UP_AFTER.as_millis() as i64,
            }
        }
    };
    if let Err(e) = store.finish_delivery(c.id, token, &sent).await {
        // The lease lapses and the delivery is sent again: a repeat, never a loss.
        tracing::warn!(delivery = c.id, error = %e, "could not record a webhook delivery");
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(ERROR_KEPT) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_up_to_the_most() {
        let max = Duration::from_secs(600);
        let waits: Vec<u64> = (1..=12).map(|a| backoff(a, max).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(backoff(i32::MAX, max), max);
        assert_eq!(backoff(0, max), Duration::from_secs(1));
    }
}
