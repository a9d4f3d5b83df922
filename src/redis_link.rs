//! One managed connection to Redis, shared by the snapshot tier and the bus, and whether it is up.
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

pub struct RedisLink {
    client: redis::Client,
    /// Filled lazily: a node must start, and serve from the database, while Redis is down.
    conn: RwLock<Option<ConnectionManager>>,
    timeout: Duration,
    up: AtomicBool,
    /// Timeouts in a row (see [`TIMEOUTS_TO_DOWN`]).
    timeouts: AtomicU32,
    pub prefix: String,
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
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            conn: RwLock::new(None),
            timeout,
            up: AtomicBool::new(false),
            timeouts: AtomicU32::new(0),
            prefix: prefix.to_owned(),
        })
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
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

    async fn connection(&self) -> Result<ConnectionManager, LinkError> {
        if let Some(conn) = self.conn.read().expect("lock poisoned").clone() {
            return Ok(conn);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1)
            .set_max_delay(1_000);
        let conn = tokio::time::timeout(
            self.timeout * 4,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| LinkError::Timeout)??;
        *self.conn.write().expect("lock poisoned") = Some(conn.clone());
        Ok(conn)
    }

    /// Runs `op` on the connection if the link is up, within the timeout; a failure marks it down.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, LinkError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
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
        F: FnOnce(ConnectionManager) -> Fut,
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
