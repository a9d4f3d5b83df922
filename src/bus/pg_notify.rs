//! The fallback bus: a Postgres LISTEN on [`EVENTS_CHANNEL`], whose NOTIFY `append` sends in
//! the event's own transaction, with payload `<match_id>:<seq>:<epoch>`.
//!
//! A notification carries no message, only the fact that a seq exists, and it arrives at
//! commit, usually a few milliseconds before the Redis publish of the same event. So it is
//! handed on as a hint ([`BusSink::hint`]); the hub layer acts on it only if the seq has not
//! arrived by other means after a grace period. While Redis is healthy it costs nothing.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::BusSink;
use crate::store::EVENTS_CHANNEL;

/// Runs the listener until shutdown, reconnecting with backoff. `database_url` is the
/// store's: the listener holds one connection of its own, outside the store's pool, so a
/// busy pool can never starve it.
pub async fn run_listener(
    database_url: String,
    sink: Arc<dyn BusSink>,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_millis(100);
    // Nothing can have been missed before the first connection: there was nothing to miss.
    let mut recovering = false;
    loop {
        let connected = tokio::select! {
            _ = shutdown.cancelled() => return,
            c = tokio::time::timeout(Duration::from_secs(5), listen(&database_url)) => c,
        };
        match connected {
            Ok(Ok(mut listener)) => {
                backoff = Duration::from_millis(100);
                sink.set_fallback_live(true);
                if recovering {
                    // Notifications sent while we were away are gone for good.
                    sink.resync_all();
                }
                recovering = true;
                loop {
                    let next = tokio::select! {
                        _ = shutdown.cancelled() => return,
                        n = listener.try_recv() => n,
                    };
                    match next {
                        Ok(Some(note)) => hint(&*sink, note.payload()),
                        // The connection dropped and was re-made (`recv` would hide this):
                        // whatever was sent in between is lost, so recover every match.
                        Ok(None) => {
                            metrics::counter!("crease_bus_reconnects_total", "bus" => "pg_notify")
                                .increment(1);
                            sink.resync_all();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "postgres listener lost; reconnecting");
                            break;
                        }
                    }
                }
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "postgres LISTEN failed"),
            Err(_) => tracing::debug!("postgres LISTEN timed out"),
        }
        sink.set_fallback_live(false);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

fn hint(sink: &dyn BusSink, payload: &str) {
    match parse(payload) {
        Some((match_id, seq, epoch)) => {
            metrics::counter!("crease_bus_messages_total", "bus" => "pg_notify").increment(1);
            sink.hint(match_id, epoch, seq);
        }
        None => metrics::counter!("crease_bus_malformed_total").increment(1),
    }
}

/// `"<match_id>:<seq>:<epoch>"` as three numbers; a node from before epochs sends no epoch (0).
fn parse(payload: &str) -> Option<(i64, i64, i64)> {
    let (m, rest) = payload.split_once(':')?;
    let (s, e) = rest.split_once(':').unwrap_or((rest, "0"));
    Some((m.parse().ok()?, s.parse().ok()?, e.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_match_and_seq() {
        assert_eq!(super::parse("12:345:1700"), Some((12, 345, 1700)));
        assert_eq!(super::parse("12:345"), Some((12, 345, 0)));
        assert_eq!(super::parse("12"), None);
        assert_eq!(super::parse("a:1"), None);
    }
}
