//! A TCP proxy in front of the test Redis that a test can cut and restore, to play a Redis
//! outage without stopping the Redis every other test shares.
//!
//! `cut()` closes every open connection and, until `restore()`, closes each new one as soon as
//! it is accepted: clients see what they would see if Redis went away (EOF, reset, refused
//! handshakes), while the real server and its data stay as they were. `stall()` plays a hung
//! Redis instead: connections stay open but nothing is forwarded until `restore()`.
//! `drop_responses()` passes requests on and closes the connection instead of forwarding the
//! answer: a client that lost its response after the server acted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use crease_testkit::redis::redis_addr;

pub struct RedisProxy {
    addr: SocketAddr,
    inner: Arc<Inner>,
    accept: JoinHandle<()>,
}

struct Inner {
    upstream: String,
    /// `None` while cut. Each connection holds a clone of the token current when it was
    /// accepted; cancelling it is how `cut()` reaches every open connection at once.
    open: Mutex<Option<CancellationToken>>,
    /// While true, bytes are held in the proxy instead of forwarded, in both directions.
    stalled: watch::Sender<bool>,
    /// While true, whatever the server sends back closes the connection instead.
    dropping: Arc<AtomicBool>,
}

impl RedisProxy {
    /// Listens on 127.0.0.1:0, forwarding to the test Redis.
    pub async fn start() -> RedisProxy {
        Self::start_to(redis_addr()).await
    }

    /// Listens on 127.0.0.1:0, forwarding to any TCP server (`host:port`), such as Postgres.
    pub async fn start_to(upstream: String) -> RedisProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("proxy binds a local port");
        let addr = listener.local_addr().expect("proxy address");
        let inner = Arc::new(Inner {
            upstream,
            open: Mutex::new(Some(CancellationToken::new())),
            stalled: watch::Sender::new(false),
            dropping: Arc::new(AtomicBool::new(false)),
        });
        let accept = tokio::spawn(accept_loop(listener, inner.clone()));
        RedisProxy {
            addr,
            inner,
            accept,
        }
    }

    /// `host:port` the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `redis://` URL of the proxy, for `ServeConfig::redis_url`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// Closes every open connection and refuses new ones until `restore()`.
    pub fn cut(&self) {
        if let Some(token) = self.inner.open.lock().expect("lock").take() {
            token.cancel();
        }
    }

    /// Keeps every connection open but forwards nothing, as a hung server would.
    pub fn stall(&self) {
        self.inner.stalled.send_replace(true);
    }

    /// Forwards requests, but closes each connection when its answer arrives, unsent: the
    /// server has done what was asked and the client never hears of it.
    pub fn drop_responses(&self) {
        self.inner.dropping.store(true, Ordering::Release);
    }

    /// Ends a cut, a stall or dropped answers: forwards new connections, and held bytes, again.
    pub fn restore(&self) {
        self.inner.dropping.store(false, Ordering::Release);
        self.inner.stalled.send_replace(false);
        let mut open = self.inner.open.lock().expect("lock");
        if open.is_none() {
            *open = Some(CancellationToken::new());
        }
    }
}

impl Drop for RedisProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, inner: Arc<Inner>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let token = inner.open.lock().expect("lock").clone();
        match token {
            // Cut: dropping the accepted socket closes it at once.
            None => drop(client),
            Some(token) => {
                let stalled = inner.stalled.subscribe();
                let dropping = inner.dropping.clone();
                tokio::spawn(forward(
                    client,
                    inner.upstream.clone(),
                    token,
                    stalled,
                    dropping,
                ));
            }
        }
    }
}

async fn forward(
    client: TcpStream,
    upstream: String,
    token: CancellationToken,
    stalled: watch::Receiver<bool>,
    dropping: Arc<AtomicBool>,
) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        _ = token.cancelled() => {}
        _ = pump(client_read, server_write, stalled.clone(), None) => {}
        _ = pump(server_read, client_write, stalled, Some(dropping)) => {}
    }
    // Every half drops here: the client sees its connection close, as if Redis had gone.
}

/// Copies one direction, holding each chunk while the proxy is stalled. Given `dropping` (the
/// answers' direction), a chunk that arrives while it is set ends the connection unsent.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
    dropping: Option<Arc<AtomicBool>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stalled.wait_for(|s| !*s).await.is_err() {
            return;
        }
        if dropping.as_ref().is_some_and(|d| d.load(Ordering::Acquire)) {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
