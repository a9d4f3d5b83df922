//! The two facts a client needs from a realtime message, read from its first bytes only:
//! whether it is a snapshot, and its seq (every message opens `{"type":…,"match_id":…,"seq":…`).

/// How far into a message the `"seq"` key may sit: past `type` and `match_id`, never deep.
const HEAD: usize = 96;

/// `(is_snapshot, seq)`, or `None` for a message that does not open as documented.
pub fn head(msg: &[u8]) -> Option<(bool, i64)> {
    let head = &msg[..msg.len().min(HEAD)];
    let at = head.windows(6).position(|w| w == b"\"seq\":")? + 6;
    let rest = &head[at..];
    let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    Some((msg.starts_with(b"{\"type\":\"snapshot\""), seq))
}

/// A `viewers` count: outside the match's history (it has no seq), so not a message of a run.
pub fn is_viewers(msg: &[u8]) -> bool {
    msg.starts_with(br#"{"type":"viewers""#)
}

/// Hands every complete `data:` line in `buf` to `on_data` and drops what it consumed; `id:`,
/// comments, blanks and a partial last line stay for the next read.
pub fn drain_sse_data(buf: &mut Vec<u8>, mut on_data: impl FnMut(&[u8])) {
    let mut start = 0;
    while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
        let line = &buf[start..start + nl];
        if let Some(data) = line.strip_prefix(b"data:") {
            on_data(data.strip_prefix(b" ").unwrap_or(data));
        }
        start += nl + 1;
    }
    buf.drain(..start);
}

#[cfg(test)]
mod tests {
    use super::{drain_sse_data, head};

    #[test]
    fn hands_on_whole_data_lines_and_keeps_a_partial_one() {
        let mut buf = b"id: 1:5\ndata: {\"seq\":5}\n\n: ping\n\ndata: {\"se".to_vec();
        let mut got = Vec::new();
        drain_sse_data(&mut buf, |d| got.push(d.to_vec()));
        assert_eq!(got, vec![br#"{"seq":5}"#.to_vec()]);
        assert_eq!(buf, br#"data: {"se"#.to_vec());
    }

    #[test]
    fn reads_type_and_seq_from_the_prefix() {
        assert_eq!(
            head(br#"{"type":"snapshot","match_id":3,"seq":150,"status":"live"}"#),
            Some((true, 150))
        );
        assert_eq!(
            head(br#"{"type":"ball","match_id":3,"seq":151,"ball":{}}"#),
            Some((false, 151))
        );
        assert_eq!(head(br#"{"type":"ball","match_id":3}"#), None);
        assert_eq!(head(b"not json"), None);
    }
}
