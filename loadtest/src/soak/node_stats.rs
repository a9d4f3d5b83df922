//! What the node holds, read from outside it: resident memory, open files and threads from
//! `/proc/PID`, CPU time, and the runtime's live tasks and connections from `/metrics`.

use serde::Serialize;

use crate::sys::{cpu_us, vm_rss_kib};

#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeSample {
    pub pid: u32,
    pub rss_kib: u64,
    pub open_files: u64,
    pub threads: u64,
    /// CPU µs spent in this window.
    pub cpu_us: u64,
    /// `crease_runtime_alive_tasks` from the node's `/metrics`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<u64>,
    /// Sum of `crease_connections` over transports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewers: Option<u64>,
    /// `crease_engines_loaded`: matches whose scoring engine the node holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engines: Option<u64>,
    /// `crease_ring_bytes`: recent messages held for resuming clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ring_bytes: Option<u64>,
    /// `crease_heap_bytes`: what the allocator has handed out and not had back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heap_bytes: Option<u64>,
    /// `crease_redis_up`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_up: Option<u64>,
}

pub struct NodeWatch {
    pub pid: u32,
    pub metrics_url: String,
    last_cpu_us: u64,
}

impl NodeWatch {
    pub fn new(pid: u32, base: &str) -> NodeWatch {
        NodeWatch {
            pid,
            metrics_url: format!("{}/metrics", base.trim_end_matches('/')),
            last_cpu_us: cpu_us(Some(pid)).unwrap_or(0),
        }
    }

    pub async fn sample(&mut self, http: &reqwest::Client) -> NodeSample {
        let cpu = cpu_us(Some(self.pid)).unwrap_or(self.last_cpu_us);
        let mut s = NodeSample {
            pid: self.pid,
            rss_kib: vm_rss_kib(self.pid).unwrap_or(0),
            open_files: open_files(self.pid),
            threads: threads(self.pid),
            cpu_us: cpu.saturating_sub(self.last_cpu_us),
            ..NodeSample::default()
        };
        self.last_cpu_us = cpu;
        if let Ok(text) = scrape(http, &self.metrics_url).await {
            s.tasks = metric_sum(&text, "crease_runtime_alive_tasks");
            s.viewers = metric_sum(&text, "crease_connections");
            s.redis_up = metric_sum(&text, "crease_redis_up");
            s.engines = metric_sum(&text, "crease_engines_loaded");
            s.ring_bytes = metric_sum(&text, "crease_ring_bytes");
            s.heap_bytes = metric_sum(&text, "crease_heap_bytes");
        }
        s
    }
}

fn open_files(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}

fn threads(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn scrape(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let mut req = http.get(url);
    if let Ok(token) = std::env::var("CREASE_METRICS_TOKEN") {
        req = req.bearer_auth(token);
    }
    Ok(req.send().await?.error_for_status()?.text().await?)
}

/// The sum of every sample of `name` (any labels) in a Prometheus text page.
pub fn metric_sum(text: &str, name: &str) -> Option<u64> {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            continue;
        }
        let value: f64 = rest.rsplit(' ').next()?.parse().ok()?;
        *found.get_or_insert(0.0) += value;
    }
    found.map(|v: f64| v.max(0.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::metric_sum;

    #[test]
    fn sums_a_metric_over_its_labels() {
        let page = "# TYPE crease_connections gauge\n\
                    crease_connections{transport=\"ws\"} 7\n\
                    crease_connections{transport=\"sse\"} 3\n\
                    crease_connections_total 99\n\
                    crease_redis_up 1\n";
        assert_eq!(metric_sum(page, "crease_connections"), Some(10));
        assert_eq!(metric_sum(page, "crease_redis_up"), Some(1));
        assert_eq!(metric_sum(page, "crease_runtime_alive_tasks"), None);
    }
}
