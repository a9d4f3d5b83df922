//! A webhook receiver on loopback: every POST it gets, kept with its headers, answered 200. It
//! can be started on a port chosen (and given to a hook) long before, to be a receiver that was
//! down until then.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    stop: CancellationToken,
}

impl Receiver {
    /// A free loopback port nobody listens on yet.
    pub fn free_addr() -> SocketAddr {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("its address")
    }

    pub async fn start() -> Receiver {
        Self::start_on(Self::free_addr()).await
    }

    pub async fn start_on(addr: SocketAddr) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = got.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let kept = kept.clone();
                async move {
                    kept.lock().expect("lock").push(Received { headers, body });
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("the receiver's port");
        let stop = CancellationToken::new();
        let until = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(until.cancelled_owned())
                .await;
        });
        Receiver {
            url: Self::url_of(addr),
            got,
            stop,
        }
    }

    pub fn url_of(addr: SocketAddr) -> String {
        format!("http://{addr}/hook")
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
