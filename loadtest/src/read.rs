//! `read`: `GET /live` from C keep-alive connections for T seconds, over a minimal HTTP/1.1
//! client (request bytes out, headers and a Content-Length body in): the generator shares the
//! machine with the node, so it must spend as little CPU per request as it can.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::hist::{human_us, new_hist, record, Pairs, Summary};
use crate::net::{connect_from, source_of, Node};
use crate::sys::{cpu_us, mono_ns};

#[derive(Args, Debug, Clone)]
pub struct ReadArgs {
    /// The node's base URL (loopback only).
    #[arg(long)]
    pub url: String,
    #[arg(long = "match")]
    pub match_id: i64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Send `If-None-Match` with the current ETag (expect 304s).
    #[arg(long, conflicts_with = "past")]
    pub etag: bool,
    /// Ask for past states instead (`/live?at=SEQ`), over seqs 1..=N: each connection walks
    /// them from its own starting point, so readers spread over states kept and replayed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub past: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct ReadReport {
    pub url: String,
    pub match_id: i64,
    pub connections: usize,
    pub seconds: f64,
    pub etag: bool,
    pub past: Option<i64>,
    pub requests: u64,
    pub requests_per_sec: f64,
    pub status: BTreeMap<u16, u64>,
    pub x_cache: BTreeMap<String, u64>,
    pub errors: u64,
    pub latency: Summary,
    pub generator_cpu_us: u64,
}

/// One response's facts.
struct Answer {
    status: u16,
    x_cache: Option<String>,
    etag: Option<String>,
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn get(&mut self, request: &[u8]) -> anyhow::Result<Answer> {
        self.stream.write_all(request).await?;
        // Headers: read until the blank line.
        let end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            if self.buf.len() > 64 * 1024 {
                bail!("headers too long");
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..end]).context("headers not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let (mut len, mut x_cache, mut etag) = (0usize, None, None);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                len = value.parse().context("bad Content-Length")?;
            } else if name.eq_ignore_ascii_case("x-cache") {
                x_cache = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("etag") {
                etag = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                bail!("chunked answers are not expected from /live");
            }
        }
        while self.buf.len() < end + len {
            self.fill().await?;
        }
        self.buf.drain(..end + len);
        Ok(Answer {
            status,
            x_cache,
            etag,
        })
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn request(node: &Node, match_id: i64, etag: Option<&str>) -> Vec<u8> {
    request_at(node, match_id, None, etag)
}

fn request_at(node: &Node, match_id: i64, at: Option<i64>, etag: Option<&str>) -> Vec<u8> {
    let query = at.map(|seq| format!("?at={seq}")).unwrap_or_default();
    let mut r = format!(
        "GET /api/matches/{match_id}/live{query} HTTP/1.1\r\nHost: {}\r\nUser-Agent: crease-loadtest\r\n",
        node.host
    );
    if let Some(e) = etag {
        r.push_str(&format!("If-None-Match: {e}\r\n"));
    }
    r.push_str("\r\n");
    r.into_bytes()
}

#[derive(Default)]
struct Tally {
    status: BTreeMap<u16, u64>,
    x_cache: BTreeMap<String, u64>,
    errors: u64,
    latency: Pairs,
}

pub async fn run(args: ReadArgs) -> anyhow::Result<()> {
    let node = Node::parse(&args.url)?;
    // One plain request first: the ETag to send, and a clear error if the match is not there.
    let mut probe = Conn {
        stream: connect_from(source_of(0, 1), node.addr).await?,
        buf: Vec::new(),
    };
    let first = probe.get(&request(&node, args.match_id, None)).await?;
    if first.status != 200 {
        bail!(
            "GET /api/matches/{}/live answered {}",
            args.match_id,
            first.status
        );
    }
    drop(probe);
    let etag = args.etag.then_some(first.etag).flatten();
    let req = request(&node, args.match_id, etag.as_deref());

    let cpu0 = cpu_us(None).unwrap_or(0);
    let t0 = mono_ns();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::with_capacity(args.connections);
    for i in 0..args.connections {
        let (node, req) = (node.clone(), req.clone());
        let (past, match_id) = (args.past, args.match_id);
        tasks.push(tokio::spawn(async move {
            // Each connection's own walk through the past: a stride prime to any match length.
            let mut at = past.map(|n| (i as i64 * 7_919) % n);
            let mut t = Tally::default();
            let mut hist = new_hist();
            let mut conn = None;
            while tokio::time::Instant::now() < deadline {
                if conn.is_none() {
                    match connect_from(source_of(i, 16), node.addr).await {
                        Ok(stream) => {
                            conn = Some(Conn {
                                stream,
                                buf: Vec::with_capacity(32 * 1024),
                            })
                        }
                        Err(_) => {
                            t.errors += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    }
                }
                let c = conn.as_mut().expect("connected above");
                let past_req = match (&mut at, past) {
                    (Some(k), Some(n)) => {
                        *k = (*k + 1) % n;
                        Some(request_at(&node, match_id, Some(*k + 1), None))
                    }
                    _ => None,
                };
                let req = past_req.as_deref().unwrap_or(&req);
                let start = mono_ns();
                match tokio::time::timeout_at(deadline + Duration::from_secs(5), c.get(req)).await {
                    Ok(Ok(a)) => {
                        record(&mut hist, (mono_ns() - start) / 1_000);
                        *t.status.entry(a.status).or_insert(0) += 1;
                        if let Some(x) = a.x_cache {
                            *t.x_cache.entry(x).or_insert(0) += 1;
                        }
                    }
                    _ => {
                        t.errors += 1;
                        conn = None;
                    }
                }
            }
            t.latency = Pairs::of(&hist);
            t
        }));
    }
    let mut report = ReadReport {
        url: node.base.clone(),
        match_id: args.match_id,
        connections: args.connections,
        etag: args.etag,
        past: args.past,
        ..ReadReport::default()
    };
    let mut hist = new_hist();
    for task in tasks {
        let t = task.await?;
        for (s, n) in t.status {
            *report.status.entry(s).or_insert(0) += n;
        }
        for (x, n) in t.x_cache {
            *report.x_cache.entry(x).or_insert(0) += n;
        }
        report.errors += t.errors;
        t.latency.add_to(&mut hist);
    }
    report.seconds = (mono_ns() - t0) as f64 / 1e9;
    report.requests = report.status.values().sum();
    report.requests_per_sec = (report.requests as f64 / report.seconds).round();
    report.latency = Summary::of(&hist);
    report.generator_cpu_us = cpu_us(None).unwrap_or(0).saturating_sub(cpu0);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let l = &report.latency;
        println!(
            "{} GET /api/matches/{}/live, {} connections, {:.1}s{}",
            report.url,
            report.match_id,
            report.connections,
            report.seconds,
            if report.etag { ", If-None-Match" } else { "" }
        );
        println!(
            "requests      {} ({:.0}/s), errors {}",
            report.requests, report.requests_per_sec, report.errors
        );
        println!("status        {:?}", report.status);
        println!("X-Cache       {:?}", report.x_cache);
        println!(
            "latency       p50 {} · p99 {} · max {}",
            human_us(l.p50_us),
            human_us(l.p99_us),
            human_us(l.max_us)
        );
        println!("generator CPU {}", human_us(report.generator_cpu_us));
    }
    Ok(())
}
