//! The client side of RFC 6455 as a server reads it: masked frames, control frames, close,
//! and the messages data frames make up. Clients send little (pongs, pings, a close); anything
//! large, binary or malformed ends the connection with the code the RFC gives it.

/// The largest client message accepted, whole or fragmented: the protocol gives clients
/// nothing big to say.
pub const MAX_CLIENT_PAYLOAD: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Ping(Vec<u8>),
    Pong,
    /// A valid close code (absent if the payload was empty).
    Close(Option<u16>),
    /// A text, binary or continuation frame, unmasked; `compressed` (RSV1) on the first frame
    /// of a permessage-deflate message.
    Data {
        opcode: u8,
        fin: bool,
        compressed: bool,
        payload: Vec<u8>,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// Close code 1002.
    Protocol(&'static str),
    /// Close code 1003.
    Unsupported(&'static str),
    /// Close code 1007.
    InvalidUtf8,
    /// Close code 1009.
    TooBig,
}

impl ProtoError {
    pub fn close_code(&self) -> (u16, &'static str) {
        match self {
            Self::Protocol(why) => (1002, why),
            Self::Unsupported(why) => (1003, why),
            Self::InvalidUtf8 => (1007, "text is not valid UTF-8"),
            Self::TooBig => (1009, "message too big"),
        }
    }
}

/// Parses one frame from the start of `buf`: `Ok(None)` if more bytes are needed, else the
/// frame and how many bytes it took. `deflate`: the connection negotiated permessage-deflate,
/// which gives RSV1 its meaning.
pub fn parse(buf: &[u8], deflate: bool) -> Result<Option<(ClientFrame, usize)>, ProtoError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    let compressed = deflate && b0 & 0x70 == 0x40;
    if b0 & 0x70 != 0 && !compressed {
        return Err(ProtoError::Protocol("reserved bits set"));
    }
    if b1 & 0x80 == 0 {
        return Err(ProtoError::Protocol("client frames must be masked"));
    }
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0F;
    if !matches!(opcode, 0x0..=0x2 | 0x8..=0xA) {
        return Err(ProtoError::Protocol("unknown opcode"));
    }
    let (len, mut at) = match b1 & 0x7F {
        126 => {
            let Some(b) = buf.get(2..4) else {
                return Ok(None);
            };
            (u16::from_be_bytes([b[0], b[1]]) as u64, 4)
        }
        127 => {
            let Some(b) = buf.get(2..10) else {
                return Ok(None);
            };
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            (u64::from_be_bytes(a), 10)
        }
        n => (n as u64, 2),
    };
    let is_control = opcode >= 8;
    if is_control && (!fin || len > 125) {
        return Err(ProtoError::Protocol(
            "control frames are short and unfragmented",
        ));
    }
    // RFC 7692 §6.1: RSV1 marks a message's first frame; control frames are never compressed.
    if compressed && (is_control || opcode == 0x0) {
        return Err(ProtoError::Protocol(
            "RSV1 set on a frame that cannot carry it",
        ));
    }
    // Before the opcode's meaning: an oversized message is refused for its size (1009) before
    // any of it is read, whatever its type.
    if len > MAX_CLIENT_PAYLOAD as u64 {
        return Err(ProtoError::TooBig);
    }
    let len = len as usize;
    let Some(mask) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [mask[0], mask[1], mask[2], mask[3]];
    at += 4;
    let Some(masked) = buf.get(at..at + len) else {
        return Ok(None);
    };
    let payload: Vec<u8> = masked
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    let frame = match opcode {
        0x8 => ClientFrame::Close(close_code(&payload)?),
        0x9 => ClientFrame::Ping(payload),
        0xA => ClientFrame::Pong,
        _ => ClientFrame::Data {
            opcode,
            fin,
            compressed,
            payload,
        },
    };
    Ok(Some((frame, at + len)))
}

/// A close payload is empty, or a code the RFC lets an endpoint send followed by UTF-8.
fn close_code(payload: &[u8]) -> Result<Option<u16>, ProtoError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ProtoError::Protocol("a close payload has a two-byte code")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !sendable_close_code(code) {
                return Err(ProtoError::Protocol("invalid close code"));
            }
            if std::str::from_utf8(reason).is_err() {
                return Err(ProtoError::InvalidUtf8);
            }
            Ok(Some(code))
        }
    }
}

/// RFC 6455 §7.4: 1005, 1006 and 1015 only report what happened locally and never go on the
/// wire; 1004 and the rest of 1000–2999 are reserved; 3000–4999 belong to libraries and
/// applications. 1012–1014 were registered with IANA after the RFC.
fn sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The message being reassembled from data frames. This server reads nothing from clients'
/// messages, but the RFC still binds it: text must be UTF-8 (1007), a continuation must follow
/// a start (1002), and binary data is not a type it accepts (1003).
#[derive(Debug, Default)]
pub struct Reassembly {
    /// Text received so far of a fragmented message; `None` between messages.
    text: Option<Vec<u8>>,
    /// The message in progress is compressed: its text is checked once inflated, at its end.
    compressed: bool,
}

impl Reassembly {
    pub fn push(
        &mut self,
        opcode: u8,
        fin: bool,
        compressed: bool,
        payload: Vec<u8>,
    ) -> Result<(), ProtoError> {
        match (opcode, self.text.as_mut()) {
            (0x1 | 0x2, Some(_)) => Err(ProtoError::Protocol(
                "a new message before the last one ended",
            )),
            (0x2, None) => Err(ProtoError::Unsupported("binary messages are not accepted")),
            (0x1, None) => {
                self.text = Some(payload);
                self.compressed = compressed;
                self.check(fin)
            }
            (_, Some(text)) => {
                if text.len() + payload.len() > MAX_CLIENT_PAYLOAD {
                    return Err(ProtoError::TooBig);
                }
                text.extend_from_slice(&payload);
                self.check(fin)
            }
            // `parse` lets only data opcodes through: the rest is a continuation.
            (_, None) => Err(ProtoError::Protocol("continuation without a message")),
        }
    }

    /// Fails as soon as the bytes so far cannot begin valid UTF-8, not only at the end (a
    /// compressed message: once inflated, at the end, within the same bound).
    fn check(&mut self, fin: bool) -> Result<(), ProtoError> {
        if self.compressed {
            if !fin {
                return Ok(());
            }
            let compressed = self.text.take().unwrap_or_default();
            let text =
                super::deflate::inflate_message(&compressed, MAX_CLIENT_PAYLOAD).map_err(|e| {
                    match e {
                        super::deflate::InflateError::TooBig => ProtoError::TooBig,
                        super::deflate::InflateError::Corrupt => {
                            ProtoError::Protocol("compressed data does not inflate")
                        }
                    }
                })?;
            return std::str::from_utf8(&text)
                .map(|_| ())
                .map_err(|_| ProtoError::InvalidUtf8);
        }
        let text = self.text.as_deref().unwrap_or_default();
        match std::str::from_utf8(text) {
            Ok(_) => {}
            // Cut mid-character by the fragment boundary: valid so far.
            Err(e) if !fin && e.error_len().is_none() => {}
            Err(_) => return Err(ProtoError::InvalidUtf8),
        }
        if fin {
            self.text = None;
        }
        Ok(())
    }
}

/// The `Sec-WebSocket-Extensions` answer to a client's offers (every value of the header):
/// permessage-deflate with no context taken over in either direction, if an offer allows it,
/// so that one compressed frame serves every client (RFC 7692 §7.1). An offer that limits the
/// server's window below 32 KiB, or says what this server does not know, is passed over.
pub fn negotiate_deflate<'a>(offers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    offers
        .into_iter()
        .flat_map(|h| h.split(','))
        .find_map(deflate_answer)
}

fn deflate_answer(offer: &str) -> Option<String> {
    let mut parts = offer.split(';').map(str::trim);
    if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
        return None;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut server_window = false;
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (
                n.trim().to_ascii_lowercase(),
                Some(v.trim().trim_matches('"')),
            ),
            None => (part.to_ascii_lowercase(), None),
        };
        // §7.1: an offer naming a parameter twice is declined.
        if seen.contains(&name) {
            return None;
        }
        let ok = match (name.as_str(), value) {
            ("server_no_context_takeover" | "client_no_context_takeover", None) => true,
            ("client_max_window_bits", None) => true,
            // Any window of the client's: each of its messages is inflated alone.
            ("client_max_window_bits", Some(v)) => window_bits(v).is_some(),
            ("server_max_window_bits", Some(v)) => {
                server_window = true;
                window_bits(v) == Some(15)
            }
            _ => false,
        };
        if !ok {
            return None;
        }
        seen.push(name);
    }
    let mut answer =
        String::from("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    if server_window {
        // §7.1.2.1: an offer's server_max_window_bits is answered with a value no larger.
        answer.push_str("; server_max_window_bits=15");
    }
    Some(answer)
}

/// A window size as RFC 7692 spells it: 8 to 15, no leading zero.
fn window_bits(v: &str) -> Option<u8> {
    if v.starts_with('0') || v.len() > 2 {
        return None;
    }
    v.parse().ok().filter(|n| (8..=15).contains(n))
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2).
pub fn accept_key(key: &[u8]) -> String {
    use base64::Engine;
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(b0: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [1u8, 2, 3, 4];
        let mut v = vec![b0, 0x80 | payload.len() as u8];
        v.extend_from_slice(&mask);
        v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        v
    }

    #[test]
    fn reads_pings_closes_and_data() {
        let ping = masked(0x89, b"hey");
        assert_eq!(
            parse(&ping, false),
            Ok(Some((ClientFrame::Ping(b"hey".to_vec()), ping.len())))
        );
        let close = masked(0x88, &1000u16.to_be_bytes());
        assert_eq!(
            parse(&close, false),
            Ok(Some((ClientFrame::Close(Some(1000)), close.len())))
        );
        let text = masked(0x81, b"{}");
        let data = ClientFrame::Data {
            opcode: 1,
            fin: true,
            compressed: false,
            payload: b"{}".to_vec(),
        };
        assert_eq!(parse(&text, false), Ok(Some((data, text.len()))));
        assert_eq!(parse(&text[..3], false), Ok(None), "waits for the rest");
    }

    #[test]
    fn refuses_what_clients_may_not_send() {
        assert!(
            matches!(
                parse(&[0x81, 0x02, b'h', b'i'], false),
                Err(ProtoError::Protocol(_))
            ),
            "unmasked"
        );
        assert!(
            matches!(
                parse(&masked(0xC1, b"x"), false),
                Err(ProtoError::Protocol(_))
            ),
            "rsv bits"
        );
        assert!(
            matches!(
                parse(&masked(0x83, b"x"), false),
                Err(ProtoError::Protocol(_))
            ),
            "opcode 3"
        );
        assert!(
            matches!(
                parse(&masked(0x09, b"x"), false),
                Err(ProtoError::Protocol(_))
            ),
            "fragmented ping"
        );
        let mut big = vec![0x82, 0x80 | 127];
        big.extend_from_slice(&(1u64 << 40).to_be_bytes());
        assert_eq!(parse(&big, false), Err(ProtoError::TooBig));
    }

    #[test]
    fn refuses_close_codes_that_never_go_on_the_wire() {
        for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let close = masked(0x88, &code.to_be_bytes());
            assert!(
                matches!(parse(&close, false), Err(ProtoError::Protocol(_))),
                "code {code}"
            );
        }
        for code in [1000u16, 1001, 1003, 1007, 1011, 1012, 3000, 4999] {
            let close = masked(0x88, &code.to_be_bytes());
            assert_eq!(
                parse(&close, false),
                Ok(Some((ClientFrame::Close(Some(code)), close.len())))
            );
        }
        let mut bad_reason = 1000u16.to_be_bytes().to_vec();
        bad_reason.extend_from_slice(&[0xC3, 0x28]);
        assert_eq!(
            parse(&masked(0x88, &bad_reason), false),
            Err(ProtoError::InvalidUtf8)
        );
    }

    #[test]
    fn reassembles_text_and_refuses_what_breaks_a_message() {
        let mut m = Reassembly::default();
        assert_eq!(m.push(1, true, false, "six runs".into()), Ok(()));
        // "é" split across two fragments is valid text.
        assert_eq!(m.push(1, false, false, vec![b'a', 0xC3]), Ok(()));
        assert_eq!(m.push(0, true, false, vec![0xA9]), Ok(()));

        let mut m = Reassembly::default();
        assert_eq!(
            m.push(1, true, false, vec![0xC3, 0x28]),
            Err(ProtoError::InvalidUtf8)
        );
        let mut m = Reassembly::default();
        assert_eq!(
            m.push(1, false, false, vec![0xFF]),
            Err(ProtoError::InvalidUtf8),
            "fails before the message ends"
        );
        let mut m = Reassembly::default();
        assert!(matches!(
            m.push(0, true, false, b"x".to_vec()),
            Err(ProtoError::Protocol(_))
        ));
        let mut m = Reassembly::default();
        assert_eq!(m.push(1, false, false, b"x".to_vec()), Ok(()));
        assert!(matches!(
            m.push(1, true, false, b"y".to_vec()),
            Err(ProtoError::Protocol(_))
        ));
        let mut m = Reassembly::default();
        assert!(matches!(
            m.push(2, true, false, b"x".to_vec()),
            Err(ProtoError::Unsupported(_))
        ));
        let mut m = Reassembly::default();
        assert_eq!(
            m.push(1, false, false, vec![b'x'; MAX_CLIENT_PAYLOAD]),
            Ok(())
        );
        assert_eq!(
            m.push(0, true, false, b"x".to_vec()),
            Err(ProtoError::TooBig)
        );
    }

    #[test]
    fn reads_compressed_messages_only_where_negotiated() {
        let z =
            crate::hub::deflate::permessage(&b"{\"hello\":1}".repeat(10)).expect("compressible");
        let frame = masked(0xC1, &z);
        assert!(
            matches!(parse(&frame, false), Err(ProtoError::Protocol(_))),
            "RSV1 without the extension"
        );
        let Ok(Some((
            ClientFrame::Data {
                compressed,
                payload,
                ..
            },
            _,
        ))) = parse(&frame, true)
        else {
            panic!("a compressed text frame");
        };
        assert!(compressed);
        let mut m = Reassembly::default();
        assert_eq!(m.push(1, true, true, payload), Ok(()));
        assert!(
            matches!(
                parse(&masked(0xC9, b"x"), true),
                Err(ProtoError::Protocol(_))
            ),
            "a compressed ping"
        );
        assert!(
            matches!(
                parse(&masked(0xC0, b"x"), true),
                Err(ProtoError::Protocol(_))
            ),
            "RSV1 on a continuation"
        );
        let mut m = Reassembly::default();
        assert_eq!(
            m.push(1, true, true, vec![0xff, 0xff, 0xff]),
            Err(ProtoError::Protocol("compressed data does not inflate"))
        );
        // A small message that inflates past the limit is refused for its size.
        let bomb = crate::hub::deflate::permessage(&vec![b'a'; MAX_CLIENT_PAYLOAD * 4]).expect("z");
        assert!(bomb.len() < 125);
        let mut m = Reassembly::default();
        assert_eq!(m.push(1, true, true, bomb), Err(ProtoError::TooBig));
        let bad_utf8 = crate::hub::deflate::permessage(&[0xC3; 200]).expect("z");
        let mut m = Reassembly::default();
        assert_eq!(
            m.push(1, true, true, bad_utf8),
            Err(ProtoError::InvalidUtf8)
        );
    }

    #[test]
    fn negotiates_deflate_only_on_terms_that_let_frames_be_shared() {
        const PLAIN: &str =
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
        // What Chromium and Firefox send.
        assert_eq!(
            negotiate_deflate(["permessage-deflate; client_max_window_bits"]).as_deref(),
            Some(PLAIN)
        );
        assert_eq!(negotiate_deflate([]), None);
        assert_eq!(negotiate_deflate(["x-webkit-deflate-frame"]), None);
        assert_eq!(
            negotiate_deflate(["permessage-deflate; server_max_window_bits=10"]),
            None,
            "a smaller window than the shared frames use"
        );
        assert_eq!(
            negotiate_deflate([
                "permessage-deflate; server_max_window_bits=10, permessage-deflate"
            ])
            .as_deref(),
            Some(PLAIN),
            "the next offer is taken"
        );
        assert_eq!(
            negotiate_deflate(["permessage-deflate; server_max_window_bits=15"]).as_deref(),
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15")
        );
        for bad in [
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=015",
            "permessage-deflate; mystery",
            "permessage-deflate; server_no_context_takeover=1",
        ] {
            assert_eq!(negotiate_deflate([bad]), None, "{bad}");
        }
        assert_eq!(
            negotiate_deflate(["permessage-deflate; client_max_window_bits=\"12\""]).as_deref(),
            Some(PLAIN)
        );
    }

    #[test]
    fn computes_the_rfc_example_accept_key() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
