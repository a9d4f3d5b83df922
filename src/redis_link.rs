//! One managed connection to Redis (one server, or a Redis Cluster), shared by the snapshot tier
//! and the bus, and whether it is up.
//!
//! Every call is bounded by a short timeout: a hung Redis must not stall a request. A refused or
//! dropped connection, or a second timeout in a row, marks the link down; from then on callers
//! skip Redis until the watchdog has seen it answer again and the snapshot tier has repaired
//! what it missed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use crate::redis_conn::{ClusterPushes, RedisConn};

/// Which Redis a node talks to.
enum Client {
    Single(redis::Client),
    /// A Redis Cluster, through redis-rs's cluster client over RESP3: sharded pub/sub arrives
    /// as pushes on [`ClusterPushes`].
    Cluster(redis::cluster::ClusterClient),
}

pub struct RedisLink {
    client: Client,
    /// Filled lazily: a node must start, and serve from the database, while Redis is down.
    conn: RwLock<Option<RedisConn>>,
    /// Held while the connection is made, so that callers arriving together share one: a
    /// second cluster connection made beside the first would drop the first, and the sharded
    /// subscriptions on it with no word to anyone.
    connecting: tokio::sync::Mutex<()>,
    /// The pushes of the cluster client (sharded messages, subscription changes, disconnects).
    pushes: Option<ClusterPushes>,
    timeout: Duration,
    up: AtomicBool,
    /// Timeouts in a row (see [`TIMEOUTS_TO_DOWN`]).
    timeouts: AtomicU32,
    pub prefix: String,
    events: ClusterEvents,
}

/// What happened to a cluster's subscriptions, for the readiness report: how often a shard's
/// connection was lost or a slot moved away, and the last time.
#[derive(Default)]
pub struct ClusterEvents {
    inner: std::sync::Mutex<ClusterEventsSeen>,
}

#[derive(Default, Clone, serde::Serialize)]
pub struct ClusterEventsSeen {
    /// A shard's connection dropped (a primary died, or the network to it failed).
    pub connections_lost: u64,
    /// Redis unsubscribed a channel because its slot moved to another shard.
    pub slots_moved: u64,
    /// The last of these, in words, and when (milliseconds since 1970).
    pub last: Option<String>,
    pub last_at_ms: Option<i64>,
}

impl ClusterEvents {
    fn note(&self, what: &str, bump: impl FnOnce(&mut ClusterEventsSeen)) {
        let mut seen = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        bump(&mut seen);
        seen.last = Some(format!(
            "{what}; subscribed again and resynced the matches watched here by seq"
        ));
        seen.last_at_ms = Some(chrono::Utc::now().timestamp_millis());
    }

    pub fn note_lost(&self, why: &str) {
        self.note(why, |s| s.connections_lost += 1);
    }

    pub fn note_slot_moved(&self) {
        self.note("a watched channel's slot moved to another shard", |s| {
            s.slots_moved += 1
        });
    }

    pub fn seen(&self) -> ClusterEventsSeen {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Consecutive timeouts that mark the link down.
const TIMEOUTS_TO_DOWN: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("redis is marked down")]
    Down,
    #[error("redis call timed out")]
    Timeout,
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

impl RedisLink {
    /// One Redis at `url`.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, redis::RedisError> {
        let client = Client::Single(redis::Client::open(url)?);
        Ok(Self::on(client, None, prefix, timeout))
    }

    fn on(client: Client, pushes: Option<ClusterPushes>, prefix: &str, timeout: Duration) -> Self {
        Self {
            client,
            conn: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
            pushes,
            timeout,
            up: AtomicBool::new(false),
            timeouts: AtomicU32::new(0),
            prefix: prefix.to_owned(),
            events: ClusterEvents::default(),
        }
    }

    /// A Redis Cluster reached through any of `urls` (the rest of its nodes are discovered).
    pub fn cluster(
        urls: &[String],
        prefix: &str,
        timeout: Duration,
    ) -> Result<Self, redis::RedisError> {
        let pushes = ClusterPushes::default();
        let client = redis::cluster::ClusterClientBuilder::new(urls.to_vec())
            .use_protocol(redis::ProtocolVersion::RESP3)
            .push_sender(pushes.sender())
            .connection_timeout(timeout)
            .response_timeout(timeout)
            // A moved slot or a promoted replica answers within a retry or two; past that the
            // link's own timeout decides, as on one Redis.
            .retries(2)
            .min_retry_wait(20)
            .max_retry_wait(200)
            .build()?;
        Ok(Self::on(
            Client::Cluster(client),
            Some(pushes),
            prefix,
            timeout,
        ))
    }

    /// The client of one Redis, for its pattern subscription; `None` on a cluster.
    pub fn single_client(&self) -> Option<&redis::Client> {
        match &self.client {
            Client::Single(c) => Some(c),
            Client::Cluster(_) => None,
        }
    }

    pub fn cluster_events(&self) -> &ClusterEvents {
        &self.events
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self.client, Client::Cluster(_))
    }

    /// The cluster client's pushes; `None` on one Redis.
    pub fn pushes(&self) -> Option<&ClusterPushes> {
        self.pushes.as_ref()
    }

    /// A match's channel. On a cluster it is hash-tagged `{match:ID}`, as its snapshot key is,
    /// so the write-through and the publish of a ball go to one shard.
    pub fn match_channel(&self, match_id: i64) -> String {
        if self.is_cluster() {
            self.key(format_args!("{{match:{match_id}}}"))
        } else {
            self.key(format_args!("match:{match_id}"))
        }
    }

    /// A key of a match's own (`suffix` like `:live`), in the match's slot on a cluster.
    pub fn match_key(&self, match_id: i64, suffix: &str) -> String {
        format!("{}{suffix}", self.match_channel(match_id))
    }

    /// What every match key starts with before its id: `{prefix}match:` or `{prefix}{match:`.
    pub fn match_key_head(&self) -> String {
        if self.is_cluster() {
            self.key(format_args!("{{match:"))
        } else {
            self.key(format_args!("match:"))
        }
    }

    /// The channel of every match's summary line on a cluster, where a node hears the full
    /// messages only of the matches its clients watch.
    pub fn ticker_channel(&self) -> String {
        self.key(format_args!("ticker"))
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    pub fn mark_down(&self) {
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::warn!("redis marked down; serving from the database until it returns");
        }
        metrics::gauge!("crease_redis_up").set(0.0);
    }

    pub fn mark_up(&self) {
        if !self.up.swap(true, Ordering::AcqRel) {
            tracing::info!("redis is up");
        }
        metrics::gauge!("crease_redis_up").set(1.0);
    }

    pub fn key(&self, rest: std::fmt::Arguments<'_>) -> String {
        format!("{}{}", self.prefix, rest)
    }

    async fn connection(&self) -> Result<RedisConn, LinkError> {
        if let Some(conn) = self.conn.read().expect("lock poisoned").clone() {
            return Ok(conn);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(conn) = self.conn.read().expect("lock poisoned").clone() {
            return Ok(conn);
        }
        let conn = match &self.client {
            Client::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(1)
                    .set_max_delay(1_000);
                RedisConn::Single(
                    tokio::time::timeout(
                        self.timeout * 4,
                        ConnectionManager::new_with_config(client.clone(), config),
                    )
                    .await
                    .map_err(|_| LinkError::Timeout)??,
                )
            }
            // Asking every seed node for the slot map takes longer than one connection.
            Client::Cluster(client) => RedisConn::Cluster(
                tokio::time::timeout(self.timeout * 8, client.get_async_connection())
                    .await
                    .map_err(|_| LinkError::Timeout)??,
            ),
        };
        *self.conn.write().expect("lock poisoned") = Some(conn.clone());
        Ok(conn)
    }

    /// Runs `op` on the connection if the link is up, within the timeout; a failure marks it down.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, LinkError>
    where
        F: FnOnce(RedisConn) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_up() {
            return Err(LinkError::Down);
        }
        self.call_even_if_down(op).await
    }

    /// Like [`call`](Self::call) but tried even while marked down: for probes and repairs.
    pub async fn call_even_if_down<T, F, Fut>(&self, op: F) -> Result<T, LinkError>
    where
        F: FnOnce(RedisConn) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let result = match self.connection().await {
            Ok(conn) => match tokio::time::timeout(self.timeout, op(conn)).await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(LinkError::Redis(e)),
                Err(_) => Err(LinkError::Timeout),
            },
            Err(e) => Err(e),
        };
        match &result {
            Ok(_) => self.timeouts.store(0, Ordering::Release),
            // One late answer is as likely a busy node (its own task polled late) as a hung
            // Redis: only a second in a row marks the link down.
            Err(LinkError::Timeout) => {
                if self.timeouts.fetch_add(1, Ordering::AcqRel) + 1 >= TIMEOUTS_TO_DOWN {
                    self.mark_down();
                }
            }
            // A refused or dropped connection is down for sure; a command error is not.
            Err(LinkError::Redis(e))
                if !(e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal()) => {
            }
            Err(_) => self.mark_down(),
        }
        result
    }

    /// One PING, whatever the link's state.
    pub async fn probe(&self) -> bool {
        self.call_even_if_down(|mut c| async move {
            redis::cmd("PING").query_async::<String>(&mut c).await
        })
        .await
        .is_ok()
    }
}
