//! Admission: which connections a node takes. A cap per node and per client address, a small
//! reserve past the caps for authenticated writes, and the 503 a refused connection gets,
//! written straight to its socket since it never reaches the router.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_address: usize,
}

/// Connections admitted past the caps, per address and per node, for authenticated writes.
///
/// Thousands of viewers behind one address (a stadium's carrier NAT, an office) fill the
/// per-address cap, and a busy node fills its own; the scorer posting from that address must
/// still get through. Which kind a connection is shows only in its requests, so a connection
/// over a cap is admitted into this small reserve and each of its requests is checked: a
/// non-GET with a bearer token is served (the handler still checks the token), anything else
/// gets the same 503 a refused connection gets.
pub const RESERVE_PER_ADDRESS: usize = 16;
pub const RESERVE_PER_NODE: usize = 256;

#[derive(Default)]
struct Counts {
    total: usize,
    by_addr: HashMap<IpAddr, usize>,
    reserve_total: usize,
    reserve_by_addr: HashMap<IpAddr, usize>,
}

/// The connection table; cheap to share.
#[derive(Clone)]
pub struct Admission {
    limits: Limits,
    counts: Arc<Mutex<Counts>>,
}

/// One admitted connection. Each request carries it (inside an [`http::peer::Peer`]) so that a
/// stream can keep it; the count drops when the last holder does.
///
/// [`http::peer::Peer`]: crate::http::peer::Peer
#[derive(Clone)]
pub struct Slot(Arc<SlotInner>);

impl Slot {
    /// The client's address, as the socket shows it (a proxy in front shows its own).
    pub fn addr(&self) -> IpAddr {
        self.0.addr
    }

    /// The slot, type-erased, for the routes to hold without knowing what it is.
    pub fn held(&self) -> Arc<dyn std::any::Any + Send + Sync> {
        self.0.clone()
    }

    /// Whether this connection came in on the reserve, past a cap.
    pub(super) fn reserved(&self) -> Option<Refusal> {
        self.0.reserved
    }
}

struct SlotInner {
    addr: IpAddr,
    /// Which cap the connection was over when it was admitted into the reserve.
    reserved: Option<Refusal>,
    counts: Arc<Mutex<Counts>>,
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        let mut guard = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let c = &mut *guard;
        let (total, by_addr) = match self.reserved {
            None => (&mut c.total, &mut c.by_addr),
            Some(_) => (&mut c.reserve_total, &mut c.reserve_by_addr),
        };
        *total = total.saturating_sub(1);
        if let Some(n) = by_addr.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                by_addr.remove(&self.addr);
            }
        }
        metrics::gauge!("crease_tcp_connections").set((c.total + c.reserve_total) as f64);
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Refusal {
    Node,
    Address,
}

impl Admission {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            counts: Arc::default(),
        }
    }

    pub(super) fn admit(&self, addr: IpAddr) -> Result<Slot, Refusal> {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let over = if c.total >= self.limits.max_connections {
            Some(Refusal::Node)
        } else if c.by_addr.get(&addr).copied().unwrap_or(0) >= self.limits.max_per_address {
            Some(Refusal::Address)
        } else {
            None
        };
        match over {
            None => {
                *c.by_addr.entry(addr).or_default() += 1;
                c.total += 1;
            }
            Some(why) => {
                let here = c.reserve_by_addr.get(&addr).copied().unwrap_or(0);
                if c.reserve_total >= RESERVE_PER_NODE || here >= RESERVE_PER_ADDRESS {
                    return Err(why);
                }
                *c.reserve_by_addr.entry(addr).or_default() += 1;
                c.reserve_total += 1;
            }
        }
        metrics::gauge!("crease_tcp_connections").set((c.total + c.reserve_total) as f64);
        Ok(Slot(Arc::new(SlotInner {
            addr,
            reserved: over,
            counts: self.counts.clone(),
        })))
    }
}

/// Whether a request may use a reserved connection: a write that carries a bearer token, as
/// a scorer's ball or an admin's change does. A bad token still gets its 401 from the handler.
pub(super) fn may_use_reserve<B>(req: &hyper::Request<B>) -> bool {
    let writes = !matches!(
        *req.method(),
        hyper::Method::GET | hyper::Method::HEAD | hyper::Method::OPTIONS
    );
    let bearer = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    writes && bearer
}

impl Refusal {
    /// The `limit` label of `crease_connections_refused_total`, and the problem's detail.
    fn describe(self) -> (&'static str, &'static str) {
        match self {
            Refusal::Node => (
                "node",
                "this node holds as many connections as it can; try again",
            ),
            Refusal::Address => ("address", "too many connections from your address"),
        }
    }
}

/// The refusal of a request on a reserved connection that is not an authenticated write; the
/// connection closes after it, as a refused one does.
pub(super) fn over_cap_response(why: Refusal) -> axum::response::Response {
    let (counter, detail) = why.describe();
    metrics::counter!("crease_connections_refused_total", "limit" => counter).increment(1);
    let mut res = crate::http::error::problem_response(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "too-many-connections",
        detail.to_owned(),
        None,
        None,
    );
    let headers = res.headers_mut();
    headers.insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static(crate::http::error::RETRY_AFTER_SECS),
    );
    headers.insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    res
}

pub(super) async fn refuse(mut stream: TcpStream, why: Refusal) {
    let (counter, detail) = why.describe();
    metrics::counter!("crease_connections_refused_total", "limit" => counter).increment(1);
    let body = format!(
        r#"{{"type":"/problems/too-many-connections","title":"Service Unavailable","status":503,"detail":"{detail}"}}"#
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nretry-after: {}\r\nconnection: close\r\n\r\n{body}",
        body.len(),
        crate::http::error::RETRY_AFTER_SECS,
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        read_head(&mut stream).await;
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Reads a refused connection's request head (up to 8 KiB, for at most half a second) before it
/// is answered: an HTTP/1.1 client takes a response that comes before its request is written as
/// a protocol error, and a socket closed with the request unread is reset, losing the answer.
async fn read_head(stream: &mut TcpStream) {
    let mut head = [0u8; 8192];
    let mut seen = 0;
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while seen < head.len() {
            match stream.read(&mut head[seen..]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen += n,
            }
            if head[..seen].windows(4).any(|w| w == b"\r\n\r\n") {
                return;
            }
        }
    })
    .await;
}
