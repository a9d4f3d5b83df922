//! What a fault run is judged by: the stored log against the file (each event once), each
//! viewer's stream (each seq applied once, in order, or a snapshot), `/live` never going
//! backwards, and the recovery time; and the result line for the README's table.

use std::io::Write;
use std::time::Duration;

use crease::domain::Recorded;
use crease::store::StoredEvent;
use serde_json::Value;
use tokio::time::Instant;

use super::observers::{Follower, Poller, Pos};
use crate::support::live_client::Msg;

/// `(lost, duplicates)`: events of the file the database does not hold, and events it holds
/// that were already stored (or that the file does not have).
pub fn stored_against_file(file: &[Recorded], stored: &[StoredEvent]) -> (usize, usize) {
    let expected: Vec<Value> = file
        .iter()
        .map(|r| serde_json::to_value(r).expect("an event serializes"))
        .collect();
    let mut next = 0;
    let mut duplicates = 0;
    for event in stored {
        let got: Value = serde_json::from_str(&event.payload).expect("a stored payload is JSON");
        if expected.get(next) == Some(&got) {
            next += 1;
        } else {
            duplicates += 1;
        }
    }
    (expected.len() - next, duplicates)
}

/// What went wrong in one viewer's stream, across its reconnections.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StreamFaults {
    /// A seq skipped without a snapshot to stand in for it.
    pub gaps: usize,
    /// A message at the position the viewer already stood at.
    pub duplicates: usize,
    /// A message behind where the viewer stood.
    pub backwards: usize,
}

/// Applies the stream as a client does: it starts with a snapshot, then each message must be
/// the next seq of the same epoch, or a snapshot further on.
pub fn stream_faults(seen: &[(Instant, Msg)]) -> StreamFaults {
    let mut faults = StreamFaults::default();
    let mut at: Option<Pos> = None;
    for (_, m) in seen {
        let pos = (m.epoch, m.seq);
        match at {
            None if !m.is_snapshot() => faults.gaps += 1,
            Some(cur) if pos == cur => faults.duplicates += 1,
            Some(cur) if pos < cur => faults.backwards += 1,
            Some(cur) if !m.is_snapshot() && (pos.0 != cur.0 || pos.1 != cur.1 + 1) => {
                faults.gaps += 1
            }
            _ => {}
        }
        at = at.max(Some(pos));
    }
    faults
}

/// When the viewer first stood at `target` or later.
pub fn follower_reached(f: &Follower, target: Pos) -> Option<Instant> {
    f.seen
        .iter()
        .find(|(_, m)| (m.epoch, m.seq) >= target)
        .map(|(t, _)| *t)
}

/// When the node's `/live` first served `target` or later.
pub fn poller_reached(p: &Poller, target: Pos) -> Option<Instant> {
    p.reads
        .iter()
        .find(|(_, pos)| *pos >= target)
        .map(|(t, _)| *t)
}

/// The slowest of `reached` after `since`: how long until every viewer had what was stored
/// after it.
pub fn slowest(since: Instant, reached: &[Option<Instant>]) -> Option<Duration> {
    reached
        .iter()
        .map(|t| t.map(|t| t.saturating_duration_since(since)))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max()
}

/// One row of the fault matrix.
#[derive(Debug)]
pub struct Row {
    pub fault: &'static str,
    pub lost: usize,
    pub duplicates: usize,
    pub backwards: usize,
    pub recovery: Duration,
}

/// Appends the row, tab-separated, to the file `CREASE_FAULT_REPORT` names (if it does):
/// `scripts/fault-matrix.sh` builds the README's table from these lines.
pub fn report(row: &Row) {
    let Ok(path) = std::env::var("CREASE_FAULT_REPORT") else {
        return;
    };
    let line = format!(
        "{}\t{}\t{}\t{}\t{}\n",
        row.fault,
        row.lost,
        row.duplicates,
        row.backwards,
        row.recovery.as_millis()
    );
    // One write of one short line to a file opened for appending: rows from tests running at
    // once do not interleave.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    file.write_all(line.as_bytes())
        .unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
}
