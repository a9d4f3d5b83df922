//! The connection a request came on, as the accept loop hands it to the routes: the client's
//! address, and a token to keep for as long as the connection should count against the
//! node's limits (a WebSocket or SSE stream holds it until it ends).

use std::any::Any;
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct Peer {
    /// The client's address, as the socket shows it (a proxy in front shows its own).
    pub addr: IpAddr,
    held: Arc<dyn Any + Send + Sync>,
}

impl Peer {
    pub fn new(addr: IpAddr, held: Arc<dyn Any + Send + Sync>) -> Self {
        Self { addr, held }
    }

    /// What a stream keeps for its life, so that its connection still counts.
    pub fn hold(self) -> Arc<dyn Any + Send + Sync> {
        self.held
    }
}
