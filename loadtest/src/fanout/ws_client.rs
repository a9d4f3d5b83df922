//! A WebSocket client cut down to what a viewer does: the opening handshake, reading the
//! server's frames, answering pings. Ten thousand of these share two cores with the node under
//! test, so whatever they spend is taken from the node: a frame costs one scan of its header,
//! with no allocation and no UTF-8 validation (the tracker reads only the message's head).
//! With `--deflate` the client offers permessage-deflate as a browser does and inflates each
//! compressed message's head only (see [`inflate_head`]), as far as the tracker reads.

use std::cell::RefCell;

use flate2::{Decompress, FlushDecompress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// RFC 6455's own example key and its accept value. A server must accept any key; a fixed one
/// spares each of thousands of clients a random draw, a SHA-1 and a base64.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// The longest response head accepted before the first frame.
const MAX_HEAD: usize = 8 * 1024;
/// The largest message accepted: far above any snapshot, small enough to bound memory.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Bytes read per `read`: one delta is under 1 KiB, a snapshot a few.
const READ_CHUNK: usize = 4 * 1024;
/// What a browser offers (Chromium's own offer).
const DEFLATE_OFFER: &str = "permessage-deflate; client_max_window_bits";
/// How much of a compressed message is inflated: the head the tracker reads, with room.
const INFLATED_HEAD: usize = 128;

pub struct WsClient {
    stream: TcpStream,
    /// Bytes read and not yet parsed start at `start`.
    buf: Vec<u8>,
    start: usize,
    /// A fragmented message being put together (servers rarely fragment; Crease never does).
    partial: Vec<u8>,
    pongs: Vec<Vec<u8>>,
    /// The server accepted permessage-deflate: RSV1 marks a compressed message.
    deflate: bool,
}

/// Whether the server has closed, as far as the frames parsed so far say.
#[derive(Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    /// The server's close frame: code and reason.
    Closed(Option<u16>, String),
}

impl WsClient {
    /// Sends the upgrade for `path` (offering permessage-deflate if `offer_deflate`) and reads
    /// the 101; bytes after the head stay buffered.
    pub async fn handshake(
        mut stream: TcpStream,
        host: &str,
        path: &str,
        offer_deflate: bool,
    ) -> Result<Self, String> {
        let offer = if offer_deflate {
            format!("Sec-WebSocket-Extensions: {DEFLATE_OFFER}\r\n")
        } else {
            String::new()
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("handshake write: {e}"))?;
        let mut buf = Vec::with_capacity(READ_CHUNK);
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if buf.len() > MAX_HEAD {
                return Err("handshake: response head too long".into());
            }
            buf.reserve(READ_CHUNK);
            let n = stream
                .read_buf(&mut buf)
                .await
                .map_err(|e| format!("handshake read: {e}"))?;
            if n == 0 {
                return Err("handshake: connection ended".into());
            }
        };
        let deflate = check_head(&buf[..head_end])?;
        if deflate && !offer_deflate {
            return Err("handshake: an extension that was not offered".into());
        }
        Ok(Self {
            stream,
            buf,
            start: head_end,
            partial: Vec::new(),
            pongs: Vec::new(),
            deflate,
        })
    }

    /// Waits for bytes and buffers them; `false` when the server ended the connection.
    /// Cancel-safe: a read that did not complete took nothing.
    pub async fn read(&mut self) -> Result<bool, String> {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 2 {
            self.compact();
            self.buf.reserve(READ_CHUNK);
        }
        let n = self
            .stream
            .read_buf(&mut self.buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        Ok(n > 0)
    }

    /// Whether the server accepted permessage-deflate.
    pub fn deflate(&self) -> bool {
        self.deflate
    }

    /// Hands every complete data message buffered so far to `on_message` with the bytes its
    /// frame took on the wire (a compressed message as far as [`inflate_head`] inflates it),
    /// queues pongs for pings, and says whether the server closed. Call [`WsClient::flush`]
    /// after it.
    pub fn parse(&mut self, mut on_message: impl FnMut(&[u8], usize)) -> Result<Status, String> {
        loop {
            let bytes = &self.buf[self.start..];
            let Some(frame) = parse_frame(bytes, self.deflate)? else {
                return Ok(Status::Open);
            };
            let payload = &bytes[frame.payload.clone()];
            match frame.opcode {
                0x1 | 0x2 if frame.compressed => {
                    if !frame.fin {
                        return Err(
                            "a fragmented compressed message (Crease never fragments)".into()
                        );
                    }
                    inflate_head(payload, |head| on_message(head, frame.len))?;
                }
                0x1 | 0x2 if frame.fin && self.partial.is_empty() => on_message(payload, frame.len),
                0x0..=0x2 => {
                    if frame.opcode == 0x0 && self.partial.is_empty() {
                        return Err("a continuation frame with nothing to continue".into());
                    }
                    if frame.opcode != 0x0 && !self.partial.is_empty() {
                        return Err("a new message inside a fragmented one".into());
                    }
                    if self.partial.len() + payload.len() > MAX_MESSAGE {
                        return Err("message too large".into());
                    }
                    self.partial.extend_from_slice(payload);
                    if frame.fin {
                        on_message(&self.partial, self.partial.len());
                        self.partial = Vec::new();
                    }
                }
                0x8 => {
                    let code =
                        (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                    return Ok(Status::Closed(code, reason.into_owned()));
                }
                0x9 => self.pongs.push(payload.to_vec()),
                0xA => {}
                op => return Err(format!("unknown opcode {op:#x}")),
            }
            self.start += frame.len;
        }
    }

    /// Writes the pongs owed, masked as a client must.
    pub async fn flush(&mut self) -> Result<(), String> {
        for payload in std::mem::take(&mut self.pongs) {
            let frame = client_frame(0xA, &payload);
            self.stream
                .write_all(&frame)
                .await
                .map_err(|e| format!("pong: {e}"))?;
        }
        Ok(())
    }

    fn compact(&mut self) {
        self.buf.drain(..self.start);
        self.start = 0;
    }
}

/// Inflates the start of one compressed message (RFC 7692 §7.2.2: the payload, then the
/// empty stored block the sender left off) and hands it to `on_head`. Only the first
/// [`INFLATED_HEAD`] bytes are inflated: enough for the message's type and seq.
///
/// The generator's CPU is the node's neighbour on a small machine, and every client of a node
/// gets the very same compressed bytes for a message: each thread keeps the heads of the last
/// few payloads it inflated and hands a repeat its head without inflating again (a compare of
/// a few hundred bytes against a fresh inflater's reset and run).
fn inflate_head(payload: &[u8], on_head: impl FnOnce(&[u8])) -> Result<(), String> {
    const REMEMBERED: usize = 4;
    struct Heads {
        inflater: Decompress,
        /// (payload, its head), most recent first.
        recent: Vec<(Vec<u8>, Vec<u8>)>,
    }
    thread_local! {
        static HEADS: RefCell<Heads> = RefCell::new(Heads {
            inflater: Decompress::new(false),
            recent: Vec::with_capacity(REMEMBERED),
        });
    }
    const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];
    HEADS.with_borrow_mut(|h| {
        if let Some(i) = h.recent.iter().position(|(p, _)| p.as_slice() == payload) {
            h.recent[..=i].rotate_right(1);
            on_head(&h.recent[0].1);
            return Ok(());
        }
        let d = &mut h.inflater;
        d.reset(false);
        let mut out = Vec::with_capacity(INFLATED_HEAD);
        let status = d
            .decompress_vec(payload, &mut out, FlushDecompress::Sync)
            .map_err(|e| format!("inflate: {e}"))?;
        // A message shorter than the head needs the tail to finish its last block.
        if out.len() < INFLATED_HEAD && status != flate2::Status::StreamEnd {
            d.decompress_vec(&TAIL, &mut out, FlushDecompress::Sync)
                .map_err(|e| format!("inflate: {e}"))?;
        }
        on_head(&out);
        if h.recent.len() == REMEMBERED {
            h.recent.pop();
        }
        h.recent.insert(0, (payload.to_vec(), out));
        Ok(())
    })
}

/// Whether the 101 accepted permessage-deflate, or why the head is not a WebSocket upgrade.
fn check_head(head: &[u8]) -> Result<bool, String> {
    let head = std::str::from_utf8(head).map_err(|_| "handshake: response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 101") {
        return Err(format!("handshake: {status}"));
    }
    let accepted = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("sec-websocket-accept") && v.trim() == ACCEPT
        })
    });
    if !accepted {
        return Err("handshake: wrong or missing Sec-WebSocket-Accept".into());
    }
    Ok(head.split("\r\n").any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("sec-websocket-extensions")
                && v.trim().starts_with("permessage-deflate")
        })
    }))
}

struct FrameHead {
    fin: bool,
    /// RSV1 on a data frame: a permessage-deflate message.
    compressed: bool,
    opcode: u8,
    payload: std::ops::Range<usize>,
    len: usize,
}

/// A complete server frame at the start of `b`, `None` if more bytes are needed. RSV1 is
/// allowed on a first data frame when `deflate` was negotiated.
fn parse_frame(b: &[u8], deflate: bool) -> Result<Option<FrameHead>, String> {
    if b.len() < 2 {
        return Ok(None);
    }
    let compressed = b[0] & 0x40 != 0;
    let data = matches!(b[0] & 0x0F, 0x1 | 0x2);
    if b[0] & 0x30 != 0 || (compressed && !(deflate && data)) {
        return Err("reserved bits set".into());
    }
    if b[1] & 0x80 != 0 {
        return Err("a masked frame from the server".into());
    }
    let (len, at) = match b[1] & 0x7F {
        126 if b.len() < 4 => return Ok(None),
        126 => (u16::from_be_bytes([b[2], b[3]]) as u64, 4),
        127 if b.len() < 10 => return Ok(None),
        127 => (
            u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")),
            10,
        ),
        n => (n as u64, 2),
    };
    if len > MAX_MESSAGE as u64 {
        return Err("frame too large".into());
    }
    let end = at + len as usize;
    if b.len() < end {
        return Ok(None);
    }
    Ok(Some(FrameHead {
        fin: b[0] & 0x80 != 0,
        compressed,
        opcode: b[0] & 0x0F,
        payload: at..end,
        len: end,
    }))
}

/// A masked client frame (control frames only: payload under 126 bytes).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(125)];
    let mask = [0x1Fu8, 0x2E, 0x3D, 0x4C];
    let mut out = Vec::with_capacity(6 + payload.len());
    out.push(0x80 | opcode);
    out.push(0x80 | payload.len() as u8);
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        match payload.len() {
            n if n < 126 => f.push(n as u8),
            n if n <= 0xFFFF => {
                f.push(126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn frames_are_read_whole_or_not_at_all() {
        let big = vec![b'x'; 70_000];
        for payload in [&b"hi"[..], &[b'y'; 300][..], &big[..]] {
            let f = server_frame(true, 1, payload);
            for cut in [0, 1, 2, f.len() - 1] {
                assert!(parse_frame(&f[..cut], false).unwrap().is_none());
            }
            let head = parse_frame(&f, false).unwrap().unwrap();
            assert_eq!(&f[head.payload.clone()], payload);
            assert_eq!(head.len, f.len());
        }
    }

    #[test]
    fn masked_or_reserved_server_frames_are_refused() {
        assert!(parse_frame(&[0x81, 0x81, 1, 2, 3, 4, 5], true).is_err());
        assert!(
            parse_frame(&[0xC1, 0x00], false).is_err(),
            "RSV1 not negotiated"
        );
        assert!(parse_frame(&[0xC9, 0x00], true).is_err(), "RSV1 on a ping");
        assert!(parse_frame(&[0xA1, 0x00], true).is_err(), "RSV2");
        assert!(parse_frame(&[0xC1, 0x00], true).unwrap().is_some());
    }

    fn deflate(text: &[u8]) -> Vec<u8> {
        let mut c = flate2::Compress::new(flate2::Compression::default(), false);
        let mut z = Vec::with_capacity(text.len() + 64);
        c.compress_vec(text, &mut z, flate2::FlushCompress::Sync)
            .unwrap();
        assert!(z.ends_with(&[0, 0, 0xFF, 0xFF]));
        z.truncate(z.len() - 4);
        z
    }

    #[test]
    fn a_compressed_message_yields_its_head() {
        let long = format!(
            r#"{{"type":"ball","match_id":3,"seq":151,"line":{{"sum":"{}"}}}}"#,
            "x".repeat(600)
        );
        let short = r#"{"type":"ball","match_id":3,"seq":152}"#;
        for text in [long.as_str(), short] {
            let mut got = Vec::new();
            inflate_head(&deflate(text.as_bytes()), |h| got = h.to_vec()).unwrap();
            assert!(text.as_bytes().starts_with(&got), "a prefix of the message");
            assert!(got.len() >= text.len().min(INFLATED_HEAD));
        }
        assert!(inflate_head(b"\xFF\xFF\xFF", |_| {}).is_err());
        // A repeat is handed the head it had, among others inflated since.
        let texts: Vec<String> = (0..6)
            .map(|i| {
                format!(
                    r#"{{"type":"ball","match_id":3,"seq":{i},"x":"{}"}}"#,
                    "y".repeat(200)
                )
            })
            .collect();
        for round in 0..2 {
            for t in texts.iter().chain(texts.iter().rev()) {
                let mut got = Vec::new();
                inflate_head(&deflate(t.as_bytes()), |h| got = h.to_vec()).unwrap();
                assert!(
                    t.as_bytes().starts_with(&got) && got.len() >= INFLATED_HEAD,
                    "{round}"
                );
            }
        }
    }

    #[test]
    fn a_101_says_whether_deflate_was_accepted() {
        let with = format!(
            "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"
        );
        assert_eq!(check_head(with.as_bytes()), Ok(true));
        let without =
            format!("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n");
        assert_eq!(check_head(without.as_bytes()), Ok(false));
    }

    #[test]
    fn pong_is_masked_and_unmasks_to_the_ping() {
        let f = client_frame(0xA, b"abc");
        assert_eq!(f[0], 0x8A);
        assert_eq!(f[1], 0x83);
        let unmasked: Vec<u8> = f[6..]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ f[2 + i % 4])
            .collect();
        assert_eq!(unmasked, b"abc");
    }

    #[test]
    fn the_head_must_be_a_101_with_the_right_accept() {
        let ok =
            format!("HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: {ACCEPT}\r\n\r\n");
        assert!(check_head(ok.as_bytes()).is_ok());
        assert!(check_head(b"HTTP/1.1 503 Service Unavailable\r\n\r\n").is_err());
        assert!(check_head(b"HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: nope\r\n\r\n").is_err());
    }
}
