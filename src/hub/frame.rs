//! A message as it leaves a node: built once per node, then the same bytes go to every client.
//!
//! Server-to-client WebSocket frames are unmasked, so a whole frame — header and payload — is
//! identical for every client and can be written to each socket as it is. The SSE form is the
//! complete event text (`id:` and `data:` lines).

use bytes::{BufMut, Bytes, BytesMut};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// A `ball`, `undo` or `event` message: applies on top of the previous seq.
    Delta,
    /// A full `snapshot`: replaces whatever the client had.
    Snapshot,
    /// Not a message: a ping, a pong, a close, an SSE comment. Carries no seq.
    Control,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    /// The epoch of the message's history; frames are ordered by `(epoch, seq)`.
    pub epoch: i64,
    pub kind: FrameKind,
    pub ws: Bytes,
    pub sse: Bytes,
}

pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

impl Frame {
    pub fn message((epoch, seq): (i64, i64), kind: FrameKind, json: &[u8]) -> Self {
        Self {
            seq,
            epoch,
            kind,
            ws: ws_frame(OP_TEXT, json),
            sse: sse_event((epoch, seq), json),
        }
    }

    pub fn control(ws: Bytes, sse: Bytes) -> Self {
        Self {
            seq: 0,
            epoch: 0,
            kind: FrameKind::Control,
            ws,
            sse,
        }
    }

    pub fn pos(&self) -> (i64, i64) {
        (self.epoch, self.seq)
    }
}

/// One final (FIN) unmasked frame with the given opcode.
pub fn ws_frame(opcode: u8, payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut buf = BytesMut::with_capacity(len + 10);
    buf.put_u8(0x80 | opcode);
    if len < 126 {
        buf.put_u8(len as u8);
    } else if len <= u16::MAX as usize {
        buf.put_u8(126);
        buf.put_u16(len as u16);
    } else {
        buf.put_u8(127);
        buf.put_u64(len as u64);
    }
    buf.extend_from_slice(payload);
    buf.freeze()
}

/// A close frame with a status code and a short reason (at most 123 bytes, as the protocol says).
pub fn ws_close(code: u16, reason: &str) -> Bytes {
    let reason = &reason.as_bytes()[..reason.len().min(123)];
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason);
    ws_frame(OP_CLOSE, &payload)
}

/// The event's `id:` is the resume token `EPOCH:SEQ`, which the browser sends back as
/// `Last-Event-ID` when it reconnects.
fn sse_event((epoch, seq): (i64, i64), json: &[u8]) -> Bytes {
    // serde_json's compact output holds no raw newline, so one `data:` line carries it all.
    let mut buf = BytesMut::with_capacity(json.len() + 48);
    buf.extend_from_slice(b"id: ");
    buf.extend_from_slice(format!("{epoch}:{seq}").as_bytes());
    buf.extend_from_slice(b"\ndata: ");
    buf.extend_from_slice(json);
    buf.extend_from_slice(b"\n\n");
    buf.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_lengths_in_all_three_encodings() {
        assert_eq!(&ws_frame(OP_TEXT, b"hi")[..], &[0x81, 2, b'h', b'i']);
        let mid = ws_frame(OP_TEXT, &[b'x'; 300]);
        assert_eq!(&mid[..4], &[0x81, 126, 1, 44]);
        assert_eq!(mid.len(), 304);
        let big = ws_frame(OP_TEXT, &vec![b'x'; 70_000]);
        assert_eq!(big[1], 127);
        assert_eq!(big.len(), 70_010);
    }

    #[test]
    fn sse_events_carry_epoch_and_seq_as_id() {
        let f = Frame::message((1700, 7), FrameKind::Delta, br#"{"seq":7}"#);
        assert_eq!(&f.sse[..], b"id: 1700:7\ndata: {\"seq\":7}\n\n");
    }
}
