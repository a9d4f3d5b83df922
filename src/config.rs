//! Configuration: one clap struct per command, every knob also readable from the environment.
//!
//! With nothing set, the server runs embedded: a SQLite file in the working directory and an
//! in-process cache and bus. `DATABASE_URL=postgres://…` and `REDIS_URL=redis://…` select the
//! production shape.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Where events are stored.
#[derive(Args, Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite:crease.db` (embedded) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:crease.db")]
    pub database_url: String,
    /// Connections in the database pool.
    #[arg(long, env = "CREASE_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// How long a statement may run (Postgres `statement_timeout`; SQLite's lock wait), in
    /// milliseconds.
    #[arg(long, env = "CREASE_DB_TIMEOUT_MS", default_value_t = 5_000)]
    pub db_timeout_ms: u64,
    /// How long a request waits for a pooled connection, in milliseconds. Short: when the
    /// database is cut, a scorer should hear 503 and retry, not wait out the statement timeout.
    #[arg(long, env = "CREASE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 1_000)]
    pub db_acquire_timeout_ms: u64,
}

impl StoreConfig {
    pub fn db_timeout(&self) -> Duration {
        Duration::from_millis(self.db_timeout_ms)
    }

    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// L1 in process, then Redis (when configured), then the database.
    On,
    /// Every read goes to the database: the baseline that shows what the cache is worth.
    Off,
    /// skip L1: every read asks Redis, then the database — to measure the Redis tier.
    #[value(name = "no-l1")]
    NoL1,
}

/// A feature a client may ask for, which the operator can refuse to every client.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    pub fn on(self) -> bool {
        self == Self::On
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "CREASE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub store: StoreConfig,
    /// `redis://[:password@]host:port[/db]`; absent means the in-process cache and bus. Several
    /// URLs, comma-separated, name the seed nodes of a Redis Cluster.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Treat `REDIS_URL` as a Redis Cluster even when it names one node (the rest are found
    /// from it): keys and channels hash-tagged by match, sharded pub/sub.
    #[arg(long, env = "CREASE_REDIS_CLUSTER")]
    pub redis_cluster: bool,
    /// Prefix of every Redis key and channel, so several deployments or tests share one Redis.
    #[arg(long, env = "CREASE_REDIS_PREFIX", default_value = "crease:")]
    pub redis_prefix: String,
    /// A hung Redis must not stall a request: every call gives up after this many milliseconds.
    #[arg(long, env = "CREASE_REDIS_TIMEOUT_MS", default_value_t = 250)]
    pub redis_timeout_ms: u64,
    /// Token for fixtures and for scoring any match. Read only from `CREASE_ADMIN_TOKEN`
    /// (never a flag: a command line is visible to every user of the host in `ps`).
    #[arg(skip)]
    pub admin_token: Option<String>,
    /// Failed authentications (401s) one client address may have per minute before any request
    /// of its that authenticates gets 429; 0 turns the limit off.
    #[arg(long, env = "CREASE_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    pub auth_failures_per_minute: u32,
    /// Serve `/metrics` on this address instead of the main one (which then answers 404), so
    /// that it can be kept off the public network.
    #[arg(long, env = "CREASE_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// A bearer token `/metrics` then requires. Read only from `CREASE_METRICS_TOKEN`, as the
    /// admin token is.
    #[arg(skip)]
    pub metrics_token: Option<String>,
    /// Web origins (`https://club.example`, comma-separated; `*` for any) whose pages may open
    /// the WebSocket and SSE streams and read the API. The node's own origin always may.
    #[arg(long, env = "CREASE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    #[arg(long, value_enum, env = "CREASE_CACHE", default_value = "on")]
    pub cache: CacheMode,
    /// Seed an empty database with demo fixtures and keep a real match going live, ball by ball.
    #[arg(long)]
    pub demo: bool,
    /// Milliseconds between demo balls.
    #[arg(long, env = "CREASE_DEMO_INTERVAL_MS", default_value_t = 3_000)]
    pub demo_interval_ms: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CREASE_BODY_LIMIT", default_value_t = 16 * 1024)]
    pub body_limit: usize,
    /// Most connections this node holds at once; 0 means as many as its open-file limit allows.
    #[arg(long, env = "CREASE_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
    /// Most connections from one client address (a carrier NAT puts many phones behind one).
    #[arg(
        long,
        env = "CREASE_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 2_000
    )]
    pub max_connections_per_address: usize,
    /// Milliseconds a request may take before it is answered 503.
    #[arg(long, env = "CREASE_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Milliseconds a client has to send a request's line and headers, counted from when the
    /// connection opens or its last response ends, however many bytes trickle in meanwhile: a
    /// client sending its headers a byte at a time (slowloris) must not hold a connection for
    /// ever. An idle kept-alive connection is closed after the same time.
    #[arg(long, env = "CREASE_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Milliseconds a response (an SSE stream included) may wait on a client that takes none
    /// of its bytes before the connection is reset: a reader that stopped must not hold its
    /// buffers for ever.
    #[arg(long, env = "CREASE_WRITE_TIMEOUT_MS", default_value_t = 30_000)]
    pub write_timeout_ms: u64,
    /// Seconds a match's engine stays in memory with no ingest for it before it is dropped
    /// (and rebuilt from the event log on its next ball): the scoring node's memory follows
    /// the matches being scored. Longer than any break in play short of a day's end.
    #[arg(long, env = "CREASE_ENGINE_IDLE_SECS", default_value_t = 1_800)]
    pub engine_idle_secs: u64,

    /// Milliseconds between a node's reports of its viewer counts to Redis (and its reads of
    /// the totals, and at most one `viewers` message per match to its clients).
    #[arg(long, env = "CREASE_VIEWER_COUNT_MS", default_value_t = 5_000)]
    pub viewer_count_ms: u64,

    /// Milliseconds a node stays subscribed to a match's sharded channel (on a Redis Cluster)
    /// after its last viewer there left.
    #[arg(long, env = "CREASE_SHARD_LINGER_MS", default_value_t = 30_000)]
    pub shard_linger_ms: u64,

    /// Seconds a scoring device keeps a match's scoring lock without renewing it (the pad
    /// renews it every ten seconds): then another device may take it.
    #[arg(long, env = "CREASE_SCORING_LOCK_SECS", default_value_t = 30)]
    pub scoring_lock_secs: u64,

    /// The share of one core, in percent (1 to 100), that replays of match logs (past states,
    /// Cricsheet exports, replay streams) may use: their own budget, beside the live path's.
    #[arg(long, env = "CREASE_REPLAY_CPU_PERCENT", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub replay_cpu_percent: u32,

    /// Replays in the idle scheduling class: they run only on CPU nothing else wants, and on a
    /// saturated node they wait. `off` runs them at nice 19, which leaves them a sliver of a
    /// saturated node (test suites that load every core use it).
    #[arg(long, value_enum, env = "CREASE_REPLAY_IDLE", default_value = "on")]
    pub replay_idle: Switch,

    /// The longest wait between two attempts to deliver a webhook, in seconds: the wait
    /// doubles from one second after each failure up to this.
    #[arg(long, env = "CREASE_WEBHOOK_MAX_BACKOFF_SECS", default_value_t = 600)]
    pub webhook_max_backoff_secs: u64,

    /// How long the webhook delivery log keeps a delivered or failed delivery, in days: older
    /// ones are forgotten, so the log does not grow for ever.
    #[arg(long, env = "CREASE_WEBHOOK_LOG_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub webhook_log_days: u32,

    /// permessage-deflate for WebSocket clients that offer it (browsers do): each message is
    /// compressed once per node and the same frame goes to every such client.
    #[arg(long, value_enum, env = "CREASE_WS_DEFLATE", default_value = "on")]
    pub ws_deflate: Switch,

    /// A gzip SSE stream for clients that send `Accept-Encoding: gzip`, made of events
    /// compressed once per node.
    #[arg(long, value_enum, env = "CREASE_SSE_GZIP", default_value = "on")]
    pub sse_gzip: Switch,
}

impl ServeConfig {
    pub fn redis_timeout(&self) -> Duration {
        Duration::from_millis(self.redis_timeout_ms)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn scoring_lock_lapse(&self) -> Duration {
        Duration::from_secs(self.scoring_lock_secs.max(1))
    }

    pub fn webhook_max_backoff(&self) -> Duration {
        Duration::from_secs(self.webhook_max_backoff_secs.max(1))
    }

    pub fn webhook_log_kept(&self) -> Duration {
        Duration::from_secs(u64::from(self.webhook_log_days.max(1)) * 24 * 3600)
    }

    pub fn viewer_cadence(&self) -> Duration {
        Duration::from_millis(self.viewer_count_ms.max(100))
    }

    pub fn shard_linger(&self) -> Duration {
        Duration::from_millis(self.shard_linger_ms)
    }

    pub fn engine_idle(&self) -> Duration {
        Duration::from_secs(self.engine_idle_secs.max(1))
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms.max(1))
    }

    /// Embedded defaults for tests and tools: SQLite at `database_url`, no Redis, port 0.
    pub fn for_tests(database_url: &str) -> Self {
        Self {
            addr: "127.0.0.1:0".parse().expect("literal address"),
            store: StoreConfig {
                database_url: database_url.to_owned(),
                db_max_connections: 8,
                db_timeout_ms: 5_000,
                db_acquire_timeout_ms: 1_000,
            },
            redis_url: None,
            redis_cluster: false,
            viewer_count_ms: 5_000,
            shard_linger_ms: 30_000,
            redis_prefix: "crease:".into(),
            redis_timeout_ms: 250,
            admin_token: Some("test-admin-token".into()),
            auth_failures_per_minute: 30,
            allowed_origins: Vec::new(),
            metrics_addr: None,
            metrics_token: None,
            cache: CacheMode::On,
            demo: false,
            demo_interval_ms: 3_000,
            body_limit: 16 * 1024,
            max_connections: 0,
            max_connections_per_address: 2_000,
            request_timeout_ms: 10_000,
            header_timeout_ms: 10_000,
            write_timeout_ms: 30_000,
            engine_idle_secs: 1_800,
            scoring_lock_secs: 30,
            webhook_max_backoff_secs: 600,
            webhook_log_days: 30,
            replay_cpu_percent: 10,
            // Tests share every core with other tests: an idle-class replay could wait out
            // their deadlines.
            replay_idle: Switch::Off,
            ws_deflate: Switch::On,
            sse_gzip: Switch::On,
        }
    }
}
