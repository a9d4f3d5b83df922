//! A realtime test client: a match over WebSocket (tokio-tungstenite) or SSE (reqwest's byte
//! stream through eventsource-stream), yielding each message parsed as `{type, match_id, seq}`,
//! plus the rules a stream must keep (strictly increasing seq, no gap, no duplicate, a
//! snapshot first) and a raw socket for the frames a polite client would never send.

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use eventsource_stream::Eventsource;
use futures::{SinkExt, Stream, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::app::DEADLINE;

/// One realtime message.
#[derive(Debug, Clone)]
pub struct Msg {
    pub kind: String,
    pub match_id: i64,
    pub seq: i64,
    /// The epoch of the match's history the message belongs to.
    pub epoch: i64,
    pub json: Value,
}

impl Msg {
    fn parse(text: &str) -> Msg {
        let json: Value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("a message is not JSON ({e}): {text}"));
        let kind = json["type"].as_str().expect("type").to_owned();
        // A viewer count is outside the match's history: it has no seq or epoch.
        let outside = kind == "viewers";
        Msg {
            match_id: json["match_id"].as_i64().expect("match_id"),
            seq: if outside {
                -1
            } else {
                json["seq"].as_i64().expect("seq")
            },
            epoch: if outside {
                -1
            } else {
                json["epoch"].as_i64().expect("epoch")
            },
            kind,
            json,
        }
    }

    pub fn is_snapshot(&self) -> bool {
        self.kind == "snapshot"
    }

    /// The resume token for what this message leaves the client at: `EPOCH:SEQ`.
    pub fn token(&self) -> String {
        format!("{}:{}", self.epoch, self.seq)
    }
}

/// What reading a stream produced next.
#[derive(Debug)]
pub enum Item {
    Msg(Msg),
    /// A WebSocket close frame (its code), or the end of an SSE stream (`None`).
    End(Option<u16>),
}

type SseStream = Pin<Box<dyn Stream<Item = Option<Msg>> + Send>>;

enum Transport {
    Ws(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
    Sse(SseStream),
}

pub struct LiveClient {
    transport: Transport,
    pub label: String,
    /// Every message of the match's history received so far, in order.
    pub received: Vec<Msg>,
    /// The `viewers` totals received, in order (they are kept out of `received`).
    pub viewers: Vec<u64>,
    /// SSE: how many `retry:` lines the stream carried (the first bytes, and the last on shutdown).
    retries: Arc<Mutex<usize>>,
    ended: Option<Option<u16>>,
}

fn ws_url(base: &str, match_id: i64, since: Option<&str>) -> String {
    let base = base.replacen("http://", "ws://", 1);
    match since {
        Some(s) => format!("{base}/api/matches/{match_id}/ws?since={s}"),
        None => format!("{base}/api/matches/{match_id}/ws"),
    }
}

impl LiveClient {
    /// A WebSocket, resuming from the token `since` (`EPOCH:SEQ`, or a bare seq) when given.
    pub async fn ws(base: &str, match_id: i64, since: Option<&str>) -> LiveClient {
        Self::try_ws(base, match_id, since)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`ws`](Self::ws), with a refused or failed connect returned, for a client that
    /// tries another node when one is down.
    pub async fn try_ws(
        base: &str,
        match_id: i64,
        since: Option<&str>,
    ) -> Result<LiveClient, String> {
        let url = ws_url(base, match_id, since);
        let (ws, res) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(&url))
            .await
            .map_err(|_| format!("WebSocket connect to {url} hung"))?
            .map_err(|e| format!("WebSocket connect to {url}: {e}"))?;
        if res.status() != 101 {
            return Err(format!("WebSocket connect to {url}: {}", res.status()));
        }
        Ok(LiveClient::new(
            Transport::Ws(Box::new(ws)),
            format!("ws {url}"),
        ))
    }

    /// A WebSocket whose kernel receive buffer is as small as the system allows, so a client
    /// that stops reading pushes back on the server after a few frames, not megabytes.
    pub async fn ws_small_buffer(base: &str, match_id: i64) -> LiveClient {
        let url = ws_url(base, match_id, None);
        let addr: std::net::SocketAddr = base
            .trim_start_matches("http://")
            .parse()
            .expect("base is http://ip:port");
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket.connect(addr).await.expect("connect");
        let (ws, res) = tokio::time::timeout(
            DEADLINE,
            tokio_tungstenite::client_async(&url, MaybeTlsStream::Plain(stream)),
        )
        .await
        .expect("WebSocket handshake hung")
        .expect("WebSocket handshake");
        assert_eq!(res.status(), 101);
        LiveClient::new(Transport::Ws(Box::new(ws)), format!("slow ws {url}"))
    }

    /// SSE, resuming through `Last-Event-ID` when `since` is given.
    pub async fn sse(base: &str, match_id: i64, since: Option<&str>) -> LiveClient {
        Self::try_sse(base, match_id, since)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// SSE, resuming through `?since=`.
    pub async fn sse_query(base: &str, match_id: i64, since: &str) -> LiveClient {
        let url = format!("{base}/api/matches/{match_id}/stream?since={since}");
        Self::sse_from(reqwest::Client::new().get(&url), format!("sse {url}")).await
    }

    async fn sse_from(req: reqwest::RequestBuilder, label: String) -> LiveClient {
        Self::try_sse_from(req, label)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`sse`](Self::sse), with a refused or failed request returned.
    pub async fn try_sse(
        base: &str,
        match_id: i64,
        since: Option<&str>,
    ) -> Result<LiveClient, String> {
        let url = format!("{base}/api/matches/{match_id}/stream");
        let mut req = reqwest::Client::new().get(&url);
        if let Some(s) = since {
            req = req.header("Last-Event-ID", s);
        }
        Self::try_sse_from(req, format!("sse {url} since {since:?}")).await
    }

    async fn try_sse_from(
        req: reqwest::RequestBuilder,
        label: String,
    ) -> Result<LiveClient, String> {
        let res = tokio::time::timeout(DEADLINE, req.send())
            .await
            .map_err(|_| format!("{label}: request hung"))?
            .map_err(|e| format!("{label}: {e}"))?;
        if res.status() != 200 {
            return Err(format!("{label}: {}", res.status()));
        }
        assert_eq!(
            res.headers()["content-type"],
            "text/event-stream",
            "{label}"
        );
        let retries = Arc::new(Mutex::new(0usize));
        let (counter, mut partial) = (retries.clone(), Vec::<u8>::new());
        // The raw bytes are read once for `retry:` lines (eventsource-stream keeps those to
        // itself), then parsed into events.
        let bytes = res.bytes_stream().map(move |chunk| {
            if let Ok(chunk) = &chunk {
                partial.extend_from_slice(chunk);
                while let Some(at) = partial.iter().position(|b| *b == b'\n') {
                    if partial.starts_with(b"retry:") {
                        *counter.lock().expect("lock") += 1;
                    }
                    partial.drain(..=at);
                }
            }
            chunk
        });
        let events = bytes.eventsource().map(|e| match e {
            Ok(e) => Some(Msg::parse(&e.data)),
            Err(_) => None,
        });
        let mut client = LiveClient::new(Transport::Sse(Box::pin(events)), label);
        client.retries = retries;
        Ok(client)
    }

    fn new(transport: Transport, label: String) -> LiveClient {
        LiveClient {
            transport,
            label,
            received: Vec::new(),
            viewers: Vec::new(),
            retries: Arc::default(),
            ended: None,
        }
    }

    pub fn retries(&self) -> usize {
        *self.retries.lock().expect("lock")
    }

    pub fn last_seq(&self) -> Option<i64> {
        self.received.last().map(|m| m.seq)
    }

    /// Where the client stands, as the resume token it would reconnect with.
    pub fn resume_token(&self) -> Option<String> {
        self.received.last().map(Msg::token)
    }

    /// The next message or the end; fails the test if nothing comes within the deadline.
    pub async fn next(&mut self) -> Item {
        if let Some(end) = self.ended {
            return Item::End(end);
        }
        let item = loop {
            let item = tokio::time::timeout(DEADLINE, self.read())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "{}: nothing arrived (last seq {:?})",
                        self.label,
                        self.last_seq()
                    )
                });
            match item {
                Item::Msg(m) if m.kind == "viewers" => {
                    self.viewers
                        .push(m.json["viewers"].as_u64().expect("a count"));
                }
                item => break item,
            }
        };
        match &item {
            Item::Msg(m) => self.received.push(m.clone()),
            Item::End(code) => self.ended = Some(*code),
        }
        item
    }

    async fn read(&mut self) -> Item {
        match &mut self.transport {
            Transport::Ws(ws) => loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) => return Item::Msg(Msg::parse(&t)),
                    Some(Ok(Message::Close(frame))) => {
                        return Item::End(Some(frame.map_or(1005, |f| u16::from(f.code))))
                    }
                    Some(Ok(_)) => continue,
                    // Reset or cut without a close frame: the caller asserts on the missing code.
                    Some(Err(_)) | None => return Item::End(None),
                }
            },
            Transport::Sse(events) => match events.next().await {
                Some(Some(m)) => Item::Msg(m),
                Some(None) | None => Item::End(None),
            },
        }
    }

    /// Reads until a message at `seq` or later has arrived; a close before it fails the test.
    pub async fn until_seq(&mut self, seq: i64) {
        while self.last_seq().is_none_or(|s| s < seq) {
            if let Item::End(code) = self.next().await {
                panic!(
                    "{}: ended ({code:?}) at seq {:?}, before {seq}",
                    self.label,
                    self.last_seq()
                );
            }
        }
    }

    /// Reads until the stream ends; returns the close code (WebSocket) or `None` (SSE).
    pub async fn until_end(&mut self) -> Option<u16> {
        loop {
            if let Item::End(code) = self.next().await {
                return code;
            }
        }
    }

    /// Closes politely (WebSocket) or drops the stream (SSE).
    pub async fn close(mut self) {
        if let Transport::Ws(ws) = &mut self.transport {
            let _ = WebSocketStream::close(
                &mut **ws,
                Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                }),
            )
            .await;
            let _ = ws.flush().await;
        }
    }

    /// Sends `msg` while reading (a large message may not fit the socket before the server
    /// answers), and returns the close code the server ends with (`None`: no close frame).
    pub async fn send_then_end(self, msg: Message) -> Option<u16> {
        let Transport::Ws(ws) = self.transport else {
            panic!("{}: not a WebSocket", self.label);
        };
        let (mut tx, mut rx) = ws.split();
        let writer = tokio::spawn(async move {
            let _ = tx.send(msg).await;
            // Held until aborted: dropping the sink early would not close, but keep it simple.
            std::future::pending::<()>().await;
        });
        let code = tokio::time::timeout(DEADLINE, async {
            loop {
                match rx.next().await {
                    Some(Ok(Message::Close(frame))) => {
                        return Some(frame.map_or(1005, |f| u16::from(f.code)))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("the server answered in time");
        writer.abort();
        code
    }

    /// The seqs received, in order.
    pub fn seqs(&self) -> Vec<i64> {
        self.received.iter().map(|m| m.seq).collect()
    }
}

/// A stream from its start: a snapshot first, then every seq exactly once, each one more than
/// the last. A snapshot may stand in for a message (a resync at the next seq), never skip one.
pub fn assert_gapless(label: &str, msgs: &[Msg]) {
    let first = msgs
        .first()
        .unwrap_or_else(|| panic!("{label}: no messages"));
    assert!(
        first.is_snapshot(),
        "{label}: the first message is a {}",
        first.kind
    );
    assert_runs_on(label, first.seq, &msgs[1..]);
}

/// A resumed stream: exactly the seqs after `since`, with no snapshot.
pub fn assert_resumed(label: &str, since: i64, msgs: &[Msg]) {
    assert!(
        msgs.iter().all(|m| !m.is_snapshot()),
        "{label}: a resume within the ring got a snapshot: {:?}",
        kinds(msgs)
    );
    assert_runs_on(label, since, msgs);
}

fn assert_runs_on(label: &str, mut last: i64, msgs: &[Msg]) {
    for m in msgs {
        assert_eq!(
            m.seq,
            last + 1,
            "{label}: after seq {last} came {} {} (seqs {:?})",
            m.kind,
            m.seq,
            msgs.iter().map(|m| m.seq).collect::<Vec<_>>()
        );
        last = m.seq;
    }
}

/// Through a fallback a stream may jump ahead, but only by a snapshot: seqs strictly increase
/// (nothing twice, nothing older), every jump is a snapshot, and the first message is one.
pub fn assert_never_back(label: &str, msgs: &[Msg]) {
    assert!(
        msgs.first().is_some_and(Msg::is_snapshot),
        "{label}: must open with a snapshot"
    );
    for pair in msgs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            b.seq > a.seq,
            "{label}: seq {} after {} (duplicate or backwards)",
            b.seq,
            a.seq
        );
        assert!(
            b.seq == a.seq + 1 || b.is_snapshot(),
            "{label}: a {} jumped from {} to {}",
            b.kind,
            a.seq,
            b.seq
        );
    }
}

fn kinds(msgs: &[Msg]) -> Vec<(String, i64)> {
    msgs.iter().map(|m| (m.kind.clone(), m.seq)).collect()
}

/// A WebSocket spoken by hand, to send what tungstenite would refuse to.
pub struct RawWs {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl RawWs {
    pub async fn connect(base: &str, match_id: i64) -> RawWs {
        let host = base.trim_start_matches("http://");
        let stream = TcpStream::connect(host).await.expect("connect");
        Self::handshake(stream, host, match_id).await
    }

    /// Like [`connect`](Self::connect) with a receive buffer as small as the system allows, so
    /// a client that never reads pushes back on the server after a few frames.
    pub async fn connect_small_buffer(base: &str, match_id: i64) -> RawWs {
        let host = base.trim_start_matches("http://");
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket
            .connect(host.parse().expect("base is http://ip:port"))
            .await
            .expect("connect");
        Self::handshake(stream, host, match_id).await
    }

    async fn handshake(stream: TcpStream, host: &str, match_id: i64) -> RawWs {
        Self::handshake_with(stream, host, match_id, "").await.0
    }

    /// Connects offering `extensions` (a `Sec-WebSocket-Extensions` value); returns the
    /// client and the response head.
    pub async fn connect_offering(base: &str, match_id: i64, extensions: &str) -> (RawWs, String) {
        let host = base.trim_start_matches("http://");
        let stream = TcpStream::connect(host).await.expect("connect");
        let line = format!("Sec-WebSocket-Extensions: {extensions}\r\n");
        Self::handshake_with(stream, host, match_id, &line).await
    }

    async fn handshake_with(
        mut stream: TcpStream,
        host: &str,
        match_id: i64,
        extra: &str,
    ) -> (RawWs, String) {
        let req = format!(
            "GET /api/matches/{match_id}/ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n{extra}\r\n"
        );
        stream.write_all(req.as_bytes()).await.expect("handshake");
        let mut raw = RawWs {
            stream,
            buf: Vec::new(),
        };
        let head = raw.read_until_headers().await;
        assert!(head.starts_with("HTTP/1.1 101"), "no upgrade: {head}");
        (raw, head)
    }

    /// The next whole server frame: its first byte (FIN, RSV bits, opcode) and payload, and
    /// its size on the wire; `None` once the socket ends.
    pub async fn next_frame(&mut self) -> Option<(u8, Vec<u8>, usize)> {
        loop {
            if self.buf.len() >= 2 {
                let (len, at) = match self.buf[1] & 0x7F {
                    126 if self.buf.len() >= 4 => {
                        (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
                    }
                    127 if self.buf.len() >= 10 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&self.buf[2..10]);
                        (u64::from_be_bytes(b) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                if len != usize::MAX && self.buf.len() >= at + len {
                    let b0 = self.buf[0];
                    let payload = self.buf[at..at + len].to_vec();
                    self.buf.drain(..at + len);
                    return Some((b0, payload, at + len));
                }
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(DEADLINE, self.stream.read(&mut chunk))
            .await
            .expect("raw read hung")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn read_until_headers(&mut self) -> String {
        loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..at]).into_owned();
                self.buf.drain(..at + 4);
                return head;
            }
            assert!(self.fill().await, "closed during the handshake");
        }
    }

    /// Sends one masked frame, as a client must: `b0` is the FIN bit, reserved bits and opcode.
    pub async fn send_frame(&mut self, b0: u8, payload: &[u8]) {
        assert!(payload.len() < 126, "short frames only");
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![b0, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await.expect("write frame");
    }

    /// Reads and discards until the server's end of the socket: EOF or a reset. Fails the test
    /// if the socket stays open past the deadline.
    pub async fn read_to_end(&mut self) {
        let mut chunk = [0u8; 65536];
        tokio::time::timeout(DEADLINE, async {
            while let Ok(n) = self.stream.read(&mut chunk).await {
                if n == 0 {
                    return;
                }
            }
        })
        .await
        .expect("the server closed the socket");
    }

    /// Reads server frames until a close and returns its code (`None`: the socket just ended).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            let (b0, payload, _) = self.next_frame().await?;
            if b0 & 0x0F == 0x8 {
                return Some(if payload.len() >= 2 {
                    u16::from_be_bytes([payload[0], payload[1]])
                } else {
                    1005
                });
            }
        }
    }
}
