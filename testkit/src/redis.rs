//! The Redis every test shares. Each node gets a random key prefix so tests do not see each
//! other's keys, and the keys go when the test is done with them.

use std::time::Duration;

/// Where the real Redis listens unless `CREASE_TEST_REDIS_ADDR` says otherwise.
pub const DEFAULT_REDIS_ADDR: &str = "127.0.0.1:6379";

pub fn redis_addr() -> String {
    std::env::var("CREASE_TEST_REDIS_ADDR").unwrap_or_else(|_| DEFAULT_REDIS_ADDR.to_owned())
}

/// A prefix for one test's keys and channels.
pub fn random_prefix() -> String {
    format!("crease-t-{:016x}:", rand::random::<u64>())
}

/// A connection to the real Redis (not through any proxy), for reading keys directly.
pub async fn redis_direct() -> redis::aio::MultiplexedConnection {
    redis::Client::open(format!("redis://{}", redis_addr()))
        .expect("redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("direct Redis connection")
}

/// A missing Redis fails the test with a message saying so; it is never skipped.
pub async fn assert_redis_reachable(url: &str) {
    let client = redis::Client::open(url).expect("redis URL");
    let pong: Result<String, String> = async {
        let mut c = tokio::time::timeout(
            Duration::from_secs(5),
            client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| e.to_string())?;
        redis::cmd("PING")
            .query_async(&mut c)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    if let Err(e) = pong {
        panic!(
            "Redis is unreachable at {url} ({e}). These tests need a real server: start one, \
             or point CREASE_TEST_REDIS_ADDR at one."
        );
    }
}

/// Best effort, and blocking (it runs from `Drop`): removes the keys under `prefix` so the
/// shared Redis does not fill with test data.
pub fn delete_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(format!("redis://{}", redis_addr())) else {
        return;
    };
    let Ok(mut c) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut c)
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut c);
    }
}
