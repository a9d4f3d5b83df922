//! The clients of a run, held in this process or spread over child processes of this binary
//! (each a shard, so none holds more sockets than one process may open).
//!
//! Protocol with a child, one line at a time: the child prints `READY {"seeded":…,"failed":…}`
//! once its clients are seeded; the parent writes `END {"last_seq":…,"starts_ns":[…]}` when
//! posting is over (the POST start times of every seq, on the machine-wide monotonic clock);
//! the child prints `REPORT {…}` and exits.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::shard::{Plan, Shard, ShardReport};

#[derive(Debug, Serialize, Deserialize)]
pub struct Ready {
    pub seeded: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct End {
    pub last_seq: Option<i64>,
    pub starts_ns: Vec<u64>,
    pub drain_secs: u64,
}

/// Longest a child waits for END: a run is bounded, so a silent parent means it is gone.
const END_WAIT: Duration = Duration::from_secs(3_600);

pub enum Fleet {
    Local(Shard, f64),
    Children(Vec<ChildShard>),
}

pub struct ChildShard {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Fleet {
    /// Opens the clients: here when `workers` ≤ 1, else in `workers` children run with
    /// `child_args` plus `--shard i/W`.
    pub fn start(plan: Plan, workers: usize, child_args: &[String]) -> anyhow::Result<Fleet> {
        if workers <= 1 {
            let ramp = plan.ramp;
            return Ok(Fleet::Local(Shard::start(plan), ramp));
        }
        let exe = std::env::current_exe().context("locating this binary")?;
        let mut children = Vec::with_capacity(workers);
        for i in 0..workers {
            let mut child = Command::new(&exe)
                .args(child_args)
                .arg("--shard")
                .arg(format!("{i}/{workers}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .context("starting a worker")?;
            let stdin = child.stdin.take().context("worker stdin")?;
            let stdout = child.stdout.take().context("worker stdout")?;
            children.push(ChildShard {
                child,
                stdin,
                lines: BufReader::new(stdout).lines(),
            });
        }
        Ok(Fleet::Children(children))
    }

    /// Waits until every client is seeded or failed; returns (seeded, failed) over all shards.
    pub async fn ready(&mut self) -> anyhow::Result<(usize, usize)> {
        match self {
            Fleet::Local(shard, ramp) => Ok(shard.wait_seeded(*ramp).await),
            Fleet::Children(children) => {
                let (mut seeded, mut failed) = (0, 0);
                for c in children.iter_mut() {
                    let r: Ready = expect_line(&mut c.lines, "READY", END_WAIT).await?;
                    seeded += r.seeded;
                    failed += r.failed;
                }
                Ok((seeded, failed))
            }
        }
    }

    /// Posting is over: collects every shard's report.
    pub async fn finish(self, end: End) -> anyhow::Result<Vec<ShardReport>> {
        let drain = Duration::from_secs(end.drain_secs);
        match self {
            Fleet::Local(shard, _) => Ok(vec![
                shard.finish(end.last_seq, &end.starts_ns, drain).await,
            ]),
            Fleet::Children(mut children) => {
                let line = format!("END {}\n", serde_json::to_string(&end)?);
                for c in children.iter_mut() {
                    c.stdin.write_all(line.as_bytes()).await?;
                    c.stdin.flush().await?;
                }
                let mut reports = Vec::with_capacity(children.len());
                for c in children.iter_mut() {
                    reports.push(
                        expect_line(&mut c.lines, "REPORT", drain + Duration::from_secs(120))
                            .await?,
                    );
                }
                for mut c in children {
                    let _ = tokio::time::timeout(Duration::from_secs(10), c.child.wait()).await;
                }
                Ok(reports)
            }
        }
    }
}

async fn expect_line<T: for<'de> Deserialize<'de>>(
    lines: &mut Lines<BufReader<ChildStdout>>,
    tag: &str,
    wait: Duration,
) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .with_context(|| format!("a worker sent no {tag} in time"))??;
        let Some(line) = line else {
            bail!("a worker exited before {tag}");
        };
        if let Some(json) = line.strip_prefix(tag).map(str::trim) {
            return Ok(serde_json::from_str(json)?);
        }
        // Anything else a worker prints is passed on, not parsed.
        eprintln!("worker: {line}");
    }
}

/// The child's side: hold this shard's clients, say READY, wait for END, say REPORT.
pub async fn run_child(plan: Plan) -> anyhow::Result<()> {
    let ramp = plan.ramp;
    let shard = Shard::start(plan);
    let (seeded, failed) = shard.wait_seeded(ramp).await;
    println!(
        "READY {}",
        serde_json::to_string(&Ready { seeded, failed })?
    );
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let end = loop {
        match tokio::time::timeout(END_WAIT, stdin.next_line()).await {
            Ok(Ok(Some(line))) => {
                if let Some(json) = line.strip_prefix("END") {
                    break serde_json::from_str::<End>(json.trim())?;
                }
            }
            // The parent is gone or silent: report what there is and stop.
            _ => {
                break End {
                    last_seq: None,
                    starts_ns: Vec::new(),
                    drain_secs: 0,
                }
            }
        }
    };
    let drain = Duration::from_secs(end.drain_secs);
    let report = shard.finish(end.last_seq, &end.starts_ns, drain).await;
    println!("REPORT {}", serde_json::to_string(&report)?);
    Ok(())
}
