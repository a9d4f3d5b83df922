//! The accept loop: HTTP/1.1 with upgrades, a cap on connections per node and per client
//! address, and a graceful drain.
//!
//! Our own loop rather than `axum::serve`: a WebSocket must come out of the upgrade as the
//! plain `TcpStream` (so the hub can write frames to it directly), connections over the cap
//! are refused with a clear 503 instead of failed accepts, and the count must follow a
//! connection into its WebSocket task after the HTTP exchange is over.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::http::edge::EdgeIo;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_address: usize,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_addr: HashMap<IpAddr, usize>,
}

/// The connection table; cheap to share.
#[derive(Clone)]
pub struct Admission {
    limits: Limits,
    counts: Arc<Mutex<Counts>>,
}

/// One admitted connection. Carried by each request (as an extension) so a WebSocket task can
/// keep it; the count drops when the last holder does.
#[derive(Clone)]
pub struct Slot(#[allow(dead_code)] Arc<SlotInner>);

struct SlotInner {
    addr: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.by_addr.get_mut(&self.addr) {
            *n -= 1;
            if *n == 0 {
                c.by_addr.remove(&self.addr);
            }
        }
        metrics::gauge!("crease_tcp_connections").set(c.total as f64);
    }
}

enum Refusal {
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

    fn admit(&self, addr: IpAddr) -> Result<Slot, Refusal> {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if c.total >= self.limits.max_connections {
            return Err(Refusal::Node);
        }
        let n = c.by_addr.entry(addr).or_default();
        if *n >= self.limits.max_per_address {
            return Err(Refusal::Address);
        }
        *n += 1;
        c.total += 1;
        metrics::gauge!("crease_tcp_connections").set(c.total as f64);
        Ok(Slot(Arc::new(SlotInner {
            addr,
            counts: self.counts.clone(),
        })))
    }
}

/// Seconds a client has to send its request headers: a slow-loris must not hold a slot.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Each connection's service: the `/live` hot path first, then the router.
#[derive(Clone)]
struct NodeService {
    state: crate::state::AppState,
    router: TowerToHyperService<Router>,
}

type RouterFuture = <TowerToHyperService<Router> as hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
>>::Future;

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for NodeService {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        std::future::Ready<Result<Self::Response, Self::Error>>,
        RouterFuture,
    >;

    fn call(&self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        let refused = crate::http::edge::refuse(&req, self.state.config.body_limit);
        if let Some(res) = refused {
            return futures::future::Either::Left(std::future::ready(Ok(res)));
        }
        match crate::http::read::fast_live(&self.state, &req) {
            Some(res) => futures::future::Either::Left(std::future::ready(Ok(res))),
            None => futures::future::Either::Right(self.router.call(req)),
        }
    }
}

pub async fn serve(
    listener: TcpListener,
    state: crate::state::AppState,
    router: Router,
    admission: Admission,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    drain: Duration,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors (or a transient error): pause instead of spinning;
                // the connections already held keep being served.
                metrics::counter!("crease_accept_errors_total").increment(1);
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let slot = match admission.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(why) => {
                tasks.spawn(refuse(stream, why));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = router.clone().layer(axum::Extension(slot.clone()));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .max_header_size(crate::http::edge::MAX_HEAD_BYTES)
            .serve_connection(
                TokioIo::new(EdgeIo::new(stream)),
                NodeService {
                    state: state.clone(),
                    router: TowerToHyperService::new(svc),
                },
            )
            .with_upgrades();
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.cancelled() => {
                    // Finish the request in flight, then close; keep-alive ends here.
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
            }
            drop(slot);
        });
    }
}

async fn refuse(mut stream: TcpStream, why: Refusal) {
    let (counter, detail) = match why {
        Refusal::Node => (
            "node",
            "this node holds as many connections as it can; try again",
        ),
        Refusal::Address => ("address", "too many connections from your address"),
    };
    metrics::counter!("crease_connections_refused_total", "limit" => counter).increment(1);
    let body = format!(
        r#"{{"type":"/problems/too-many-connections","title":"Service Unavailable","status":503,"detail":"{detail}"}}"#
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nretry-after: {}\r\nconnection: close\r\n\r\n{body}",
        body.len(),
        crate::error::RETRY_AFTER_SECS,
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

/// Raises this process's open-file soft limit to its hard limit and returns the soft limit.
pub fn raise_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => {
            let hard = rlimit::Resource::NOFILE.get().map(|(_, h)| h).unwrap_or(n);
            tracing::info!(soft = n, hard, "open-file limit raised");
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::Resource::NOFILE
                .get()
                .map(|(s, _)| s)
                .unwrap_or(1024)
        }
    }
}
