//! Compression done once per node, not once per client: every message is deflated on its own,
//! with no history before it, so the same compressed bytes are valid for every client that
//! negotiated compression, however far into the stream each one is.
//!
//! Two wire forms, each deflated once per message, whatever the number of clients:
//! - WebSocket permessage-deflate (RFC 7692) with `server_no_context_takeover`: the raw DEFLATE
//!   data of one message, its sync flush's `00 00 FF FF` tail removed (§7.2.1);
//! - an SSE stream under `Content-Encoding: gzip`: a gzip header, then each event's DEFLATE data
//!   whole (a sync flush leaves it byte-aligned and not final, so they simply follow one
//!   another), then an empty final block and the trailer. The trailer's CRC-32 is folded per
//!   connection from each event's own CRC and a multiplier made once per message
//!   ([`crc32_combine_op`]), so a client costs a few dozen shifts per event, not a pass over it.

use std::cell::RefCell;

use bytes::{BufMut, Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Messages shorter than this go plain: a `viewers` count or a ticker line gains little, and
/// RFC 7692 lets any message go uncompressed.
pub const MIN_COMPRESSED: usize = 96;

/// The tail a sync flush ends with, which permessage-deflate leaves off the wire.
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

thread_local! {
    // One compressor a thread, reset before each message: a fresh one allocates its tables.
    static COMPRESSOR: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::default(), false));
}

/// Raw DEFLATE of `data` alone (no dictionary from earlier messages), ending with a sync flush.
pub fn deflate_alone(data: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let start = c.total_in();
        loop {
            let used = (c.total_in() - start) as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(64));
            }
            // Cannot fail for a raw stream with a valid level; an error would leave `out`
            // short, which the loop's end condition does not accept.
            if c.compress_vec(&data[used..], &mut out, FlushCompress::Sync)
                .is_err()
            {
                return Vec::new();
            }
            // Done once all input is in and the flush left room to spare.
            if (c.total_in() - start) as usize == data.len() && out.len() < out.capacity() {
                return out;
            }
        }
    })
}

/// The payload of a permessage-deflate message for `data`; `None` if it is not worth it.
pub fn permessage(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < MIN_COMPRESSED {
        return None;
    }
    let mut out = deflate_alone(data);
    if !out.ends_with(&SYNC_TAIL) || out.len() >= data.len() {
        return None;
    }
    out.truncate(out.len() - SYNC_TAIL.len());
    Some(out)
}

/// Inflates a client's permessage-deflate message, refusing one that grows past `max` bytes.
pub fn inflate_message(compressed: &[u8], max: usize) -> Result<Vec<u8>, InflateError> {
    let mut d = Decompress::new(false);
    let mut input = Vec::with_capacity(compressed.len() + SYNC_TAIL.len());
    input.extend_from_slice(compressed);
    input.extend_from_slice(&SYNC_TAIL);
    // One byte of room past the limit tells "exactly max" from "more than max".
    let mut out = Vec::with_capacity(max + 1);
    loop {
        let used = d.total_in() as usize;
        let status = d
            .decompress_vec(&input[used..], &mut out, FlushDecompress::Sync)
            .map_err(|_| InflateError::Corrupt)?;
        if out.len() > max {
            return Err(InflateError::TooBig);
        }
        let done = d.total_in() as usize == input.len();
        match status {
            Status::StreamEnd => return Ok(out),
            _ if done => return Ok(out),
            Status::BufError if out.len() == out.capacity() => return Err(InflateError::TooBig),
            Status::BufError => return Err(InflateError::Corrupt),
            Status::Ok => {}
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum InflateError {
    Corrupt,
    TooBig,
}

/// A gzip header: no name, no time, unknown OS.
pub const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// An empty final block with fixed codes: the DEFLATE stream's end.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// One SSE event as a gzip stream's segment: its DEFLATE data with what a connection needs to
/// fold it into its trailer. Kept as one `Bytes` (a 12-byte head, then the data) so that it
/// queues like any other frame.
pub struct Segment;

impl Segment {
    const HEAD: usize = 12;

    pub fn encode(plain: &[u8]) -> Bytes {
        let data = deflate_alone(plain);
        let mut out = BytesMut::with_capacity(Self::HEAD + data.len());
        out.put_u32_le(crc32fast::hash(plain));
        out.put_u32_le(crc32_combine_gen(plain.len() as u64));
        out.put_u32_le(plain.len() as u32);
        out.extend_from_slice(&data);
        out.freeze()
    }

    /// The DEFLATE data to write, after folding the segment into `trailer`. A malformed
    /// segment (shorter than its head) writes nothing.
    pub fn take(segment: &Bytes, trailer: &mut Trailer) -> Bytes {
        if segment.len() < Self::HEAD {
            return Bytes::new();
        }
        let word = |i: usize| u32::from_le_bytes(segment[i..i + 4].try_into().unwrap_or([0; 4]));
        trailer.crc = crc32_combine_op(trailer.crc, word(0), word(4));
        trailer.size = trailer.size.wrapping_add(word(8));
        segment.slice(Self::HEAD..)
    }
}

/// What a gzip stream's end needs of everything it carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct Trailer {
    crc: u32,
    size: u32,
}

impl Trailer {
    /// The final block and the gzip trailer (CRC-32 and size mod 2^32).
    pub fn finish(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(10);
        out.extend_from_slice(&FINAL_BLOCK);
        out.put_u32_le(self.crc);
        out.put_u32_le(self.size);
        out.freeze()
    }
}

/// The reflected CRC-32 polynomial (gzip's).
const POLY: u32 = 0xedb8_8320;

/// `a * b mod p(x)`, polynomials over GF(2) in reflected bit order (zlib's `multmodp`).
const fn multmodp(a: u32, mut b: u32) -> u32 {
    let mut m: u32 = 1 << 31;
    let mut p: u32 = 0;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    p
}

/// `x^(2^k) mod p(x)` for k in 0..32.
const X2N: [u32; 32] = {
    let mut t = [0u32; 32];
    let mut p: u32 = 1 << 30; // x^1
    let mut k = 0;
    while k < 32 {
        t[k] = p;
        p = multmodp(p, p);
        k += 1;
    }
    t
};

/// The multiplier that shifts a CRC past `len` bytes (zlib's `crc32_combine_gen`).
pub fn crc32_combine_gen(len: u64) -> u32 {
    let (mut n, mut k) = (len, 3usize);
    let mut p: u32 = 1 << 31; // x^0
    while n != 0 {
        if n & 1 != 0 {
            p = multmodp(X2N[k & 31], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

/// The CRC of `A ++ B` from `crc(A)`, `crc(B)` and `B`'s multiplier.
pub fn crc32_combine_op(crc_a: u32, crc_b: u32, op: u32) -> u32 {
    multmodp(op, crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const BALL: &[u8] = br#"{"type":"ball","match_id":3,"seq":41,"epoch":1,"ball":{"batter":"JE Root","bowler":"TG Southee","non_striker":"BM Duckett","runs":{"batter":4,"extras":0,"total":4}},"line":{"status":"in_progress","summary":"England 41/1 (6.5 ov)"}}"#;

    /// Inflates with flate2's own reader, after an empty final block ends the stream.
    fn inflate_raw(data: &[u8]) -> Vec<u8> {
        let whole = [data, &FINAL_BLOCK].concat();
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(whole.as_slice())
            .read_to_end(&mut out)
            .expect("valid deflate");
        out
    }

    #[test]
    fn a_permessage_payload_inflates_to_the_message_alone() {
        let z = permessage(BALL).expect("worth compressing");
        assert!(z.len() < BALL.len());
        let mut whole = z.clone();
        whole.extend_from_slice(&SYNC_TAIL);
        assert_eq!(inflate_raw(&whole), BALL);
        // The same bytes every time: no state carries from one message to the next.
        let _ = permessage(&b"x".repeat(200));
        assert_eq!(permessage(BALL).expect("again"), z);
        assert_eq!(
            permessage(b"{\"type\":\"viewers\"}"),
            None,
            "short ones go plain"
        );
    }

    #[test]
    fn inflating_a_clients_message_is_bounded() {
        let z = permessage(&b"a".repeat(5000)).expect("compressible");
        assert_eq!(inflate_message(&z, 4096), Err(InflateError::TooBig));
        assert_eq!(inflate_message(&z, 5000).expect("fits").len(), 5000);
        let z = permessage(BALL).expect("compressible");
        assert_eq!(inflate_message(&z, 4096).expect("inflates"), BALL);
        assert_eq!(
            inflate_message(&[0xff, 0xff, 0xff], 4096),
            Err(InflateError::Corrupt)
        );
    }

    #[test]
    fn combined_crcs_match_the_crc_of_the_whole() {
        let (a, b) = (b"The quick brown fox ".as_slice(), BALL);
        let whole = [a, b].concat();
        let op = crc32_combine_gen(b.len() as u64);
        assert_eq!(
            crc32_combine_op(crc32fast::hash(a), crc32fast::hash(b), op),
            crc32fast::hash(&whole)
        );
        assert_eq!(
            crc32_combine_op(0, crc32fast::hash(b), op),
            crc32fast::hash(b)
        );
        assert_eq!(
            crc32_combine_gen(0),
            1 << 31,
            "shifting by nothing is the identity"
        );
    }

    #[test]
    fn segments_make_a_gzip_stream_that_a_strict_decoder_checks() {
        let events: Vec<Vec<u8>> = (0..50)
            .map(|i| format!("id: 1:{i}\ndata: {}\n\n", String::from_utf8_lossy(BALL)).into_bytes())
            .collect();
        let mut stream = GZIP_HEADER.to_vec();
        let mut trailer = Trailer::default();
        for e in &events {
            stream.extend_from_slice(&Segment::take(&Segment::encode(e), &mut trailer));
        }
        stream.extend_from_slice(&trailer.finish());
        let mut out = Vec::new();
        // GzDecoder checks the trailer's CRC and size and fails on a mismatch.
        flate2::read::GzDecoder::new(stream.as_slice())
            .read_to_end(&mut out)
            .expect("a valid gzip stream");
        assert_eq!(out, events.concat());
        // Cut short, the events so far still inflate (a client reads them as they come).
        let mut part = Vec::new();
        let cut = stream.len() - 10;
        let _ = flate2::read::GzDecoder::new(&stream[..cut]).read_to_end(&mut part);
        assert_eq!(part, events.concat());
    }
}
