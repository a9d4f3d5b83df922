//! What the kernel knows: a clock every process shares, CPU time and resident memory from
//! `/proc`, and the open-file limit.

use anyhow::{bail, Context};

/// Nanoseconds on `CLOCK_MONOTONIC`. Unlike `Instant`, the value means the same in every process
/// on the machine, so a child's receipt time can be set against the parent's POST start.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Raises the soft open-file limit to the hard one: every client is a socket, and the default
/// soft limit (1,024) is far below the thousands a fan-out run holds. Returns the new limit.
pub fn raise_nofile() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("crease-loadtest: cannot raise the open-file limit: {e}");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024)
        }
    }
}

fn ticks_per_sec() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// User plus system CPU time of a process (`None`: this one), in microseconds.
pub fn cpu_us(pid: Option<u32>) -> anyhow::Result<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    let (Some(u), Some(s)) = (fields.get(11), fields.get(12)) else {
        bail!("{path}: too few fields");
    };
    let ticks: u64 = u.parse::<u64>()? + s.parse::<u64>()?;
    Ok(ticks * 1_000_000 / ticks_per_sec())
}

/// Sum of [`cpu_us`] over several processes.
pub fn cpu_us_of(pids: &[u32]) -> anyhow::Result<u64> {
    pids.iter().map(|&p| cpu_us(Some(p))).sum()
}

/// Resident memory of a process, in KiB, from `VmRSS` in `/proc/PID/status`.
pub fn vm_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .with_context(|| format!("{path}: no VmRSS"))?;
    let kib = line
        .split_whitespace()
        .nth(1)
        .context("VmRSS without a value")?;
    Ok(kib.parse()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_cpu_and_memory() {
        assert!(cpu_us(None).is_ok());
        assert!(vm_rss_kib(std::process::id()).unwrap() > 0);
        let a = mono_ns();
        assert!(mono_ns() >= a);
    }
}
