//! The accept loop: HTTP/1.1 with upgrades, each connection admitted (see [`admission`]) and
//! served until it closes or the node drains.
//!
//! Our own loop rather than `axum::serve`: a WebSocket must come out of the upgrade as the
//! plain `TcpStream` (so the hub can write frames to it directly), connections over the cap
//! are refused with a clear 503 instead of failed accepts, and the count must follow a
//! connection into its WebSocket task after the HTTP exchange is over.

mod admission;

use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use admission::{may_use_reserve, over_cap_response, refuse, Refusal};
pub use admission::{Admission, Limits, Slot};

use crate::http::edge::EdgeIo;
use crate::http::peer::Peer;
use crate::shutdown::Shutdown;

/// Each connection's service: the `/live` hot path first, then the router.
#[derive(Clone)]
struct NodeService {
    state: crate::http::state::AppState,
    router: TowerToHyperService<Router>,
    /// Set on a connection admitted into the reserve: which cap it is over.
    reserved: Option<Refusal>,
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
        if let Some(why) = self.reserved.filter(|_| !may_use_reserve(&req)) {
            let res = over_cap_response(why);
            return futures::future::Either::Left(std::future::ready(Ok(res)));
        }
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
    state: crate::http::state::AppState,
    router: Router,
    admission: Admission,
    shutdown: Shutdown,
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
                shutdown.spawn(refuse(stream, why));
                continue;
            }
        };
        let reserved = slot.reserved();
        let _ = stream.set_nodelay(true);
        let svc = router
            .clone()
            .layer(axum::Extension(Peer::new(slot.addr(), slot.held())));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(state.config.header_timeout())
            .max_header_size(crate::http::edge::MAX_HEAD_BYTES)
            .serve_connection(
                TokioIo::new(EdgeIo::new(stream, state.config.write_timeout())),
                NodeService {
                    state: state.clone(),
                    router: TowerToHyperService::new(svc),
                    reserved,
                },
            )
            .with_upgrades();
        let stop = shutdown.token();
        shutdown.spawn(async move {
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
