//! Bounded fuzzing of the WebSocket frame parser and the message reassembly behind it, seeded
//! with real client frames: arbitrary bytes, real frames changed at random (a byte flipped,
//! the stream cut, bytes inserted or removed), and real streams split at every boundary. The
//! parser may refuse anything, but never panics, never claims more bytes than it was given,
//! and reads a stream fed in pieces exactly as it reads it whole.
//!
//! Proptest keeps each failing case in `ws_fuzz.proptest-regressions` beside this file, so a
//! crash found once is replayed first on every later run.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crease::hub::ws_proto::{parse, ClientFrame, ProtoError, Reassembly, MAX_CLIENT_PAYLOAD};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// What a connection makes of a stream: each frame, or the refusal that ends it.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Frame(ClientFrame),
    /// A data frame the reassembly took.
    Took,
    Refused(ProtoError),
}

/// Masks `payload` into a client frame, with the length in the shortest encoding or, when
/// `wide` asks, in the 16- or 64-bit forms a client may also use.
fn frame(b0: u8, payload: &[u8], mask: [u8; 4], wide: u8) -> Vec<u8> {
    let len = payload.len();
    let mut v = vec![b0];
    match (len, wide) {
        (0..=125, 0) => v.push(0x80 | len as u8),
        (_, 0 | 1) if len <= 0xFFFF => {
            v.push(0x80 | 126);
            v.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            v.push(0x80 | 127);
            v.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(&mask);
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    v
}

/// Frames a browser sends this server: pings, pongs, a close, short text, a fragmented
/// message, and the first bytes of what it refuses (binary, oversized).
fn real_frames() -> Vec<Vec<u8>> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    vec![
        frame(0x89, b"hi", mask, 0),
        frame(0x8A, b"", mask, 0),
        frame(0x88, &1000u16.to_be_bytes(), mask, 0),
        frame(0x88, b"", mask, 0),
        frame(0x81, br#"{"type":"hello"}"#, mask, 0),
        frame(0x01, "Six! ".as_bytes(), mask, 1),
        frame(0x80, &[b'e', 0xC3, 0xA9], mask, 2),
        frame(0x82, &[1, 2, 3], mask, 0),
        frame(0x81, &[b'x'; 300], mask, 0),
    ]
}

/// As a connection that negotiated permessage-deflate reads: RSV1 frames are inflated too, so
/// the fuzzing reaches the inflater.
const DEFLATE: bool = true;

/// Parses frames off the front of `buf` as the connection does, appending what it makes of
/// them to `steps`; `Some` once the stream is refused (nothing after a refusal is read).
fn drain(buf: &mut Vec<u8>, message: &mut Reassembly, steps: &mut Vec<Step>) -> Option<()> {
    loop {
        let before = buf.len();
        match parse(buf, DEFLATE) {
            Ok(None) => return None,
            Ok(Some((frame, used))) => {
                assert!(used >= 2 && used <= before, "took {used} of {before} bytes");
                buf.drain(..used);
                match frame {
                    ClientFrame::Data {
                        opcode,
                        fin,
                        compressed,
                        payload,
                    } => {
                        assert!(payload.len() <= MAX_CLIENT_PAYLOAD);
                        match message.push(opcode, fin, compressed, payload) {
                            Ok(()) => steps.push(Step::Took),
                            Err(e) => {
                                steps.push(Step::Refused(e));
                                return Some(());
                            }
                        }
                    }
                    other => steps.push(Step::Frame(other)),
                }
            }
            Err(e) => {
                steps.push(Step::Refused(e));
                return Some(());
            }
        }
    }
}

/// What the stream is read as when it arrives in the given pieces.
fn read_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<Step> {
    let mut buf = Vec::new();
    let mut message = Reassembly::default();
    let mut steps = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
        let cut = cut.clamp(at, stream.len());
        buf.extend_from_slice(&stream[at..cut]);
        at = cut;
        if drain(&mut buf, &mut message, &mut steps).is_some() {
            break;
        }
    }
    steps
}

fn no_panic(what: &str, input: &[u8], f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        panic!("{what} panicked on {input:02x?}");
    }
}

/// A stream of real frames, then changed: each byte flipped, dropped or doubled with some
/// chance, and the whole cut short.
fn mutated_stream() -> impl Strategy<Value = Vec<u8>> {
    let frames = real_frames();
    (
        proptest::collection::vec(0..frames.len(), 1..6),
        proptest::collection::vec((any::<u8>(), 0u8..20), 0..400),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(move |(picks, edits, cut)| {
            let mut stream: Vec<u8> = picks.iter().flat_map(|&i| frames[i].clone()).collect();
            let mut out = Vec::with_capacity(stream.len());
            for (i, b) in stream.drain(..).enumerate() {
                let (value, action) = edits.get(i).copied().unwrap_or((0, 10));
                match action {
                    0 => out.push(b ^ value.max(1)),
                    1 => {}
                    2 => out.extend_from_slice(&[b, value]),
                    _ => out.push(b),
                }
            }
            if let Some(cut) = cut {
                out.truncate(cut.index(out.len() + 1));
            }
            out
        })
}

/// A header of any length encoding and flags, then a payload: reaches the length checks far
/// more often than arbitrary bytes do.
fn forged_header() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u64>(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(b0, b1, len, rest)| {
            let mut v = vec![b0, b1];
            match b1 & 0x7F {
                126 => v.extend_from_slice(&(len as u16).to_be_bytes()),
                127 => v.extend_from_slice(&len.to_be_bytes()),
                _ => {}
            }
            v.extend_from_slice(&rest);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Beside this file: the default would look for it under `proptest-regressions/`,
        // since this binary's root is `main.rs` in this directory.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_or_overread(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::collection::vec(any::<u8>(), 0..6000),
            forged_header(),
        ]
    ) {
        no_panic("parse", &bytes, || {
            if let Ok(Some((_, used))) = parse(&bytes, DEFLATE) {
                assert!(used <= bytes.len(), "took {used} of {}", bytes.len());
            }
        });
        no_panic("a stream", &bytes, || {
            read_in_pieces(&bytes, &[]);
        });
    }

    #[test]
    fn mutated_real_frames_never_panic(stream in mutated_stream()) {
        no_panic("a mutated stream", &stream, || {
            read_in_pieces(&stream, &[]);
        });
    }

    #[test]
    fn a_stream_reads_the_same_in_pieces_as_whole(
        stream in prop_oneof![
            mutated_stream(),
            proptest::collection::vec(0..9usize, 1..5).prop_map(|picks| {
                let frames = real_frames();
                picks.iter().flat_map(|&i| frames[i].clone()).collect()
            }),
        ],
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let whole = read_in_pieces(&stream, &[]);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(&read_in_pieces(&stream, &cuts), &whole, "cut at {:?}", cuts);
        // Split once at every boundary, and fed a byte at a time.
        for at in 0..=stream.len() {
            prop_assert_eq!(&read_in_pieces(&stream, &[at]), &whole, "split at {}", at);
        }
        let bytes: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(&read_in_pieces(&stream, &bytes), &whole, "a byte at a time");
    }

    #[test]
    fn a_prefix_of_a_frame_waits_or_is_refused_as_the_whole(
        pick in 0..9usize,
        cut in any::<prop::sample::Index>(),
    ) {
        let whole = &real_frames()[pick];
        let prefix = &whole[..cut.index(whole.len())];
        match parse(prefix, DEFLATE) {
            Ok(None) => {}
            Err(e) => prop_assert_eq!(Err(e), parse(whole, DEFLATE).map(|_| ())),
            Ok(Some(got)) => prop_assert!(false, "a frame from a prefix: {:?}", got),
        }
    }
}

/// The frames the fuzzing starts from are read as a browser means them: nothing refused but
/// the binary message.
#[test]
fn the_seed_frames_are_read_as_sent() {
    let frames = real_frames();
    let text: Vec<u8> = frames[..7].concat();
    let steps = read_in_pieces(&text, &[]);
    assert_eq!(
        steps,
        vec![
            Step::Frame(ClientFrame::Ping(b"hi".to_vec())),
            Step::Frame(ClientFrame::Pong),
            Step::Frame(ClientFrame::Close(Some(1000))),
            Step::Frame(ClientFrame::Close(None)),
            Step::Took,
            Step::Took,
            Step::Took,
        ]
    );
    assert!(matches!(
        read_in_pieces(&frames[7], &[])[..],
        [Step::Refused(ProtoError::Unsupported(_))]
    ));
}
