//! `soak`: hours of a match day squeezed into one run. Several matches scored at once, a crowd
//! of viewers that never stops arriving and leaving, an optional fault in the middle (a Redis
//! restart), and, every window, what the node holds (memory, open files, threads, tasks) and
//! how late the balls arrive. A leak shows as a trend across windows; a lost, repeated or
//! backwards message is counted on the connection that saw it, and fails the run.

mod node_stats;
mod scorer;
mod viewer;
mod window;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::fanout::poster::Poster;
use crate::hist::{human_us, new_hist, Summary};
use crate::net::Node;
use node_stats::{NodeSample, NodeWatch};
use scorer::{Scored, Scorer};
use viewer::Crowd;
use window::{Row, Tally, Windows};

#[derive(Args, Debug, Clone)]
pub struct SoakArgs {
    /// Node base URLs, comma-separated; viewers spread over them, scorers post to the first.
    #[arg(long)]
    pub url: String,
    /// A match to score and watch, as ID=FILE (the Cricsheet file it was imported from), or
    /// ID=FILE@SECS to start scoring it SECS into the soak (a match that starts later in the
    /// day); repeat for several matches.
    #[arg(long = "match", value_name = "ID=FILE[@SECS]", required = true)]
    pub matches: Vec<String>,
    /// Viewers connected at any moment.
    #[arg(long)]
    pub clients: usize,
    /// Shortest and longest time a viewer stays, in seconds (drawn uniformly per connection).
    #[arg(long, value_name = "MIN,MAX", default_value = "5,60")]
    pub lifetime_secs: String,
    /// Share of viewers on SSE instead of WebSocket, 0 to 1.
    #[arg(long, default_value_t = 0.3)]
    pub sse_share: f64,
    /// Milliseconds between one match's balls.
    #[arg(long, default_value_t = 1_000)]
    pub interval_ms: u64,
    /// How long the soak runs, in seconds.
    #[arg(long, default_value_t = 1_800)]
    pub duration_secs: u64,
    /// Seconds per report row.
    #[arg(long, default_value_t = 60)]
    pub window_secs: u64,
    /// A shell command run once, halfway through (e.g. one that restarts Redis).
    #[arg(long)]
    pub midway: Option<String>,
    /// Node process ids, in the order of `--url`, whose memory, files and CPU to read.
    #[arg(long, value_delimiter = ',')]
    pub node_pid: Vec<u32>,
    /// Source addresses to spread over: connection i comes from 127.0.0.(1 + i % K).
    #[arg(long, default_value_t = 16)]
    pub sources: usize,
    /// Scorer or admin token.
    #[arg(long, env = "CREASE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct SoakReport {
    duration_secs: u64,
    clients: usize,
    matches: Vec<Scored>,
    midway: Option<String>,
    midway_status: Option<String>,
    totals: Tally,
    delivery: Summary,
    post: Summary,
    rows: Vec<Row>,
    /// First full window against the last, per node: what grew.
    drift: Vec<Drift>,
}

#[derive(Debug, Serialize)]
struct Drift {
    pid: u32,
    rss_kib: (u64, u64),
    open_files: (u64, u64),
    threads: (u64, u64),
    tasks: (Option<u64>, Option<u64>),
    viewers: (Option<u64>, Option<u64>),
}

fn parse_lifetime(s: &str) -> anyhow::Result<(u64, u64)> {
    let (lo, hi) = s.split_once(',').context("--lifetime-secs is MIN,MAX")?;
    let (lo, hi): (f64, f64) = (lo.trim().parse()?, hi.trim().parse()?);
    if !(lo > 0.0 && hi >= lo) {
        bail!("--lifetime-secs {s}: need 0 < MIN ≤ MAX");
    }
    Ok(((lo * 1e3) as u64, (hi * 1e3) as u64))
}

pub async fn run(args: SoakArgs) -> anyhow::Result<()> {
    let nodes = Node::parse_list(&args.url)?;
    let life_ms = parse_lifetime(&args.lifetime_secs)?;
    if args.clients == 0 || args.window_secs == 0 || args.duration_secs == 0 {
        bail!("--clients, --window-secs and --duration-secs must be above 0");
    }
    let windows = Arc::new(Windows::default());
    let stop = CancellationToken::new();

    let mut scorers = Vec::new();
    for m in &args.matches {
        let (id, file) = m.split_once('=').context("--match is ID=FILE[@SECS]")?;
        let id: i64 = id.parse().with_context(|| format!("--match {m}: bad id"))?;
        let (file, delay) = match file.rsplit_once('@') {
            Some((file, secs)) => (
                file,
                secs.parse::<u64>()
                    .with_context(|| format!("--match {m}: bad start delay"))?,
            ),
            None => (file, 0),
        };
        let path = PathBuf::from(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let poster = Poster::new(&nodes[0].base, &args.token, id, &text)?;
        scorers.push(Scorer::new(poster, id, Duration::from_secs(delay)).await?);
    }
    let crowd = Arc::new(Crowd {
        nodes: nodes.clone(),
        clocks: scorers.iter().map(|s| s.clock.clone()).collect(),
        sse_share: args.sse_share.clamp(0.0, 1.0),
        life_ms,
        sources: args.sources,
        windows: windows.clone(),
        open: Default::default(),
        stop: stop.clone(),
    });

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let mut watches: Vec<NodeWatch> = args
        .node_pid
        .iter()
        .zip(nodes.iter().chain(std::iter::repeat(&nodes[0])))
        .map(|(&pid, node)| NodeWatch::new(pid, &node.base))
        .collect();

    // The crowd arrives over the first lifetime, so arrivals and departures settle to a rate.
    let mut viewers = tokio::task::JoinSet::new();
    for slot in 0..args.clients {
        let first = Duration::from_millis(life_ms.1 * slot as u64 / args.clients as u64);
        viewers.spawn(viewer::run(slot, crowd.clone(), first));
    }
    let interval = Duration::from_millis(args.interval_ms.max(1));
    let mut scoring = tokio::task::JoinSet::new();
    for s in scorers {
        scoring.spawn(s.run(interval, windows.clone(), stop.clone()));
    }

    let started = tokio::time::Instant::now();
    let total = Duration::from_secs(args.duration_secs);
    let midway_at = total / 2;
    let mut midway = args.midway.clone();
    let mut midway_status = None;
    let mut rows = Vec::new();
    let mut next = started;
    let mut window_start = started;
    eprintln!("{}", header());
    while next < started + total {
        next = (next + Duration::from_secs(args.window_secs)).min(started + total);
        let mut event = None;
        if midway.is_some() && started + midway_at < next {
            tokio::time::sleep_until(started + midway_at).await;
            let cmd = midway.take().unwrap_or_default();
            let status = run_shell(&cmd).await;
            eprintln!("crease-loadtest: midway `{cmd}`: {status}");
            event = Some(format!("ran `{cmd}`: {status}"));
            midway_status = Some(status);
        }
        tokio::time::sleep_until(next).await;
        let closed = windows.close();
        let mut samples: Vec<NodeSample> = Vec::new();
        for w in &mut watches {
            samples.push(w.sample(&http).await);
        }
        let now = tokio::time::Instant::now();
        let row = Row {
            at_secs: started.elapsed().as_secs(),
            window_secs: (now - window_start).as_secs_f64(),
            event,
            open_clients: crowd.open.load(Ordering::Acquire),
            tally: closed.tally,
            delivery: Summary::of(&closed.delivery),
            post: Summary::of(&closed.post),
            nodes: samples,
        };
        window_start = now;
        eprintln!("{}", line(&row));
        rows.push((row, closed.delivery, closed.post));
    }
    stop.cancel();
    let mut matches = Vec::new();
    while let Some(done) = scoring.join_next().await {
        matches.push(done.context("a scorer panicked")?);
    }
    matches.sort_by_key(|m| m.match_id);
    while viewers.join_next().await.is_some() {}
    // What happened after the last row closed (a POST answered, a message received while the
    // run stopped) still counts in the totals, so that they agree with what the node stored.
    let after_last_row = windows.close();

    let (mut totals, mut delivery, mut post) = (Tally::default(), new_hist(), new_hist());
    for (row, d, p) in &rows {
        totals.add(&row.tally);
        delivery.add(d).ok();
        post.add(p).ok();
    }
    totals.add(&after_last_row.tally);
    delivery.add(&after_last_row.delivery).ok();
    post.add(&after_last_row.post).ok();
    let rows: Vec<Row> = rows.into_iter().map(|(r, _, _)| r).collect();
    let report = SoakReport {
        duration_secs: args.duration_secs,
        clients: args.clients,
        matches,
        midway: args.midway.clone(),
        midway_status,
        totals,
        delivery: Summary::of(&delivery),
        post: Summary::of(&post),
        drift: drift(&rows),
        rows,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    if totals.faults() > 0 {
        bail!(
            "{} gaps, {} duplicates, {} backwards, {} unparsed messages",
            totals.gaps,
            totals.duplicates,
            totals.backwards,
            totals.unparsed
        );
    }
    Ok(())
}

async fn run_shell(cmd: &str) -> String {
    match tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .await
    {
        Ok(s) if s.success() => "ok".into(),
        Ok(s) => format!("failed ({s})"),
        Err(e) => format!("not run: {e}"),
    }
}

/// The second window against the last (the first still holds the crowd's arrival).
fn drift(rows: &[Row]) -> Vec<Drift> {
    let (Some(first), Some(last)) = (rows.get(1).or(rows.first()), rows.last()) else {
        return Vec::new();
    };
    first
        .nodes
        .iter()
        .zip(&last.nodes)
        .map(|(a, b)| Drift {
            pid: a.pid,
            rss_kib: (a.rss_kib, b.rss_kib),
            open_files: (a.open_files, b.open_files),
            threads: (a.threads, b.threads),
            tasks: (a.tasks, b.tasks),
            viewers: (a.viewers, b.viewers),
        })
        .collect()
}

/// A metric's bytes in MiB, or `-` when the node does not report it.
fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("-".into(), |b| format!("{:.1}", b as f64 / 1048576.0))
}

fn header() -> String {
    "   t  open  conn  fail  left  drop  deliv  gap dup back  p50     p99     post p99  \
     node: rss MiB, heap MiB, ring MiB, files, threads, tasks, viewers, engines, cpu%"
        .to_owned()
}

fn line(r: &Row) -> String {
    let t = &r.tally;
    let nodes: Vec<String> = r
        .nodes
        .iter()
        .map(|n| {
            format!(
                "{:.1} {} {} {} {} {} {} {} {:.0}%",
                n.rss_kib as f64 / 1024.0,
                mib(n.heap_bytes),
                mib(n.ring_bytes),
                n.open_files,
                n.threads,
                n.tasks.map_or("-".into(), |v| v.to_string()),
                n.viewers.map_or("-".into(), |v| v.to_string()),
                n.engines.map_or("-".into(), |v| v.to_string()),
                n.cpu_us as f64 / 1e4 / r.window_secs.max(0.001)
            )
        })
        .collect();
    format!(
        "{:>4} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6} {:>4} {:>3} {:>4}  {:<7} {:<7} {:<8}  {}{}",
        r.at_secs,
        r.open_clients,
        t.connects,
        t.connect_failures,
        t.leaves,
        t.dropped,
        t.delivered,
        t.gaps,
        t.duplicates,
        t.backwards,
        human_us(r.delivery.p50_us),
        human_us(r.delivery.p99_us),
        human_us(r.post.p99_us),
        nodes.join(" | "),
        r.event
            .as_ref()
            .map_or(String::new(), |e| format!("  ← {e}")),
    )
}

fn table(r: &SoakReport) -> String {
    let mut out = String::new();
    out.push_str(&header());
    out.push('\n');
    for row in &r.rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    let t = &r.totals;
    out.push_str(&format!(
        "\n{} connections, {} failed to connect, {} messages delivered; {} gaps, {} duplicates, \
         {} backwards; {} balls posted ({} retries); delivery p50 {} p99 {}, post p99 {}\n",
        t.connects,
        t.connect_failures,
        t.delivered,
        t.gaps,
        t.duplicates,
        t.backwards,
        t.posted,
        t.post_retries,
        human_us(r.delivery.p50_us),
        human_us(r.delivery.p99_us),
        human_us(r.post.p99_us),
    ));
    for d in &r.drift {
        out.push_str(&format!(
            "node {}: rss {} → {} KiB, files {} → {}, threads {} → {}, tasks {:?} → {:?}\n",
            d.pid,
            d.rss_kib.0,
            d.rss_kib.1,
            d.open_files.0,
            d.open_files.1,
            d.threads.0,
            d.threads.1,
            d.tasks.0,
            d.tasks.1
        ));
    }
    out
}
