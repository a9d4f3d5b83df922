//! One managed connection to Redis, shared by the snapshot tier and the bus, and whether it is up.
//!
//! Every call is bounded by a short timeout: a hung Redis must not stall a request. The first
//! failure marks the link down; from then on callers skip Redis until the watchdog has seen it
//! answer again and the snapshot tier has repaired what it missed.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub struct RedisLink {
    client: redis::Client,
    /// Filled lazily: a node must start, and serve from the database, while Redis is down.
    conn: RwLock<Option<ConnectionManager>>,
    timeout: Duration,
    up: AtomicBool,
    pub prefix: String,
}

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
        if result.is_err() {
            self.mark_down();
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
