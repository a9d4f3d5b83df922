//! Building a node from its configuration, and running it until it is told to stop.
//!
//! `App` knows its own address (tests bind port 0) and owns every background task through its
//! [`Shutdown`], so that draining can wait for them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::bus::{local::LocalBus, pg_notify, redis::RedisBus, Bus, BusInUse, BusSink};
use crate::cache::SnapshotCache;
use crate::config::ServeConfig;
use crate::http::auth::SecretDigest;
use crate::http::auth_failures::AuthFailures;
use crate::http::state::{AppState, Shared};
use crate::hub::{Hubs, NodeSink};
use crate::ingest::Scoring;
use crate::redis_link::RedisLink;
use crate::server::{Admission, Limits};
use crate::shutdown::Shutdown;
use crate::store::Store;

pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    /// `/metrics` on an address of its own, when configured.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    admission: Admission,
}

/// How long shutdown waits for connections and tasks to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a generated admin token is written when `CREASE_ADMIN_TOKEN` is unset.
pub const ADMIN_TOKEN_FILE: &str = "crease-admin-token";

/// A token for this run, written to `ADMIN_TOKEN_FILE` (readable by its owner only) and never
/// to the log. If the file cannot be written, no one can hold the token: the admin's routes
/// stay shut until the node is restarted with `CREASE_ADMIN_TOKEN` set.
fn generated_admin_token() -> SecretDigest {
    let token = hex::encode(rand::random::<[u8; 24]>());
    match write_private(ADMIN_TOKEN_FILE, &token) {
        Ok(()) => tracing::info!(
            file = ADMIN_TOKEN_FILE,
            "no CREASE_ADMIN_TOKEN set; generated one for this run into the file"
        ),
        Err(e) => tracing::warn!(
            file = ADMIN_TOKEN_FILE,
            error = %e,
            "no CREASE_ADMIN_TOKEN set and the generated one could not be written: admin routes are shut"
        ),
    }
    SecretDigest::new(&token)
}

fn write_private(path: &str, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

/// The node's live parts before the web layer: the tiers of snapshots, the hubs of clients and
/// the bus between nodes, each with its background tasks under `shutdown`.
struct Core {
    cache: Arc<SnapshotCache>,
    hubs: Arc<Hubs>,
    bus: Bus,
    bus_in_use: Arc<BusInUse>,
}

fn redis_link(config: &ServeConfig) -> anyhow::Result<Option<Arc<RedisLink>>> {
    let Some(url) = &config.redis_url else {
        return Ok(None);
    };
    let urls: Vec<String> = url
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    let link = if config.redis_cluster || urls.len() > 1 {
        if config.redis_prefix.contains(['{', '}']) {
            anyhow::bail!("on a Redis Cluster CREASE_REDIS_PREFIX may not hold '{{' or '}}': keys are hash-tagged by match");
        }
        RedisLink::cluster(&urls, &config.redis_prefix, config.redis_timeout())
            .context("REDIS_URL does not name the nodes of a Redis Cluster")?
    } else {
        RedisLink::new(url, &config.redis_prefix, config.redis_timeout())
            .context("REDIS_URL is not a valid Redis URL")?
    };
    Ok(Some(Arc::new(link)))
}

/// Wires the cache, the hubs and the bus together: Redis pub/sub when there is Redis, with
/// Postgres NOTIFY beside it on Postgres; in-process otherwise.
fn start_core(
    config: &ServeConfig,
    store: &Store,
    redis: &Option<Arc<RedisLink>>,
    shutdown: &Shutdown,
) -> Core {
    // Reported from the start: 0 until the watchdog has seen Redis answer (or for ever, without one).
    metrics::gauge!("crease_redis_up").set(0.0);
    let cache = Arc::new(SnapshotCache::new(
        config.cache,
        store.clone(),
        redis.clone(),
    ));
    let hubs = Arc::new(Hubs::new(cache.clone(), shutdown.clone()));
    shutdown.spawn(hubs.clone().run_heartbeat());
    shutdown.spawn(
        hubs.clone()
            .run_viewer_counts(redis.clone(), config.viewer_cadence()),
    );
    let bus_in_use = Arc::new(BusInUse::new(if redis.is_some() {
        "redis"
    } else {
        "local"
    }));
    let sink: Arc<dyn BusSink> = Arc::new(NodeSink {
        hubs: hubs.clone(),
        in_use: bus_in_use.clone(),
    });
    if matches!(store, Store::Postgres(_)) {
        // NOTIFY is the fallback while Redis is down and, without Redis, how other nodes'
        // balls reach this one.
        shutdown.spawn(hubs.clone().run_hint_checks());
        shutdown.spawn(pg_notify::run_listener(
            config.store.database_url.clone(),
            sink.clone(),
            shutdown.token(),
        ));
    }
    let bus = match redis {
        Some(link) => {
            let (bus, publisher) = RedisBus::new(link.clone());
            let bus = bus.with_linger(config.shard_linger());
            shutdown.spawn(publisher.run(shutdown.token()));
            shutdown.spawn(bus.clone().run_subscriber(sink, shutdown.token()));
            shutdown.spawn(cache.clone().run_redis_watchdog(shutdown.token()));
            Bus::Redis(bus)
        }
        None => {
            let bus = LocalBus::default();
            bus.attach(sink);
            Bus::Local(bus)
        }
    };
    cache.set_bus(bus.clone());
    Core {
        cache,
        hubs,
        bus,
        bus_in_use,
    }
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {what} {addr}"))
}

/// The connection limits: the configured ones, within what the open-file limit allows once
/// descriptors are kept back for the database pool, Redis and files.
fn admission(config: &ServeConfig, file_limit: u64) -> Admission {
    let by_files = (file_limit as usize).saturating_sub(256).max(64);
    let max_connections = match config.max_connections {
        0 => by_files,
        n => n.min(by_files),
    };
    tracing::info!(max_connections, "connection limit");
    Admission::new(Limits {
        max_connections,
        max_per_address: config.max_connections_per_address.max(1),
    })
}

impl App {
    pub async fn build(config: ServeConfig) -> anyhow::Result<App> {
        let metrics = crate::telemetry::metrics_handle();
        let store = Store::open(&config.store).await?;
        let shutdown = Shutdown::new();
        shutdown.spawn(crate::telemetry::run_metrics_upkeep(
            metrics.clone(),
            shutdown.token(),
        ));
        let redis = redis_link(&config)?;
        let core = start_core(&config, &store, &redis, &shutdown);
        let scoring = Arc::new(Scoring::new(
            store.clone(),
            core.cache.clone(),
            core.bus.clone(),
        ));
        shutdown.spawn(
            scoring
                .clone()
                .run_engine_eviction(config.engine_idle(), shutdown.token()),
        );
        scoring.limit_replay_cpu(config.replay_cpu_percent, config.replay_idle.on());
        shutdown.spawn(crate::webhooks::run(
            store.clone(),
            config.webhook_max_backoff(),
            config.webhook_log_kept(),
            shutdown.token(),
        ));
        let admin_token = match config.admin_token.as_deref() {
            Some(t) if !t.is_empty() => SecretDigest::new(t),
            _ => generated_admin_token(),
        };

        let file_limit = crate::server::raise_file_limit();
        let listener = bind(config.addr, "the address").await?;
        let addr = listener.local_addr()?;
        let metrics_listener = match config.metrics_addr {
            Some(a) => Some(bind(a, "the metrics address").await?),
            None => None,
        };
        let admission = admission(&config, file_limit);
        let state = AppState::new(Shared {
            auth_failures: Arc::new(AuthFailures::new(config.auth_failures_per_minute)),
            origins: crate::http::origins::AllowedOrigins::new(&config.allowed_origins),
            metrics_token: config
                .metrics_token
                .as_deref()
                .filter(|t| !t.is_empty())
                .map(SecretDigest::new),
            config: Arc::new(config),
            store,
            cache: core.cache,
            bus: core.bus,
            bus_in_use: core.bus_in_use,
            redis,
            scoring,
            hubs: core.hubs,
            admin_token,
            metrics,
            shutdown,
        });
        Ok(App {
            listener,
            addr,
            metrics_listener,
            state,
            admission,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served when it has an address of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A token that, once cancelled, makes `run_until_stopped` drain and return.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.state.shutdown.token()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let App {
            listener,
            state,
            admission,
            metrics_listener,
            ..
        } = self;
        let shutdown = state.shutdown.clone();
        if state.config.demo {
            crate::demo::start(&state).await?;
        }
        tracing::info!(addr = %listener.local_addr()?, store = state.store.kind(), bus = state.bus.name(), allocator = crate::allocator::NAME, "crease is serving");
        let router = crate::http::app(state.clone());
        if let Some(metrics_listener) = metrics_listener {
            tracing::info!(addr = %metrics_listener.local_addr()?, "metrics are served apart");
            let metrics = crate::http::health::metrics_app(state.clone());
            let stop = state.shutdown.token();
            state.shutdown.spawn(async move {
                let served = axum::serve(metrics_listener, metrics)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            });
        }
        crate::server::serve(
            listener,
            state.clone(),
            router,
            admission,
            shutdown.clone(),
            DRAIN_TIMEOUT,
        )
        .await;
        if !shutdown.drain(DRAIN_TIMEOUT).await {
            tracing::warn!("connections and tasks did not finish within the drain timeout");
        }
        state.store.close().await;
        Ok(())
    }
}
