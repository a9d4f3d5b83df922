//! `floor`: what fan-out costs this machine's kernel before any server runs. A writer process
//! sends one fixed-size message to each of N loopback TCP sockets per round, from plain
//! threads doing blocking `write`s; a reader process (a child of this one, as a load generator
//! would be) takes them from `epoll` with one `read` each. Each message carries its round's
//! start time, so the reader measures latency exactly as `fanout` does (start of the round →
//! receipt), and both report their CPU per message. No WebSocket, no HTTP, no JSON, no async
//! runtime: whatever a real node and generator add comes on top of these figures.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::hist::{human_us, new_hist, record, Pairs, Summary};
use crate::sys::{cpu_us, mono_ns};

#[derive(Args, Debug, Clone)]
pub struct FloorArgs {
    /// Sockets, each written once per round.
    #[arg(long, default_value_t = 10_000)]
    pub sockets: usize,
    /// Rounds to send.
    #[arg(long, default_value_t = 100)]
    pub rounds: usize,
    /// Milliseconds from one round's start to the next.
    #[arg(long, default_value_t = 100)]
    pub interval_ms: u64,
    /// Bytes per message (a Crease ball message with its commentary line is about 700).
    #[arg(long, default_value_t = 700)]
    pub bytes: usize,
    /// Threads writing, each to its share of the sockets (the node's worker threads).
    #[arg(long, default_value_t = 2)]
    pub writer_threads: usize,
    /// Threads reading, each with its own epoll over its share of the sockets.
    #[arg(long, default_value_t = 2)]
    pub reader_threads: usize,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Run as the reader of a writer listening on this port (set by the writer).
    #[arg(long, hide = true)]
    pub reader_of: Option<u16>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ReaderReport {
    latency: Pairs,
    messages: u64,
    cpu_us: u64,
}

#[derive(Debug, Serialize)]
pub struct FloorReport {
    pub sockets: usize,
    pub rounds: usize,
    pub interval_ms: u64,
    pub bytes: usize,
    pub writer_threads: usize,
    pub reader_threads: usize,
    pub expected: u64,
    pub received: u64,
    pub latency: Summary,
    pub writer_cpu_per_message_us: f64,
    pub reader_cpu_per_message_us: f64,
    /// Both processes' CPU per round, as a share of the machine's cores.
    pub machine_share: f64,
}

pub fn run(args: FloorArgs) -> anyhow::Result<()> {
    if let Some(port) = args.reader_of {
        return reader(&args, port);
    }
    if args.bytes < 8 || args.sockets == 0 || args.writer_threads == 0 || args.reader_threads == 0 {
        bail!("need --bytes ≥ 8 (the timestamp), and at least one socket and thread of each");
    }
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the writer")?;
    let port = listener.local_addr()?.port();
    let child = Command::new(std::env::current_exe()?)
        .args(["floor", "--reader-of", &port.to_string()])
        .args(["--sockets", &args.sockets.to_string()])
        .args(["--rounds", &args.rounds.to_string()])
        .args(["--interval-ms", &args.interval_ms.to_string()])
        .args(["--bytes", &args.bytes.to_string()])
        .args(["--reader-threads", &args.reader_threads.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the reader")?;
    let mut conns = Vec::with_capacity(args.sockets);
    while conns.len() < args.sockets {
        let (c, _) = listener
            .accept()
            .context("accepting the reader's sockets")?;
        // As a WebSocket server does: a small message leaves at once.
        c.set_nodelay(true)?;
        conns.push(c);
    }
    // The reader is ready once connected; let its last connects settle.
    std::thread::sleep(Duration::from_millis(500));

    let round_start = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(args.writer_threads + 1));
    let done = Arc::new(Barrier::new(args.writer_threads + 1));
    let per = conns.len().div_ceil(args.writer_threads);
    let mut writers = Vec::new();
    let mut rest = conns;
    for _ in 0..args.writer_threads {
        let mine: Vec<TcpStream> = rest.drain(..per.min(rest.len())).collect();
        let (round_start, start, done) = (round_start.clone(), start.clone(), done.clone());
        let (rounds, bytes) = (args.rounds, args.bytes);
        writers.push(std::thread::spawn(move || -> std::io::Result<()> {
            let mut mine = mine;
            let mut msg = vec![b'x'; bytes];
            for _ in 0..rounds {
                start.wait();
                msg[..8].copy_from_slice(&round_start.load(Ordering::Acquire).to_le_bytes());
                let mut failed = None;
                for c in &mut mine {
                    if let Err(e) = c.write_all(&msg) {
                        failed.get_or_insert(e);
                    }
                }
                done.wait();
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            Ok(())
        }));
    }
    let cpu0 = cpu_us(None)?;
    let t0 = mono_ns();
    for r in 0..args.rounds {
        let at = t0 + r as u64 * args.interval_ms * 1_000_000;
        let now = mono_ns();
        if at > now {
            std::thread::sleep(Duration::from_nanos(at - now));
        }
        round_start.store(mono_ns(), Ordering::Release);
        start.wait();
        done.wait();
    }
    let writer_cpu = cpu_us(None)? - cpu0;
    let elapsed_ns = mono_ns() - t0;
    for w in writers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a writer thread panicked"))?
            .context("writing")?;
    }
    let out = child.wait_with_output().context("waiting for the reader")?;
    if !out.status.success() {
        bail!("the reader failed: {}", out.status);
    }
    let rr: ReaderReport = serde_json::from_slice(&out.stdout).context("the reader's report")?;
    let mut h = new_hist();
    rr.latency.add_to(&mut h);
    let expected = (args.sockets * args.rounds) as u64;
    let per_msg = |us: u64| (us as f64 / expected as f64 * 100.0).round() / 100.0;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let report = FloorReport {
        sockets: args.sockets,
        rounds: args.rounds,
        interval_ms: args.interval_ms,
        bytes: args.bytes,
        writer_threads: args.writer_threads,
        reader_threads: args.reader_threads,
        expected,
        received: rr.messages,
        latency: Summary::of(&h),
        writer_cpu_per_message_us: per_msg(writer_cpu),
        reader_cpu_per_message_us: per_msg(rr.cpu_us),
        machine_share: ((writer_cpu + rr.cpu_us) as f64 / (elapsed_ns as f64 / 1e3) / cores
            * 1000.0)
            .round()
            / 1000.0,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let l = &report.latency;
        println!(
            "{} sockets × {} rounds every {} ms, {} B, {} writer and {} reader thread(s)",
            report.sockets,
            report.rounds,
            report.interval_ms,
            report.bytes,
            report.writer_threads,
            report.reader_threads
        );
        println!(
            "received / expected   {} / {}",
            report.received, report.expected
        );
        println!(
            "latency (round start → receipt)  p50 {} · p90 {} · p99 {} · max {}",
            human_us(l.p50_us),
            human_us(l.p90_us),
            human_us(l.p99_us),
            human_us(l.max_us)
        );
        println!(
            "CPU per message  writer {:.2}µs · reader {:.2}µs · both use {:.0}% of the machine",
            report.writer_cpu_per_message_us,
            report.reader_cpu_per_message_us,
            report.machine_share * 100.0
        );
    }
    if report.received != report.expected {
        bail!("{} of {} messages arrived", report.received, expected);
    }
    Ok(())
}

/// One socket's place in the message stream: bytes into the current message, and its
/// timestamp as far as read.
#[derive(Default, Clone, Copy)]
struct Cursor {
    at: usize,
    stamp: [u8; 8],
    messages: usize,
}

impl Cursor {
    /// Takes the next bytes of this socket's stream of `len`-byte messages; hands `on` the
    /// timestamp of each message they complete.
    fn feed(&mut self, mut bytes: &[u8], len: usize, mut on: impl FnMut(u64)) {
        while !bytes.is_empty() {
            if self.at < 8 {
                let take = (8 - self.at).min(bytes.len());
                self.stamp[self.at..self.at + take].copy_from_slice(&bytes[..take]);
                self.at += take;
                bytes = &bytes[take..];
            }
            let take = (len - self.at).min(bytes.len());
            self.at += take;
            bytes = &bytes[take..];
            if self.at == len {
                on(u64::from_le_bytes(self.stamp));
                self.messages += 1;
                self.at = 0;
            }
        }
    }
}

fn reader(args: &FloorArgs, port: u16) -> anyhow::Result<()> {
    let to = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut socks = Vec::with_capacity(args.sockets);
    for _ in 0..args.sockets {
        let s = TcpStream::connect(to).context("connecting to the writer")?;
        s.set_nonblocking(true)?;
        socks.push(s);
    }
    let deadline = mono_ns() + (args.rounds as u64 * args.interval_ms + 60_000) * 1_000_000;
    let cpu0 = cpu_us(None)?;
    let per = socks.len().div_ceil(args.reader_threads.max(1));
    let mut threads = Vec::new();
    while !socks.is_empty() {
        let mine: Vec<TcpStream> = socks.drain(..per.min(socks.len())).collect();
        let (rounds, bytes) = (args.rounds, args.bytes);
        threads.push(std::thread::spawn(move || {
            read_loop(&mut { mine }, rounds, bytes, deadline)
        }));
    }
    let mut h = new_hist();
    let mut messages = 0;
    for t in threads {
        let (th, n) = t
            .join()
            .map_err(|_| anyhow::anyhow!("a reader thread panicked"))??;
        h.add(&th).context("merging histograms")?;
        messages += n;
    }
    let report = ReaderReport {
        latency: Pairs::of(&h),
        messages,
        cpu_us: cpu_us(None)? - cpu0,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Reads `socks` from one epoll loop until each has sent `rounds` messages (or the deadline);
/// returns the latencies and the count.
fn read_loop(
    socks: &mut [TcpStream],
    rounds: usize,
    bytes: usize,
    deadline: u64,
) -> anyhow::Result<(hdrhistogram::Histogram<u64>, u64)> {
    // SAFETY: epoll_create1 has no preconditions; the result is checked.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        bail!("epoll_create1: {}", std::io::Error::last_os_error());
    }
    // SAFETY: `ep` is an open fd that nothing else owns.
    let _ep_owner = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(ep) };
    for (i, s) in socks.iter().enumerate() {
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: `ep` and the socket's fd are open; `ev` is a valid event.
        if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, s.as_raw_fd(), &mut ev) } < 0 {
            bail!("epoll_ctl: {}", std::io::Error::last_os_error());
        }
    }
    let expected = (socks.len() * rounds) as u64;
    let mut cursors = vec![Cursor::default(); socks.len()];
    let mut h = new_hist();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut buf = vec![0u8; 64 * 1024];
    let mut messages = 0u64;
    while messages < expected && mono_ns() < deadline {
        // SAFETY: `events` has room for its length; `ep` is open.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, 1_000) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            bail!("epoll_wait: {e}");
        }
        for ev in &events[..n as usize] {
            let i = ev.u64 as usize;
            let read = match socks[i].read(&mut buf) {
                // The writer closes each socket after its last round: early is a failure.
                Ok(0) if cursors[i].messages < rounds => {
                    bail!("socket {i} closed after {} messages", cursors[i].messages)
                }
                Ok(0) => {
                    // SAFETY: `ep` is open and the fd is registered; a null event is allowed.
                    unsafe {
                        libc::epoll_ctl(
                            ep,
                            libc::EPOLL_CTL_DEL,
                            socks[i].as_raw_fd(),
                            std::ptr::null_mut(),
                        )
                    };
                    continue;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e).context("reading"),
            };
            let now = mono_ns();
            cursors[i].feed(&buf[..read], bytes, |stamp| {
                record(&mut h, now.saturating_sub(stamp) / 1_000);
                messages += 1;
            });
        }
    }
    Ok((h, messages))
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    fn message(stamp: u64, len: usize) -> Vec<u8> {
        let mut m = vec![b'x'; len];
        m[..8].copy_from_slice(&stamp.to_le_bytes());
        m
    }

    #[test]
    fn messages_split_or_joined_across_reads_are_each_counted_once() {
        let stream: Vec<u8> = (1..=3).flat_map(|s| message(s, 20)).collect();
        for cut in [1, 5, 8, 9, 20, 27, 41, 59] {
            let mut c = Cursor::default();
            let mut got = Vec::new();
            c.feed(&stream[..cut], 20, |s| got.push(s));
            c.feed(&stream[cut..], 20, |s| got.push(s));
            assert_eq!(got, vec![1, 2, 3], "cut at {cut}");
            assert_eq!(c.messages, 3);
        }
    }
}
