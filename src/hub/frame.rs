//! A message as it leaves a node: built once per node, then the same bytes go to every client.
//!
//! Server-to-client WebSocket frames are unmasked, so a whole frame — header and payload — is
//! identical for every client and can be written to each socket as it is. The SSE form is the
//! complete event text (`id:` and `data:` lines). Each also has a compressed form, made once
//! here for every client that asked for compression ([`super::deflate`]).

use bytes::{BufMut, Bytes, BytesMut};

use super::deflate;

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
    /// The WebSocket frame as permessage-deflate (RSV1 set); empty where the message goes
    /// plain to every client (short, or a control frame).
    pub ws_deflated: Bytes,
    /// The SSE event as a gzip segment ([`deflate::Segment`]); empty for none.
    pub sse_gzip: Bytes,
}

pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;
/// RFC 7692: the first frame of a compressed message has RSV1 set.
const RSV1: u8 = 0x40;

impl Frame {
    pub fn message((epoch, seq): (i64, i64), kind: FrameKind, json: &[u8]) -> Self {
        let sse = sse_event((epoch, seq), json);
        Self {
            seq,
            epoch,
            kind,
            ws: ws_frame(OP_TEXT, json),
            ws_deflated: deflate::permessage(json)
                .map(|z| ws_frame_with(0x80 | RSV1 | OP_TEXT, &z))
                .unwrap_or_default(),
            sse_gzip: deflate::Segment::encode(&sse),
            sse,
        }
    }

    /// Bytes already in one connection's form (queued while it was seeding), offered again
    /// as they are: every form is those bytes.
    pub fn as_queued(seq: i64, epoch: i64, kind: FrameKind, bytes: Bytes) -> Self {
        Self {
            seq,
            epoch,
            kind,
            ws: bytes.clone(),
            ws_deflated: bytes.clone(),
            sse_gzip: bytes.clone(),
            sse: bytes,
        }
    }

    /// A frame that is not a message of the history: a ping, a pong, a count. Sent plain on a
    /// WebSocket; SSE's form is also made a gzip segment, since a gzip stream carries
    /// nothing else.
    pub fn control(ws: Bytes, sse: Bytes) -> Self {
        Self {
            seq: 0,
            epoch: 0,
            kind: FrameKind::Control,
            ws,
            ws_deflated: Bytes::new(),
            sse_gzip: if sse.is_empty() {
                Bytes::new()
            } else {
                deflate::Segment::encode(&sse)
            },
            sse,
        }
    }

    pub fn pos(&self) -> (i64, i64) {
        (self.epoch, self.seq)
    }
}

/// One final (FIN) unmasked frame with the given opcode.
pub fn ws_frame(opcode: u8, payload: &[u8]) -> Bytes {
    ws_frame_with(0x80 | opcode, payload)
}

/// An unmasked frame whose first byte (FIN, RSV bits, opcode) is `b0`.
fn ws_frame_with(b0: u8, payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut buf = BytesMut::with_capacity(len + 10);
    buf.put_u8(b0);
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
/// One SSE event of a match's history: `id: EPOCH:SEQ` and one `data:` line.
pub fn sse_event((epoch, seq): (i64, i64), json: &[u8]) -> Bytes {
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
    fn the_deflated_frame_has_rsv1_and_inflates_to_the_message() {
        let json = format!(
            r#"{{"type":"ball","seq":7,"text":"{}"}}"#,
            "four runs, ".repeat(30)
        );
        let f = Frame::message((1, 7), FrameKind::Delta, json.as_bytes());
        assert_eq!(f.ws_deflated[0], 0xC1, "FIN, RSV1, text");
        let len = f.ws_deflated[1] as usize;
        assert!(len < 126 && len == f.ws_deflated.len() - 2);
        let inflated =
            deflate::inflate_message(&f.ws_deflated[2..], 1 << 20).expect("valid deflate");
        assert_eq!(inflated, json.as_bytes());
        let short = Frame::message((1, 8), FrameKind::Delta, br#"{"seq":8}"#);
        assert!(short.ws_deflated.is_empty(), "too short to be worth it");
        assert!(
            !short.sse_gzip.is_empty(),
            "a gzip stream carries every event"
        );
    }

    #[test]
    fn sse_events_carry_epoch_and_seq_as_id() {
        let f = Frame::message((1700, 7), FrameKind::Delta, br#"{"seq":7}"#);
        assert_eq!(&f.sse[..], b"id: 1700:7\ndata: {\"seq\":7}\n\n");
    }
}
