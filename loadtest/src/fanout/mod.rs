//! `fanout` and `idle`: many viewers on one match, the balls that reach them, and what the
//! node spends on it (CPU per delivered message, memory per idle connection).

pub mod client;
pub mod fleet;
pub mod poster;
pub mod proto;
pub mod report;
pub mod shard;
pub mod tracker;
pub mod ws_client;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;

use crate::net::Node;
use crate::sys::{cpu_us, cpu_us_of, vm_rss_kib};
use fleet::{End, Fleet};
use report::FanoutReport;
use shard::Plan;

/// The match a seeded node leaves live, embedded as the server embeds it: the instrument reads
/// the file and never links the server. The fan-out tests run without `--file` against a node
/// that imported the server's copy, so the two cannot drift apart unnoticed.
const BUNDLED_LIVE: &str =
    include_str!("../../../data/cricsheet/t20_2007-09-14_india_v_pakistan.json");

/// Options both `fanout` and `idle` take: where to connect, how many, how fast.
#[derive(Args, Debug, Clone)]
pub struct ClientArgs {
    /// Node base URLs, comma-separated; clients are spread over them (loopback only).
    #[arg(long)]
    pub url: String,
    /// The match to watch.
    #[arg(long = "match")]
    pub match_id: i64,
    /// Clients over all workers.
    #[arg(long)]
    pub clients: usize,
    /// New connections per second (0: as fast as possible).
    #[arg(long, default_value_t = 2_000.0)]
    pub ramp: f64,
    /// Child processes holding the clients (each holds clients/W; keep each under ~19,000).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Source addresses to spread over: client i connects from 127.0.0.(1 + i % K).
    #[arg(long, default_value_t = 16)]
    pub sources: usize,
    /// Node process ids (comma-separated) whose CPU or memory to read.
    #[arg(long, value_delimiter = ',')]
    pub node_pid: Vec<u32>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Offer permessage-deflate on WebSocket and send `Accept-Encoding: gzip` on SSE, as a
    /// browser does (without it, the client asks for plain frames and a plain stream).
    #[arg(long)]
    pub compress: bool,
}

#[derive(Args, Debug, Clone)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub clients: ClientArgs,
    /// Share of clients on SSE instead of WebSocket, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    pub sse_share: f64,
    /// Events to post (nearly all deliveries) from the match file.
    #[arg(long)]
    pub balls: usize,
    /// Milliseconds between POSTs.
    #[arg(long, conflicts_with = "burst", required_unless_present_any = ["burst", "child"])]
    pub interval_ms: Option<u64>,
    /// Post back to back, as fast as ingest answers.
    #[arg(long)]
    pub burst: bool,
    /// Scorer or admin token.
    #[arg(
        long,
        env = "CREASE_TOKEN",
        hide_env_values = true,
        required_unless_present = "child"
    )]
    pub token: Option<String>,
    /// The Cricsheet file the match was imported from (default: the bundled live match).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Seconds to wait after the last POST for every client to have every message.
    #[arg(long, default_value_t = 30)]
    pub drain_secs: u64,
    /// Run as shard I of N (set by the parent for its workers).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Internal: this process is a worker of a parent run.
    #[arg(long, hide = true)]
    pub child: bool,
}

#[derive(Args, Debug, Clone)]
pub struct IdleArgs {
    #[command(flatten)]
    pub clients: ClientArgs,
    /// Seconds to hold the connections before reading the node's memory.
    #[arg(long, default_value_t = 10)]
    pub hold_secs: u64,
}

fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let (i, n) = s.split_once('/').context("--shard is I/N")?;
    let (i, n): (usize, usize) = (i.parse()?, n.parse()?);
    if n == 0 || i >= n {
        bail!("--shard {s}: need 0 ≤ I < N");
    }
    Ok((i, n))
}

fn plan(
    c: &ClientArgs,
    sse_share: f64,
    balls: usize,
    shard: (usize, usize),
) -> anyhow::Result<Plan> {
    Ok(Plan {
        nodes: Node::parse_list(&c.url)?,
        match_id: c.match_id,
        clients: c.clients,
        shard: shard.0,
        shards: shard.1,
        sse_share,
        ramp: c.ramp,
        balls,
        sources: c.sources,
        compress: c.compress,
    })
}

/// What a worker is started with; the fleet adds `--shard I/W`.
fn child_args(c: &ClientArgs, sse_share: f64, balls: usize) -> Vec<String> {
    let mut args: Vec<String> = [
        "fanout",
        "--child",
        "--url",
        &c.url,
        "--match",
        &c.match_id.to_string(),
        "--clients",
        &c.clients.to_string(),
        "--ramp",
        &c.ramp.to_string(),
        "--sources",
        &c.sources.to_string(),
        "--sse-share",
        &sse_share.to_string(),
        "--balls",
        &balls.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    if c.compress {
        args.push("--compress".into());
    }
    args
}

fn base_report(c: &ClientArgs) -> FanoutReport {
    FanoutReport {
        match_id: c.match_id,
        nodes: c.url.split(',').map(str::to_owned).collect(),
        workers: c.workers.max(1),
        ..FanoutReport::default()
    }
}

fn print(report: &FanoutReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}

pub async fn run_fanout(args: FanoutArgs) -> anyhow::Result<()> {
    let c = &args.clients;
    if args.child {
        let shard = parse_shard(args.shard.as_deref().context("a worker needs --shard")?)?;
        return fleet::run_child(plan(c, args.sse_share, args.balls, shard)?).await;
    }
    let shard = args
        .shard
        .as_deref()
        .map(parse_shard)
        .transpose()?
        .unwrap_or((0, 1));
    let text = match &args.file {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => BUNDLED_LIVE.to_owned(),
    };
    let nodes = Node::parse_list(&c.url)?;
    let token = args.token.as_deref().context("--token is required")?;
    let poster = poster::Poster::new(&nodes[0].base, token, c.match_id, &text)?;
    // Fail before opening thousands of sockets if the match is not there.
    poster
        .current_seq()
        .await
        .context("reading the match's seq")?;

    let workers = if shard.1 > 1 { 1 } else { c.workers };
    let mut fleet = Fleet::start(
        plan(c, args.sse_share, args.balls, shard)?,
        workers,
        &child_args(c, args.sse_share, args.balls),
    )?;
    let (seeded, failed) = fleet.ready().await?;
    eprintln!(
        "crease-loadtest: {seeded} clients seeded, {failed} failed; posting {} events",
        args.balls
    );

    let pids = c.node_pid.clone();
    let node_before = cpu_us_of(&pids).ok();
    let interval = (!args.burst).then(|| Duration::from_millis(args.interval_ms.unwrap_or(1_000)));
    let posted = poster.post(args.balls, interval).await;
    let (last_seq, starts) = match &posted {
        Ok(p) => (Some(p.last_seq), p.starts_ns.clone()),
        Err(e) => {
            eprintln!("crease-loadtest: posting stopped: {e:#}");
            (None, Vec::new())
        }
    };
    let shards = fleet
        .finish(End {
            last_seq,
            starts_ns: starts.clone(),
            drain_secs: args.drain_secs,
        })
        .await?;
    let node_after = cpu_us_of(&pids).ok();

    let mut report = base_report(c);
    report.absorb(&shards, starts.first().copied());
    if workers > 1 {
        report.generator_cpu_us += cpu_us(None).unwrap_or(0);
    }
    if let Ok(p) = &posted {
        report.posted = p.starts_ns.len() as u64;
        report.first_seq = Some(p.first_seq);
        report.last_seq = Some(p.last_seq);
        report.post_latency = p.post_latency.clone();
        report.post_kinds = p.kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    }
    if let (false, Some(b), Some(a)) = (pids.is_empty(), node_before, node_after) {
        report.node_cpu_us = Some(a.saturating_sub(b));
        if report.received > 0 {
            let per = a.saturating_sub(b) as f64 / report.received as f64;
            report.node_cpu_us_per_msg = Some((per * 100.0).round() / 100.0);
        }
    }
    print(&report, c.json)?;
    if let Err(e) = posted {
        bail!("posting failed: {e:#}");
    }
    Ok(())
}

pub async fn run_idle(args: IdleArgs) -> anyhow::Result<()> {
    let c = &args.clients;
    let pid = c.node_pid.first().copied();
    let rss_before = pid.map(vm_rss_kib).transpose()?;
    let mut fleet = Fleet::start(plan(c, 0.0, 0, (0, 1))?, c.workers, &child_args(c, 0.0, 0))?;
    let (seeded, failed) = fleet.ready().await?;
    eprintln!(
        "crease-loadtest: {seeded} idle clients open, {failed} failed; holding {}s",
        args.hold_secs
    );
    tokio::time::sleep(Duration::from_secs(args.hold_secs)).await;
    let rss_after = pid.map(vm_rss_kib).transpose()?;
    let shards = fleet
        .finish(End {
            last_seq: None,
            starts_ns: Vec::new(),
            drain_secs: 0,
        })
        .await?;
    let mut report = base_report(c);
    report.absorb(&shards, None);
    report.generator_cpu_us += cpu_us(None).unwrap_or(0) * u64::from(c.workers > 1);
    report.node_rss_before_kib = rss_before;
    report.node_rss_after_kib = rss_after;
    if let (Some(b), Some(a)) = (rss_before, rss_after) {
        if report.connected > 0 {
            let per = (a as f64 - b as f64) / report.connected as f64;
            report.node_kib_per_connection = Some((per * 100.0).round() / 100.0);
        }
    }
    print(&report, c.json)
}
