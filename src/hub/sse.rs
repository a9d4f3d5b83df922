//! Server-Sent Events: a client's queue, drained by its response body. The first bytes are a
//! `retry:` hint; heartbeats are `: ping` comments; on shutdown the stream says so and ends,
//! and the browser reconnects (with `Last-Event-ID`) to another node.
//!
//! A client that accepts gzip may get the stream as one gzip stream made of events compressed
//! once per node ([`super::deflate::Segment`]): the queue then holds segments, and the body
//! keeps only the trailer's running CRC and length.

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

use super::conn::{Conn, Transport};
use super::deflate::{Segment, Trailer, GZIP_HEADER};
use super::match_hub::MatchHub;
use super::Hubs;

/// Milliseconds a browser waits before reconnecting.
pub const RETRY_MS: u32 = 2000;

/// Detaches the connection when the response body is dropped (client gone, or stream ended).
struct Attached {
    hubs: Arc<Hubs>,
    conn: Arc<Conn>,
    hub: Option<Arc<MatchHub>>,
    label: &'static str,
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.conn.kill();
        match self.hub {
            Some(_) => self.hubs.detach(&self.conn),
            None => self.hubs.ticker.detach(self.conn.id),
        }
        metrics::gauge!("crease_connections", "transport" => self.label).decrement(1.0);
    }
}

/// A match's event stream, seeded from the ring after `since` or with a snapshot.
pub async fn match_stream(
    hubs: Arc<Hubs>,
    match_id: i64,
    since: Option<super::Resume>,
    gzip: bool,
    slot: impl Send + Sync + 'static,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let conn = Arc::new(Conn::new(
        hubs.next_conn_id(),
        match_id,
        Transport::Sse { gzip },
        hubs.now_secs(),
    ));
    let (hub, ring) = hubs.attach(&conn, since);
    metrics::gauge!("crease_connections", "transport" => "sse").increment(1.0);
    if !hubs.seed(&conn, &hub, ring, since).await {
        conn.close_with(Bytes::from_static(b": match unavailable\n\n"));
    }
    stream(
        Attached {
            hubs,
            conn,
            hub: Some(hub),
            label: "sse",
        },
        slot,
    )
}

/// The ticker: every match's summary line as it changes.
pub fn ticker_stream(
    hubs: Arc<Hubs>,
    gzip: bool,
    slot: impl Send + Sync + 'static,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let conn = Arc::new(Conn::new(
        hubs.next_conn_id(),
        0,
        Transport::Sse { gzip },
        hubs.now_secs(),
    ));
    // The ticker carries no seq order, so the connection is live at once.
    conn.finish_seeding((0, 0), Vec::new());
    hubs.ticker.attach(conn.clone());
    metrics::gauge!("crease_connections", "transport" => "ticker").increment(1.0);
    stream(
        Attached {
            hubs,
            conn,
            hub: None,
            label: "ticker",
        },
        slot,
    )
}

/// How the body's bytes are encoded: as queued, or as one gzip stream.
enum Encoding {
    Plain,
    Gzip(Trailer),
    /// The gzip stream's end is written: nothing may follow.
    Ended,
}

impl Encoding {
    fn first(&mut self, plain: &[u8]) -> Bytes {
        match self {
            Self::Plain | Self::Ended => Bytes::copy_from_slice(plain),
            Self::Gzip(trailer) => {
                let data = Segment::take(&Segment::encode(plain), trailer);
                let mut out = Vec::with_capacity(GZIP_HEADER.len() + data.len());
                out.extend_from_slice(&GZIP_HEADER);
                out.extend_from_slice(&data);
                Bytes::from(out)
            }
        }
    }

    fn next(&mut self, queued: Bytes) -> Bytes {
        match self {
            Self::Plain | Self::Ended => queued,
            Self::Gzip(trailer) => Segment::take(&queued, trailer),
        }
    }

    /// The gzip stream's end, once; `None` for a plain stream.
    fn end(&mut self) -> Option<Bytes> {
        match std::mem::replace(self, Self::Ended) {
            Self::Gzip(trailer) => Some(trailer.finish()),
            Self::Plain | Self::Ended => None,
        }
    }
}

fn stream<S: Send + Sync + 'static>(
    attached: Attached,
    slot: S,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let mut encoding = if attached.conn.gzip() {
        Encoding::Gzip(Trailer::default())
    } else {
        Encoding::Plain
    };
    let retry = encoding.first(format!("retry: {RETRY_MS}\n\n").as_bytes());
    futures::stream::unfold(
        (attached, Some(retry), slot, encoding),
        |(att, first, slot, mut encoding)| async move {
            if let Some(first) = first {
                return Some((Ok(first), (att, None, slot, encoding)));
            }
            let shutdown = att.hubs.shutdown.token();
            loop {
                if let Some(bytes) = att.conn.pop() {
                    let bytes = encoding.next(bytes);
                    return Some((Ok(bytes), (att, None, slot, encoding)));
                }
                if att.conn.finished() {
                    let end = encoding.end()?;
                    return Some((Ok(end), (att, None, slot, encoding)));
                }
                if att.conn.take_resync() {
                    if let Some(hub) = &att.hub {
                        // Boxed: a store read is a large future, and rare.
                        Box::pin(att.hubs.resync(&att.conn, hub)).await;
                    }
                    continue;
                }
                tokio::select! {
                    _ = att.conn.wake.notified() => {}
                    _ = shutdown.cancelled() => {
                        att.conn.close_with(Bytes::from(format!(
                            "retry: {RETRY_MS}\n: server restarting; reconnect\n\n"
                        )));
                    }
                }
            }
        },
    )
}
