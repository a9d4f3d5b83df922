//! Realtime fan-out with real sockets and real servers: nodes run as separate processes of the
//! built binary on one Postgres and one Redis (a fresh database and key prefix per test), and
//! clients hold WebSocket and SSE connections to them.

mod abuse;
mod compression;
mod fanout;
mod limits;
mod redis_cut;
mod replay_stream;
mod restore;
mod resume;
mod shutdown;
mod slow_consumer;

use crate::support::redis_proxy::redis_addr;

fn redis_url() -> String {
    format!("redis://{}", redis_addr())
}
