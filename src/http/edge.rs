//! The edge of HTTP, before any route: refusals that need only the request head, and the
//! socket as hyper sees it, so that the answers hyper writes by itself are problem+json too.
//!
//! hyper answers a request it cannot parse (400 for a bad request line or header, 414 for a
//! URI over 65,534 bytes, 431 for a head over `max_header_size` or over 100 headers) with an
//! empty body, and offers no hook to change that answer: its `http1::Builder` only sets the
//! limits. [`EdgeIo`] therefore recognises that one answer as hyper writes it (a 400, 414 or
//! 431 head with no `content-type`, which every response of ours carries) and puts a problem
//! document in its place.
//!
//! A request line longer than the whole head may be is refused by hyper as 431 before it can
//! tell the target is too long; [`EdgeIo`] measures the first line of the head it is reading,
//! and answers 414 when that line alone is over [`MAX_URI_BYTES`].

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::{header, HeaderValue, Request, StatusCode, Version};
use axum::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::http::error::problem_response;
use crate::http::write_stall::WriteStall;

/// Largest request head (request line and headers) a node reads; larger gets 431. Far above
/// any browser's or proxy's head, far below hyper's default buffer of 400 KiB.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Longest request target answered; longer gets 414. hyper's own bound (65,534 bytes) lies
/// past [`MAX_HEAD_BYTES`], so without this one a long URI would read as 431.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses what the head alone shows to be wrong: a request target over [`MAX_URI_BYTES`], an
/// HTTP/1.1 request without exactly one `Host` (RFC 9112 §3.2), and a body declared larger
/// than `body_limit`, answered now rather than after waiting for a body that would be refused
/// anyway.
pub fn refuse<B>(req: &Request<B>, body_limit: usize) -> Option<Response> {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let res = if target > MAX_URI_BYTES {
        problem_response(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            format!("the request target may be at most {MAX_URI_BYTES} bytes"),
            None,
            None,
        )
    } else if req.version() == Version::HTTP_11
        && req.headers().get_all(header::HOST).iter().count() != 1
    {
        problem_response(
            StatusCode::BAD_REQUEST,
            "host-required",
            "an HTTP/1.1 request carries exactly one Host header".into(),
            Some("Host"),
            None,
        )
    } else if let Some(len) = declared_length(req).filter(|n| *n > body_limit as u64) {
        let mut res = problem_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("a request body may be at most {body_limit} bytes; this one declares {len}"),
            None,
            None,
        );
        // The body is left unread, so the connection cannot carry another request.
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        res
    } else {
        return None;
    };
    count(res.status());
    Some(res)
}

/// hyper has already refused a malformed or repeated `Content-Length`.
fn declared_length<B>(req: &Request<B>) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn count(status: StatusCode) {
    metrics::counter!(
        "crease_http_requests_total",
        "route" => "unmatched",
        "status" => status_label(status)
    )
    .increment(1);
}

fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "400",
        413 => "413",
        414 => "414",
        431 => "431",
        _ => "other",
    }
}

/// The problem document that replaces one of hyper's empty answers, as bytes on the wire.
fn parse_error_response(status: StatusCode) -> Vec<u8> {
    let (code, detail) = match status {
        StatusCode::URI_TOO_LONG => ("uri-too-long", "the request target is too long"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers-too-large",
            "the request line and headers are too large",
        ),
        _ => (
            "malformed-request",
            "the request line or a header is not valid HTTP/1.1",
        ),
    };
    let body = serde_json::json!({
        "type": format!("/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    })
    .to_string();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes()
}

/// If `buf` starts with the head of hyper's own answer to a request it could not parse:
/// how many of its bytes that head takes, and what to write instead. `long_target` says the
/// refused head's request line alone was over [`MAX_URI_BYTES`], so a 431 was for the target.
fn automatic_answer(buf: &[u8], long_target: bool) -> Option<(usize, Vec<u8>)> {
    let status = match buf.get(..13)? {
        b"HTTP/1.1 400 " => StatusCode::BAD_REQUEST,
        b"HTTP/1.1 414 " => StatusCode::URI_TOO_LONG,
        b"HTTP/1.1 431 " if long_target => StatusCode::URI_TOO_LONG,
        b"HTTP/1.1 431 " => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = &buf[..end];
    // hyper writes header names in lower case; every answer of ours names its content type.
    if head.windows(15).any(|w| w == b"\ncontent-type: ") {
        return None;
    }
    count(status);
    Some((end, parse_error_response(status)))
}

/// A connection's socket until it is upgraded: reads pass through, and hyper's own answer to
/// an unparseable request is replaced (see the module doc).
pub struct EdgeIo {
    stream: TcpStream,
    /// A replacement answer and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
    /// Bytes of the first line of the head being read (since the start, or since the last
    /// response), and whether that line has ended.
    request_line: (usize, bool),
    /// Fails writes to a client that has taken nothing for too long.
    stall: WriteStall,
}

impl EdgeIo {
    pub fn new(stream: TcpStream, write_timeout: std::time::Duration) -> Self {
        Self {
            stream,
            replacement: None,
            request_line: (0, false),
            stall: WriteStall::new(write_timeout),
        }
    }

    /// Passes a write's result through the stall clock; a stalled client's socket is reset
    /// when hyper drops it, so the kernel lets go of the unread bytes at once.
    fn stalled<T>(
        &mut self,
        cx: &mut Context<'_>,
        res: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let res = self.stall.check(cx, res);
        if matches!(&res, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::TimedOut) {
            let _ = self.stream.set_zero_linger();
        }
        res
    }

    /// The socket itself, for a WebSocket after the upgrade.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }

    /// Writes the rest of a replacement answer, if any, before anything else may go out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, at)) = &mut self.replacement {
            if *at == bytes.len() {
                self.replacement = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &bytes[*at..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *at += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Takes hyper's answer in place of writing it; the replacement goes out on this call or
    /// the flush that follows.
    fn swallow(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Option<Poll<io::Result<usize>>> {
        if !buf.starts_with(b"HTTP/1.") {
            return None;
        }
        // A response: the next bytes read begin another head. (A pipelined request read before
        // it is not measured; a long target there is answered 431.)
        let (line, _) = std::mem::take(&mut self.request_line);
        let (taken, replacement) = automatic_answer(buf, line > MAX_URI_BYTES)?;
        self.replacement = Some((replacement, 0));
        Some(match self.poll_replacement(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(taken)),
        })
    }
}

impl AsyncRead for EdgeIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stream).poll_read(cx, buf))?;
        let (line, ended) = &mut self.request_line;
        if !*ended {
            let read = &buf.filled()[before..];
            match read.iter().position(|b| *b == b'\n') {
                Some(at) => (*line, *ended) = (line.saturating_add(at), true),
                None => *line = line.saturating_add(read.len()),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for EdgeIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_replacement(cx))?;
        if let Some(done) = this.swallow(cx, buf) {
            return done;
        }
        let res = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.stalled(cx, res)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_replacement(cx))?;
        // hyper queues a response head as one buffer, the first.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(done) = this.swallow(cx, first) {
                return done;
            }
        }
        let res = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.stalled(cx, res)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_replacement(cx))?;
        let res = Pin::new(&mut this.stream).poll_flush(cx);
        this.stalled(cx, res)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_hypers_empty_answers() {
        let hyper =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let (taken, with) = automatic_answer(hyper, false).expect("replaced");
        assert_eq!(taken, hyper.len());
        let with = String::from_utf8(with).expect("text");
        assert!(with.starts_with("HTTP/1.1 431 "), "{with}");
        assert!(with.contains("content-type: application/problem+json"));
        assert!(
            with.contains(r#""type":"/problems/headers-too-large""#),
            "{with}"
        );

        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 2\r\n\r\n{}";
        assert!(automatic_answer(ours, false).is_none());
        assert!(automatic_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", true).is_none());
        assert!(
            automatic_answer(b"HTTP/1.1 400 Bad", false).is_none(),
            "not a whole head"
        );
        // Refused as too large with a request line over the target's limit: the target is long.
        let (_, with) = automatic_answer(hyper, true).expect("replaced");
        let with = String::from_utf8(with).expect("text");
        assert!(with.starts_with("HTTP/1.1 414 "), "{with}");
        assert!(
            with.contains(r#""type":"/problems/uri-too-long""#),
            "{with}"
        );
    }
}
