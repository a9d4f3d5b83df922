//! The ticker: every match's one-line summary as it changes, for lists and home pages.
//! Summaries are read once per message per node from the message's own bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::conn::Conn;
use super::frame::{Frame, FrameKind};
use crate::bus::BusMessage;

#[derive(Default)]
pub struct Ticker {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    line: Option<LineProbe>,
}

/// A `ball` message's compact line: `sum` and `st` (README, "The ball message").
#[derive(Deserialize)]
struct LineProbe {
    sum: String,
    st: String,
}

#[derive(Serialize)]
struct TickerMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    match_id: i64,
    seq: i64,
    epoch: i64,
    summary: &'a str,
    status: &'a str,
}

impl Ticker {
    pub fn attach(&self, conn: Arc<Conn>) {
        self.lock().insert(conn.id, conn);
    }

    pub fn detach(&self, conn_id: u64) {
        self.lock().remove(&conn_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn offer(&self, frame: &Frame) {
        let conns: Vec<Arc<Conn>> = self.lock().values().cloned().collect();
        for c in conns {
            c.offer(frame);
        }
    }

    pub fn publish(&self, msg: &BusMessage) {
        if self.lock().is_empty() {
            return;
        }
        let Some(json) = summary_line(msg) else {
            return;
        };
        // Seqs of different matches interleave, so ticker messages are not seq-checked.
        self.offer(&Frame::message(
            (msg.epoch, msg.seq),
            FrameKind::Control,
            &json,
        ));
    }
}

/// The message's `ticker` line: its match, position, summary and status; `None` for a
/// deletion or a message that is not one of a match's.
pub fn summary_line(msg: &BusMessage) -> Option<Vec<u8>> {
    if msg.is_deletion() {
        return None;
    }
    let probe = serde_json::from_slice::<Probe>(&msg.payload).ok()?;
    let (summary, status) = match probe.line {
        Some(line) => (line.sum, line.st),
        None => (
            probe.summary.unwrap_or_default(),
            probe.status.unwrap_or_default(),
        ),
    };
    serde_json::to_vec(&TickerMessage {
        kind: "ticker",
        match_id: msg.match_id,
        seq: msg.seq,
        epoch: msg.epoch,
        summary: &summary,
        status: &status,
    })
    .ok()
}
