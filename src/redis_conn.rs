//! A connection to one Redis or to a Redis Cluster behind one type, so the snapshot tier and the
//! bus send the same commands to either; and the cluster client's pushes, bounded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, PushInfo, RedisFuture, Value};
use tokio::sync::mpsc;

#[derive(Clone)]
pub enum RedisConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConn::Single(c) => c.req_packed_command(cmd),
            RedisConn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConn::Single(c) => c.req_packed_commands(cmd, offset, count),
            RedisConn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConn::Single(c) => c.get_db(),
            RedisConn::Cluster(c) => c.get_db(),
        }
    }
}

/// One shard to send a command to: a cluster primary's address, or the one Redis.
pub struct Shard(Option<(String, u16)>);

impl RedisConn {
    /// Every shard: each primary of a cluster that is not failing, or the one Redis.
    pub async fn shards(&mut self) -> redis::RedisResult<Vec<Shard>> {
        match self {
            RedisConn::Single(_) => Ok(vec![Shard(None)]),
            RedisConn::Cluster(c) => Ok(primaries(c)
                .await?
                .into_iter()
                .map(|a| Shard(Some(a)))
                .collect()),
        }
    }

    /// Runs `cmd` on that shard (`SCAN` walks one shard's keys).
    pub async fn on_shard(&mut self, shard: &Shard, cmd: &Cmd) -> redis::RedisResult<Value> {
        match (self, &shard.0) {
            (RedisConn::Cluster(c), Some((host, port))) => {
                let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                    host: host.clone(),
                    port: *port,
                });
                c.route_command(cmd, route).await
            }
            (conn, _) => cmd.query_async::<Value>(conn).await,
        }
    }
}

/// The cluster's primaries that are not failing, from `CLUSTER NODES`.
async fn primaries(c: &mut ClusterConnection) -> redis::RedisResult<Vec<(String, u16)>> {
    let nodes: String = redis::cmd("CLUSTER").arg("NODES").query_async(c).await?;
    Ok(nodes
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let _id = fields.next()?;
            let addr = fields.next()?;
            let flags = fields.next()?;
            let primary = flags.split(',').any(|f| f == "master")
                && !flags.split(',').any(|f| f == "fail" || f == "fail?");
            let (host, port) = addr.split('@').next()?.rsplit_once(':')?;
            primary.then(|| Some((host.to_owned(), port.parse().ok()?)))?
        })
        .collect())
}

/// Pushes waiting for the bus; past this they are dropped and the bus resyncs every match, as
/// after any loss: a node that cannot keep up must not queue without bound.
const PUSHES: usize = 8192;

/// The cluster client's push channel: bounded, with a mark when something was dropped.
pub struct ClusterPushes {
    tx: mpsc::Sender<PushInfo>,
    rx: Mutex<Option<mpsc::Receiver<PushInfo>>>,
    overflowed: Arc<AtomicBool>,
}

impl Default for ClusterPushes {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(PUSHES);
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            overflowed: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl ClusterPushes {
    /// What the cluster client hands each push to; it must not block.
    pub fn sender(&self) -> impl Fn(PushInfo) -> Result<(), ()> + Send + Sync + 'static {
        let tx = self.tx.clone();
        let overflowed = self.overflowed.clone();
        move |info| {
            if tx.try_send(info).is_err() {
                overflowed.store(true, Ordering::Release);
                metrics::counter!("crease_bus_push_overflows_total").increment(1);
            }
            Ok(())
        }
    }

    /// The receiving end, once: the bus's subscriber owns it.
    pub fn take(&self) -> Option<mpsc::Receiver<PushInfo>> {
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Whether pushes were dropped since the last call.
    pub fn take_overflow(&self) -> bool {
        self.overflowed.swap(false, Ordering::AcqRel)
    }
}
