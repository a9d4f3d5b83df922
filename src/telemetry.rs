//! What a node says about itself: logs (tracing, filtered by `RUST_LOG`, info for Crease and
//! warn for its libraries by default; error for redis-rs, whose cluster client warns at every
//! retry while a primary is down, which `/readyz` reports once) and metrics (one process-wide Prometheus recorder).

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,redis=error,crease=info,crease_domain=info"));
    // A second init (tests spawning several apps) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // stdout belongs to the commands' JSON output, and operators expect logs on stderr.
        .with_writer(std::io::stderr)
        .try_init();
}

/// The process-wide Prometheus recorder: metrics macros write to one global registry.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let latency = [
                0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
                .expect("bucket list is not empty");
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Someone else installed a recorder first: render ours, which stays empty.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// How often histogram samples are folded into their buckets when nothing scrapes `/metrics`.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the samples histograms have gathered into their buckets, as a scrape of `/metrics`
/// does. The recorder keeps every sample until one of the two happens, so a node that no
/// Prometheus scrapes (a first run, a scraper that is down) would otherwise grow by a few bytes
/// for every request and every ball it fans out, for as long as it runs.
pub async fn run_metrics_upkeep(handle: PrometheusHandle, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u32 = 0;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                handle.run_upkeep();
                ticks = ticks.wrapping_add(1);
                if ticks.is_multiple_of(TRIM_EVERY_TICKS) {
                    let started = std::time::Instant::now();
                    crate::allocator::return_free_memory();
                    metrics::histogram!("crease_memory_trim_seconds").record(started.elapsed());
                }
                if let Some(bytes) = crate::allocator::in_use() {
                    metrics::gauge!("crease_heap_bytes").set(bytes as f64);
                }
            }
        }
    }
}

/// Upkeep rounds between two trims: once a minute.
const TRIM_EVERY_TICKS: u32 = 12;
