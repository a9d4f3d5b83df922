//! The client side of RFC 6455 as a server reads it: masked frames, control frames, close.
//! Clients send little (pongs, pings, a close); anything large or malformed ends the connection.

/// The largest client message accepted: the protocol gives clients nothing big to say.
pub const MAX_CLIENT_PAYLOAD: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Ping(Vec<u8>),
    Pong,
    Close(Option<u16>),
    /// A text, binary or continuation frame: read and ignored.
    Data,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// Close code 1002.
    Protocol(&'static str),
    /// Close code 1009.
    TooBig,
}

/// Parses one frame from the start of `buf`: `Ok(None)` if more bytes are needed, else the
/// frame and how many bytes it took.
pub fn parse(buf: &[u8]) -> Result<Option<(ClientFrame, usize)>, ProtoError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    if b0 & 0x70 != 0 {
        return Err(ProtoError::Protocol("reserved bits set"));
    }
    if b1 & 0x80 == 0 {
        return Err(ProtoError::Protocol("client frames must be masked"));
    }
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0F;
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
    let payload = || -> Vec<u8> {
        masked
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect()
    };
    let frame = match opcode {
        0x0..=0x2 => ClientFrame::Data,
        0x8 => {
            let p = payload();
            match p.len() {
                0 => ClientFrame::Close(None),
                1 => return Err(ProtoError::Protocol("a close payload has a two-byte code")),
                _ => ClientFrame::Close(Some(u16::from_be_bytes([p[0], p[1]]))),
            }
        }
        0x9 => ClientFrame::Ping(payload()),
        0xA => ClientFrame::Pong,
        _ => return Err(ProtoError::Protocol("unknown opcode")),
    };
    Ok(Some((frame, at + len)))
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
            parse(&ping),
            Ok(Some((ClientFrame::Ping(b"hey".to_vec()), ping.len())))
        );
        let close = masked(0x88, &1000u16.to_be_bytes());
        assert_eq!(
            parse(&close),
            Ok(Some((ClientFrame::Close(Some(1000)), close.len())))
        );
        let text = masked(0x81, b"{}");
        assert_eq!(parse(&text), Ok(Some((ClientFrame::Data, text.len()))));
        assert_eq!(parse(&text[..3]), Ok(None), "waits for the rest");
    }

    #[test]
    fn refuses_what_clients_may_not_send() {
        assert!(
            matches!(
                parse(&[0x81, 0x02, b'h', b'i']),
                Err(ProtoError::Protocol(_))
            ),
            "unmasked"
        );
        assert!(
            matches!(parse(&masked(0xC1, b"x")), Err(ProtoError::Protocol(_))),
            "rsv bits"
        );
        assert!(
            matches!(parse(&masked(0x83, b"x")), Err(ProtoError::Protocol(_))),
            "opcode 3"
        );
        assert!(
            matches!(parse(&masked(0x09, b"x")), Err(ProtoError::Protocol(_))),
            "fragmented ping"
        );
        let mut big = vec![0x82, 0x80 | 127];
        big.extend_from_slice(&(1u64 << 40).to_be_bytes());
        assert_eq!(parse(&big), Err(ProtoError::TooBig));
    }

    #[test]
    fn computes_the_rfc_example_accept_key() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
