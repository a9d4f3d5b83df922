//! Compression on the wire, and the compact ball message, on a real match posted ball by ball:
//! a WebSocket client that offers permessage-deflate gets the very messages a client that does
//! not gets, compressed; an SSE client that accepts gzip gets the same events as one gzip
//! stream; and every ball message's figures are the file's own, summed from its deliveries.

use std::io::Write;

use serde_json::Value;

use crate::support::app::{ADMIN_TOKEN, DEADLINE};
use crate::support::live_client::{Item, LiveClient, RawWs};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

const MATCH_FILE: &str = "t20_2018-06-10_india_v_bangladesh.json";
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

fn file() -> (Value, crease::domain::cricsheet::CricsheetMatch) {
    let (text, json) = crate::support::bundled_match(MATCH_FILE);
    let parsed = crease::domain::cricsheet::parse(&text).expect("the match parses");
    (json, parsed)
}

/// Inflates one permessage-deflate message with flate2, as RFC 7692 §7.2.2 says: the
/// payload, then the tail the sender left off.
fn inflate(payload: &[u8]) -> Vec<u8> {
    let mut d = flate2::Decompress::new(false);
    let input = [payload, &SYNC_TAIL].concat();
    let mut out = Vec::with_capacity(64 * 1024);
    d.decompress_vec(&input, &mut out, flate2::FlushDecompress::Sync)
        .expect("inflates");
    assert_eq!(d.total_in() as usize, input.len(), "all of it inflated");
    out
}

/// Compresses one message as a client would under RFC 7692: raw deflate, a sync flush, and
/// the flush's empty stored block (00 00 FF FF) left off.
fn deflate_as_a_client(text: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut c = flate2::Compress::new(level, false);
    let mut z = Vec::with_capacity(text.len() + 64);
    c.compress_vec(text, &mut z, flate2::FlushCompress::Sync)
        .expect("deflate");
    assert_eq!(c.total_in() as usize, text.len(), "all of it taken");
    assert!(
        z.ends_with(&SYNC_TAIL),
        "a sync flush ends with the empty stored block"
    );
    z.truncate(z.len() - SYNC_TAIL.len());
    z
}

/// The part of JSON Schema the BallLine schema uses: object properties (none beyond those
/// named, the required ones present), integer, string, array items, `const` and `enum`.
fn conforms(v: &Value, schema: &Value, at: &str) {
    if let Some(c) = schema.get("const") {
        assert_eq!(v, c, "{at}");
    }
    if let Some(e) = schema["enum"].as_array() {
        assert!(e.contains(v), "{at}: {v} is not one of {e:?}");
    }
    match schema["type"].as_str() {
        Some("object") => {
            let obj = v
                .as_object()
                .unwrap_or_else(|| panic!("{at}: {v} is not an object"));
            for r in schema["required"].as_array().into_iter().flatten() {
                let r = r.as_str().expect("a name");
                assert!(obj.contains_key(r), "{at}: {r} missing from {v}");
            }
            for (k, field) in obj {
                let Some(s) = schema["properties"].get(k) else {
                    panic!("{at}.{k}: a field the document does not name");
                };
                conforms(field, s, &format!("{at}.{k}"));
            }
        }
        Some("integer") => assert!(v.is_i64(), "{at}: {v} is not an integer"),
        Some("string") => assert!(v.is_string(), "{at}: {v} is not a string"),
        Some("array") => {
            let items = v
                .as_array()
                .unwrap_or_else(|| panic!("{at}: {v} is not an array"));
            for (i, item) in items.iter().enumerate() {
                conforms(item, &schema["items"], &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

struct Wire {
    /// Each message's text, in order (viewer counts left out).
    texts: Vec<String>,
    /// Bytes on the wire of the `ball` messages' frames.
    ball_bytes: usize,
    compressed_frames: usize,
}

/// Reads a raw client's messages up to `last` seq.
async fn read_until(raw: &mut RawWs, last: i64) -> Wire {
    let mut wire = Wire {
        texts: Vec::new(),
        ball_bytes: 0,
        compressed_frames: 0,
    };
    tokio::time::timeout(DEADLINE * 2, async {
        loop {
            let (b0, payload, size) = raw.next_frame().await.expect("the socket stays open");
            assert_eq!(b0 & 0x80, 0x80, "Crease never fragments");
            assert_eq!(b0 & 0x0F, 0x1, "a text frame");
            let text = if b0 & 0x40 != 0 {
                wire.compressed_frames += 1;
                inflate(&payload)
            } else {
                payload
            };
            let text = String::from_utf8(text).expect("UTF-8");
            let json: Value = serde_json::from_str(&text).expect("JSON");
            if json["type"] == "viewers" {
                continue;
            }
            if json["type"] == "ball" {
                wire.ball_bytes += size;
            }
            let seq = json["seq"].as_i64().expect("seq");
            wire.texts.push(text);
            if seq >= last {
                return;
            }
        }
    })
    .await
    .expect("every message arrives");
    wire
}

/// The figures a ball message's line must carry, summed from the file's deliveries.
#[derive(Default)]
struct Book {
    innings: usize,
    runs: u64,
    wickets: u64,
    legal: u64,
    batters: std::collections::HashMap<String, [u64; 4]>,
    bowlers: std::collections::HashMap<String, [u64; 7]>,
}

const BOWLERS_WICKETS: [&str; 6] = [
    "bowled",
    "caught",
    "caught and bowled",
    "lbw",
    "stumped",
    "hit wicket",
];

impl Book {
    fn ball(&mut self, d: &Value) {
        let n = |v: &Value| v.as_u64().unwrap_or(0);
        let extras = &d["extras"];
        let (wides, noballs) = (n(&extras["wides"]), n(&extras["noballs"]));
        let legal = wides == 0 && noballs == 0;
        let off_bat = n(&d["runs"]["batter"]);
        self.runs += n(&d["runs"]["total"]);
        self.legal += u64::from(legal);
        let wickets = d["wickets"].as_array().cloned().unwrap_or_default();
        self.wickets += wickets
            .iter()
            .filter(|w| !matches!(w["kind"].as_str(), Some("retired hurt" | "retired not out")))
            .count() as u64;
        let bat = self
            .batters
            .entry(d["batter"].as_str().expect("batter").to_owned())
            .or_default();
        let boundary = !d["non_boundary"].as_bool().unwrap_or(false);
        bat[0] += off_bat;
        bat[1] += u64::from(wides == 0);
        bat[2] += u64::from(boundary && off_bat == 4);
        bat[3] += u64::from(boundary && off_bat == 6);
        let bowl = self
            .bowlers
            .entry(d["bowler"].as_str().expect("bowler").to_owned())
            .or_default();
        let charged = off_bat + wides + noballs;
        bowl[0] += u64::from(legal);
        bowl[1] += charged;
        bowl[2] += wickets
            .iter()
            .filter(|w| BOWLERS_WICKETS.contains(&w["kind"].as_str().unwrap_or("")))
            .count() as u64;
        bowl[3] += u64::from(wides > 0);
        bowl[4] += u64::from(noballs > 0);
        bowl[5] += u64::from(legal && charged == 0);
    }

    fn check_batter(&self, line: &Value, at: &str) {
        if line.is_null() {
            return;
        }
        let name = line["n"].as_str().expect("a batter's name");
        let want = self.batters.get(name).copied().unwrap_or_default();
        let got = ["r", "b", "4s", "6s"].map(|k| line[k].as_u64().expect(k));
        assert_eq!(got, want, "{name}'s runs, balls, fours, sixes at {at}");
    }
}

#[tokio::test]
async fn compressed_and_plain_clients_get_the_same_messages_with_the_files_figures() {
    let (raw_file, parsed) = file();
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let created = node
        .post("/api/matches", &crease::replay::create_match_body(&parsed))
        .await;
    let match_id = created["id"].as_i64().expect("match id");

    let (mut deflated, head) = RawWs::connect_offering(
        &node.base,
        match_id,
        "permessage-deflate; client_max_window_bits",
    )
    .await;
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains(
            "sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        ),
        "{head}"
    );
    let (mut plain, head) = RawWs::connect_offering(&node.base, match_id, "x-unknown").await;
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("sec-websocket-extensions"),
        "{head}"
    );
    let mut sse_gzip = GzipSse::open(&node.base, match_id).await;
    let mut sse_plain = LiveClient::sse(&node.base, match_id, None).await;
    assert!(matches!(sse_plain.next().await, Item::Msg(m) if m.is_snapshot()));

    let client = reqwest::Client::new();
    let mut last = 0;
    for (index, event) in parsed.events.iter().enumerate() {
        let (route, body) = crease::domain::wire::scoring_request(event, index as i64);
        let res = client
            .post(node.url(&format!("/api/matches/{match_id}/{route}")))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert!(res.status().is_success(), "event {index}: {}", res.status());
        last = res.json::<Value>().await.expect("JSON")["seq"]
            .as_i64()
            .expect("seq");
    }

    let z = read_until(&mut deflated, last).await;
    let p = read_until(&mut plain, last).await;
    assert_eq!(
        p.compressed_frames, 0,
        "a client that did not offer gets plain frames"
    );
    assert_eq!(z.texts, p.texts, "the same messages, byte for byte");
    assert!(z.compressed_frames > 200, "balls went compressed");
    assert!(
        z.ball_bytes * 10 < p.ball_bytes * 7,
        "compressed ball frames are under 70% of the plain ones ({} against {})",
        z.ball_bytes,
        p.ball_bytes
    );

    // SSE: the gzip stream carries the very events of the plain one.
    sse_plain.until_seq(last).await;
    let gz_events = sse_gzip.until_seq(last).await;
    let plain_events: Vec<Value> = sse_plain.received.iter().map(|m| m.json.clone()).collect();
    assert_eq!(
        gz_events, plain_events,
        "the gzip stream's events are the plain stream's"
    );

    // Every ball message against the file.
    let balls: Vec<Value> = p
        .texts
        .iter()
        .map(|t| serde_json::from_str::<Value>(t).expect("JSON"))
        .filter(|m| m["type"] == "ball")
        .collect();
    // Every field of every line is one the API document names, of the type it gives.
    let doc: Value =
        serde_json::from_str(include_str!("../../../src/http/openapi.json")).expect("the document");
    for b in &balls {
        conforms(
            &b["line"],
            &doc["components"]["schemas"]["BallLine"],
            "line",
        );
    }
    let mut book = Book::default();
    let mut seen = 0;
    let mut first_total = 0;
    for (i, innings) in raw_file["innings"]
        .as_array()
        .expect("innings")
        .iter()
        .enumerate()
    {
        if i > 0 {
            first_total = book.runs;
            book = Book {
                innings: i,
                ..Book::default()
            };
        }
        for over in innings["overs"].as_array().expect("overs") {
            let number = over["over"].as_u64().expect("over");
            for (k, d) in over["deliveries"]
                .as_array()
                .expect("deliveries")
                .iter()
                .enumerate()
            {
                book.ball(d);
                let msg = &balls[seen];
                seen += 1;
                let at = format!("{number}.{}", k + 1);
                let line = &msg["line"];
                assert_eq!(msg["ball"]["batter"], d["batter"], "{at}");
                assert_eq!(line["inn"], book.innings + 1, "{at}");
                assert_eq!(line["r"], book.runs, "runs at {at}");
                assert_eq!(line["w"], book.wickets, "wickets at {at}");
                assert_eq!(line["b"], book.legal, "legal balls at {at}");
                assert_eq!(line["c"]["at"], at.as_str(), "the commentary's ball");
                book.check_batter(&line["s"], &at);
                book.check_batter(&line["ns"], &at);
                // Absent once the over is done: the next bowler is not named yet.
                if let Some(bowl) = line.get("bowl") {
                    let bowler = d["bowler"].as_str().expect("bowler");
                    assert_eq!(bowl["n"], bowler, "{at}");
                    let want = book.bowlers[bowler];
                    let got = ["b", "r", "w", "wd", "nb", "0s"].map(|k| bowl[k].as_u64().expect(k));
                    assert_eq!(got, want[..6], "{bowler}'s figures at {at}");
                }
                if i == 1 {
                    let target = innings["target"]["runs"].as_u64().expect("target");
                    assert_eq!(
                        target,
                        first_total + 1,
                        "the file's target is the first total + 1"
                    );
                    assert_eq!(line["tgt"], target, "{at}");
                    assert_eq!(line["need"], target.saturating_sub(book.runs), "{at}");
                    assert_eq!(line["left"], 120 - book.legal, "{at}");
                } else {
                    assert!(line.get("tgt").is_none(), "no target in the first innings");
                }
                for key in ["status", "summary", "striker", "run_rate", "innings"] {
                    assert!(line.get(key).is_none(), "the compact line has no {key}");
                }
            }
        }
    }
    assert_eq!(
        seen,
        balls.len(),
        "one ball message per delivery of the file"
    );
    let end = &balls[balls.len() - 1]["line"];
    assert_eq!(end["st"], "finished");
    let winner = raw_file["info"]["outcome"]["winner"]
        .as_str()
        .expect("winner");
    assert!(
        end["res"].as_str().is_some_and(|r| r.starts_with(winner)),
        "the last ball carries the result: {end}"
    );
}

#[tokio::test]
async fn a_client_may_send_compressed_messages_only_once_it_negotiated() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let mut f = node.started_match().await;
    let text = b"{\"hello\":\"a client's message, compressed by the client\"}".repeat(4);
    let z = deflate_as_a_client(&text, flate2::Compression::default());

    let (mut negotiated, _) = RawWs::connect_offering(&node.base, f.id, "permessage-deflate").await;
    negotiated.send_frame(0xC1, &z).await;
    let seq = node.score(&mut f, 1).await;
    let wire = read_until(&mut negotiated, seq).await;
    assert!(!wire.texts.is_empty(), "still open, and receiving");

    let mut plain = RawWs::connect(&node.base, f.id).await;
    plain.send_frame(0xC1, &z).await;
    assert_eq!(
        plain.close_code().await,
        Some(1002),
        "RSV1 without the extension"
    );

    // A compressed message that inflates past the limit is refused for its size.
    let (mut bomb, _) = RawWs::connect_offering(&node.base, f.id, "permessage-deflate").await;
    let z = deflate_as_a_client(&vec![b'a'; 64 * 1024], flate2::Compression::best());
    assert!(z.len() < 126, "a small frame: {}", z.len());
    bomb.send_frame(0xC1, &z).await;
    assert_eq!(bomb.close_code().await, Some(1009));
}

#[tokio::test]
async fn gzip_is_only_for_clients_that_accept_it_and_ends_with_a_valid_trailer() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start(&shared, None, &[]).await;
    let mut f = node.started_match().await;
    let client = reqwest::Client::new();
    for (accept, gzip) in [
        ("gzip, deflate, br", true),
        ("br;q=1.0, gzip;q=0.5", true),
        ("gzip;q=0", false),
        ("identity", false),
    ] {
        let res = client
            .get(node.url(&format!("/api/matches/{}/stream", f.id)))
            .header("accept-encoding", accept)
            .send()
            .await
            .expect("stream");
        let encoding = res.headers().get("content-encoding").map(|v| v.to_owned());
        assert_eq!(encoding.is_some(), gzip, "Accept-Encoding: {accept}");
        assert_eq!(res.headers()["vary"], "accept-encoding");
    }
    let off = Node::start(&shared, None, &[("CREASE_SSE_GZIP", "off")]).await;
    let res = client
        .get(off.url(&format!("/api/matches/{}/stream", f.id)))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("stream");
    assert!(
        res.headers().get("content-encoding").is_none(),
        "--sse-gzip off"
    );

    // The stream a node ends on shutdown is a whole gzip stream: its trailer checks out.
    let mut sse = GzipSse::open(&node.base, f.id).await;
    let seq = node.score(&mut f, 3).await;
    sse.until_seq(seq).await;
    node.terminate();
    let text = sse.read_to_end().await;
    assert!(text.contains("server restarting"), "{text}");
}

/// An SSE client that accepts gzip, inflating with flate2's strict decoder.
struct GzipSse {
    body: reqwest::Response,
    decoder: flate2::write::GzDecoder<Vec<u8>>,
    events: Vec<Value>,
}

impl GzipSse {
    async fn open(base: &str, match_id: i64) -> GzipSse {
        let res = reqwest::Client::new()
            .get(format!("{base}/api/matches/{match_id}/stream"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("stream");
        assert_eq!(res.headers()["content-encoding"], "gzip");
        GzipSse {
            body: res,
            decoder: flate2::write::GzDecoder::new(Vec::new()),
            events: Vec::new(),
        }
    }

    /// Takes whole events out of what has been inflated so far.
    fn take_events(&mut self) {
        let text = self.decoder.get_mut();
        while let Some(end) = text.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = text.drain(..end + 2).collect();
            let event = String::from_utf8(event).expect("UTF-8");
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                let json: Value = serde_json::from_str(data).expect("JSON");
                if json["type"] != "viewers" {
                    self.events.push(json);
                }
            }
        }
    }

    async fn until_seq(&mut self, seq: i64) -> Vec<Value> {
        tokio::time::timeout(DEADLINE * 2, async {
            while self
                .events
                .last()
                .is_none_or(|e| e["seq"].as_i64() < Some(seq))
            {
                let chunk = self.body.chunk().await.expect("read").expect("open");
                self.decoder.write_all(&chunk).expect("inflates");
                self.decoder.flush().expect("inflates");
                self.take_events();
            }
        })
        .await
        .expect("the events arrive");
        self.events.clone()
    }

    /// Reads to the stream's end and checks its trailer; returns what followed the events.
    async fn read_to_end(mut self) -> String {
        let mut rest = Vec::new();
        tokio::time::timeout(DEADLINE, async {
            while let Some(chunk) = self.body.chunk().await.expect("read") {
                self.decoder.write_all(&chunk).expect("inflates");
            }
        })
        .await
        .expect("the stream ends");
        // `finish` fails on a missing or wrong CRC-32 or size.
        let text = self
            .decoder
            .finish()
            .expect("a whole gzip stream, trailer and all");
        rest.extend_from_slice(&text);
        String::from_utf8_lossy(&rest).into_owned()
    }
}
