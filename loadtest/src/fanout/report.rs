//! A run's figures: shard reports summed, printed as a table or as one JSON object.

use std::collections::BTreeMap;

use serde::Serialize;

use super::shard::ShardReport;
use super::tracker::Counts;
use crate::hist::{human_us, new_hist, Summary};

/// Everything a fan-out (or idle) run measured. Field names are the JSON keys.
#[derive(Debug, Default, Serialize)]
pub struct FanoutReport {
    pub match_id: i64,
    pub nodes: Vec<String>,
    pub workers: usize,
    pub clients: u64,
    pub ws_clients: u64,
    pub sse_clients: u64,
    pub connected: u64,
    pub failed: u64,
    /// Clients the node compressed (permessage-deflate or gzip).
    pub compressed: u64,
    pub connect: Summary,
    pub posted: u64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub post_kinds: BTreeMap<String, u64>,
    /// Latency of each POST as the scorer saw it (ingest).
    pub post_latency: Summary,
    pub expected: u64,
    pub received: u64,
    pub missing: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
    pub resyncs: u64,
    pub covered_by_resync: u64,
    pub unexpected: u64,
    /// Bytes on the wire per received message: for WebSocket each message's frame, for SSE
    /// the body after the snapshot (viewer counts and keep-alives included); no TCP/IP headers.
    pub wire_bytes_per_msg: Option<f64>,
    /// Receipt minus the start of the POST that produced the seq.
    pub latency: Summary,
    /// From the first POST's start to the last receipt.
    pub delivery_secs: f64,
    pub delivered_per_sec: f64,
    pub generator_cpu_us: u64,
    pub node_cpu_us: Option<u64>,
    pub node_cpu_us_per_msg: Option<f64>,
    pub node_rss_before_kib: Option<u64>,
    pub node_rss_after_kib: Option<u64>,
    pub node_kib_per_connection: Option<f64>,
    pub errors: BTreeMap<String, u64>,
}

impl FanoutReport {
    /// Sums shard reports into this one (whose run-wide fields the caller sets).
    pub fn absorb(&mut self, shards: &[ShardReport], first_start_ns: Option<u64>) {
        let mut connect = new_hist();
        let mut latency = new_hist();
        let mut counts = Counts::default();
        let mut last_receipt = 0;
        for s in shards {
            self.clients += s.clients;
            self.ws_clients += s.ws;
            self.sse_clients += s.sse;
            self.connected += s.connected;
            self.failed += s.failed;
            self.compressed += s.compressed;
            self.expected += s.expected;
            self.generator_cpu_us += s.cpu_us;
            s.connect.add_to(&mut connect);
            s.latency.add_to(&mut latency);
            counts.add(&s.counts);
            last_receipt = last_receipt.max(s.last_receipt_ns);
            for (e, n) in &s.errors {
                *self.errors.entry(e.clone()).or_insert(0) += n;
            }
        }
        self.connect = Summary::of(&connect);
        self.latency = Summary::of(&latency);
        self.received = counts.received;
        self.missing = self
            .expected
            .saturating_sub(counts.received + counts.covered_by_resync);
        self.covered_by_resync = counts.covered_by_resync;
        self.duplicated = counts.duplicated;
        self.out_of_order = counts.out_of_order;
        self.resyncs = counts.resyncs;
        self.unexpected = counts.unexpected;
        if counts.received > 0 {
            let per = counts.wire_bytes as f64 / counts.received as f64;
            self.wire_bytes_per_msg = Some((per * 10.0).round() / 10.0);
        }
        if let Some(first) = first_start_ns.filter(|&f| last_receipt > f) {
            self.delivery_secs = (last_receipt - first) as f64 / 1e9;
            self.delivered_per_sec = (self.received as f64 / self.delivery_secs).round();
        }
    }

    /// A two-column table for people.
    pub fn table(&self) -> String {
        let lat = |s: &Summary| {
            if s.count == 0 {
                "-".to_owned()
            } else {
                format!(
                    "p50 {} · p90 {} · p99 {} · p99.9 {} · max {}",
                    human_us(s.p50_us),
                    human_us(s.p90_us),
                    human_us(s.p99_us),
                    human_us(s.p999_us),
                    human_us(s.max_us)
                )
            }
        };
        let mut rows: Vec<(&str, String)> = vec![
            ("nodes", self.nodes.join(", ")),
            ("match", self.match_id.to_string()),
            (
                "clients",
                format!(
                    "{} ({} WebSocket, {} SSE, {} worker(s))",
                    self.clients, self.ws_clients, self.sse_clients, self.workers
                ),
            ),
            (
                "connected / failed / compressed",
                format!("{} / {} / {}", self.connected, self.failed, self.compressed),
            ),
            ("connect to snapshot", lat(&self.connect)),
        ];
        if self.posted > 0 {
            rows.extend([
                (
                    "posted",
                    format!(
                        "{} (seq {}..={}) {:?}",
                        self.posted,
                        self.first_seq.unwrap_or(0),
                        self.last_seq.unwrap_or(0),
                        self.post_kinds
                    ),
                ),
                ("POST latency", lat(&self.post_latency)),
                (
                    "expected / received",
                    format!("{} / {}", self.expected, self.received),
                ),
                (
                    "missing / duplicated / out of order",
                    format!(
                        "{} / {} / {}",
                        self.missing, self.duplicated, self.out_of_order
                    ),
                ),
                (
                    "resyncs / unexpected",
                    format!(
                        "{} / {} (seqs made good by a resync: {})",
                        self.resyncs, self.unexpected, self.covered_by_resync
                    ),
                ),
                ("latency (POST start → receipt)", lat(&self.latency)),
                (
                    "wire bytes per message",
                    self.wire_bytes_per_msg
                        .map_or("-".to_owned(), |b| format!("{b:.1}")),
                ),
                (
                    "delivered",
                    format!(
                        "{:.0} msg/s over {:.2}s",
                        self.delivered_per_sec, self.delivery_secs
                    ),
                ),
            ]);
        }
        rows.push(("generator CPU", human_us(self.generator_cpu_us)));
        if let Some(cpu) = self.node_cpu_us {
            rows.push(("node CPU", human_us(cpu)));
        }
        if let Some(per) = self.node_cpu_us_per_msg {
            rows.push(("node CPU per delivered message", format!("{per:.2}µs")));
        }
        if let (Some(b), Some(a)) = (self.node_rss_before_kib, self.node_rss_after_kib) {
            rows.push(("node RSS before → after", format!("{b} KiB → {a} KiB")));
        }
        if let Some(k) = self.node_kib_per_connection {
            rows.push(("node memory per connection", format!("{k:.2} KiB")));
        }
        for (e, n) in &self.errors {
            rows.push(("client ended", format!("{n} × {e}")));
        }
        let width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        rows.iter()
            .map(|(k, v)| format!("{k:<width$}  {v}\n"))
            .collect()
    }
}
