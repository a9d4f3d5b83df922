//! Where schemathesis (tests/schema/run.sh) found the server and its OpenAPI document apart and
//! the server was the one to change: a number written `4.0` is the integer 4, a token for a
//! match that does not exist is a 404, a fixture name is checked as sent, fields that do not
//! fit together are a 422, an event's fields are bounded one by one, a malformed Last-Event-ID
//! is refused even beside `since`, and the WebSocket handshake's refusals, which the schema run
//! cannot reach, are the documented ones.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::refusals::{refused, scene};
use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crease_testkit::on_both_stores;

on_both_stores!(
    integral_floats_are_integers,
    a_token_for_a_missing_match_is_not_found,
    fields_that_do_not_fit_together_are_inconsistent,
    event_fields_are_bounded_one_by_one,
    fixture_names_are_checked_as_sent,
);

async fn integral_floats_are_integers(store: StoreKind) {
    let (app, mut f, token) = scene(store).await;
    let runs = f.innings.next_runs();
    let mut ball = f.innings.ball_with(runs);
    ball["runs"] = json!({ "batter": f64::from(runs), "extras": 0.0, "total": f64::from(runs) });
    let res = app.post_ball(f.id, &token, &ball).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    f.innings.accept(runs);
    let live = app.live_json(f.id).await;
    assert_eq!(live["innings"][0]["runs"], f.innings.runs);

    // A fraction is still not an integer, and changes nothing.
    let mut ball = f.innings.next_ball();
    ball["runs"]["batter"] = json!(1.5);
    let req = app
        .client
        .post(app.url(&format!("/api/matches/{}/balls", f.id)))
        .bearer_auth(&token)
        .json(&ball);
    let problem = refused(
        &app,
        f.id,
        req,
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(problem["field"], "runs.batter");

    let mut body = new_match("Kites", "Larks");
    body["overs"] = json!(20.0);
    body["balls_per_over"] = json!(6e0);
    let res = app
        .post_json("/api/matches", Some(&app.admin_token), &body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["format"], "t20");
}

async fn a_token_for_a_missing_match_is_not_found(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.create_match(20).await;
    let res = app
        .post_json(
            "/api/tokens",
            Some(&app.admin_token),
            &json!({ "label": "scorer", "match_ids": [f.id, f.id + 1000] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert_eq!(res.json()["type"], "/problems/not-found");
    // The refused request issued nothing: a token for the match alone is the first one.
    let res = app
        .post_json(
            "/api/tokens",
            Some(&app.admin_token),
            &json!({ "label": "scorer", "match_ids": [f.id] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["id"], 1);
}

async fn fields_that_do_not_fit_together_are_inconsistent(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut twice = new_match("Kites", "Larks");
    twice["teams"][0]["players"][1] = json!(" K1 ");
    let mut test_with_overs = new_match("Kites", "Larks");
    test_with_overs["format"] = json!("test");
    test_with_overs["overs"] = json!(90);
    let mut test_with_quota = new_match("Kites", "Larks");
    test_with_quota["format"] = json!("test");
    test_with_quota["bowler_quota_overs"] = json!(20);
    let mut quota_over_the_overs = new_match("Kites", "Larks");
    quota_over_the_overs["overs"] = json!(10);
    quota_over_the_overs["bowler_quota_overs"] = json!(11);
    for (body, field) in [
        (new_match("Kites", "Kites"), "teams[1].name"),
        (twice, "teams[0].players[1]"),
        (test_with_overs, "overs"),
        (test_with_quota, "bowler_quota_overs"),
        (quota_over_the_overs, "bowler_quota_overs"),
    ] {
        let res = app
            .post_json("/api/matches", Some(&app.admin_token), &body)
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {res:?}"
        );
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        let problem = res.json();
        assert_eq!(
            problem["type"], "/problems/inconsistent-fields",
            "{problem}"
        );
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(app.get("/api/matches").await.json(), json!([]));

    // A value out of range on its own is still a bad field.
    let mut zero_quota = new_match("Kites", "Larks");
    zero_quota["bowler_quota_overs"] = json!(0);
    let res = app
        .post_json("/api/matches", Some(&app.admin_token), &zero_quota)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");
    assert_eq!(res.json()["type"], "/problems/invalid-field");
}

async fn event_fields_are_bounded_one_by_one(store: StoreKind) {
    let (app, f, token) = scene(store).await;
    let events = format!("/api/matches/{}/events", f.id);
    let post = |body: Value| {
        app.client
            .post(app.url(&events))
            .bearer_auth(&token)
            .json(&body)
    };
    let long_name = "x".repeat(81);
    let problem = refused(
        &app,
        f.id,
        post(json!({ "kind": "new_batter", "data": { "batter": long_name } })),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(problem["field"], "data.batter");
    let twelve: Vec<String> = (0..12).map(|i| format!("B{i}")).collect();
    let problem = refused(
        &app,
        f.id,
        post(json!({ "kind": "no_further_batter", "data": { "reason": "absent", "batters": twelve } })),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(problem["field"], "data.batters");

    // Names of 80 characters that each take six bytes as JSON were once refused for the size
    // of the whole event; within the bounds, the event reaches the Laws, which know no such
    // players.
    let odd = "\u{1}".repeat(80);
    refused(
        &app,
        f.id,
        post(json!({ "kind": "replacement", "data": {
            "team": odd, "player_in": odd, "player_out": odd, "reason": odd
        } })),
        StatusCode::UNPROCESSABLE_ENTITY,
        "/problems/law/unknown-team",
    )
    .await;
}

async fn fixture_names_are_checked_as_sent(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let post = |name: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/tournaments",
                Some(&app.admin_token),
                &json!({ "name": name }),
            )
            .await
        }
    };
    // White space at the ends is trimmed from what is stored, not from what is checked: the
    // schema's maxLength and pattern apply to the string sent.
    let res = post("  Cup  ".to_owned()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    assert_eq!(res.json()["name"], "Cup");
    for name in [
        format!(" {} ", "x".repeat(79)),
        "Cup\t".to_owned(),
        "\nCup".to_owned(),
        " \u{a0} ".to_owned(),
    ] {
        let res = post(name.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name:?}: {res:?}");
        assert_eq!(res.json()["type"], "/problems/invalid-field", "{name:?}");
        assert_eq!(res.json()["field"], "name", "{name:?}");
    }
    let list = app.get("/api/tournaments").await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}

fn new_match(home: &str, away: &str) -> Value {
    let xi =
        |team: &str| -> Vec<String> { (1..=11).map(|i| format!("{}{i}", &team[..1])).collect() };
    json!({
        "format": "t20",
        "teams": [
            { "name": home, "players": xi(home) },
            { "name": away, "players": xi(away) },
        ],
    })
}

/// Sends a raw `GET /ws` head with `headers` and returns the answer's head and body.
async fn handshake(app: &TestApp, match_id: i64, headers: &str) -> String {
    let addr = app.url("").trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!("GET /api/matches/{match_id}/ws HTTP/1.1\r\nHost: {addr}\r\n{headers}\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // A refusal is a complete response with a Content-Length; read until the body is in.
    loop {
        let n = stream.read(&mut buf).await.expect("read");
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if n == 0 || text.ends_with('}') {
            return text.into_owned();
        }
    }
}

#[tokio::test]
async fn websocket_handshake_refusals_are_the_documented_ones() {
    let app = spawn_app(AppOptions::new(StoreKind::Sqlite)).await;
    let f = app.create_match(20).await;
    let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    for (headers, status, kind) in [
        (String::new(), "400", "/problems/websocket-required"),
        (
            format!("{upgrade}{key}"),
            "426",
            "/problems/websocket-version",
        ),
        (
            format!("{upgrade}{key}Sec-WebSocket-Version: 8\r\n"),
            "426",
            "/problems/websocket-version",
        ),
        (
            format!("{upgrade}Sec-WebSocket-Version: 13\r\n"),
            "400",
            "/problems/invalid-field",
        ),
    ] {
        let answer = handshake(&app, f.id, &headers).await;
        let status_line = answer.lines().next().unwrap_or_default();
        assert!(
            status_line.starts_with(&format!("HTTP/1.1 {status} ")),
            "{headers:?}: {answer}"
        );
        let lower = answer.to_ascii_lowercase();
        assert!(
            lower.contains("content-type: application/problem+json"),
            "{answer}"
        );
        assert!(answer.contains(&format!("\"type\":\"{kind}\"")), "{answer}");
        if status == "426" {
            assert!(lower.contains("sec-websocket-version: 13"), "{answer}");
        }
    }
    // The document names each of these headers as the handshake's, with these answers.
    let doc = app.get("/api/openapi.json").await.json();
    let ws = &doc["paths"]["/api/matches/{id}/ws"]["get"];
    let names: Vec<&str> = ws["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Key",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    assert!(ws["responses"]["426"]["headers"]["Sec-WebSocket-Version"].is_object());
}

#[tokio::test]
async fn a_bad_last_event_id_is_refused_even_beside_since() {
    let app = spawn_app(AppOptions::new(StoreKind::Sqlite)).await;
    let f = app.create_match(20).await;
    for value in ["", "x", "1:-2"] {
        let res = app
            .answer(
                app.client
                    .get(app.url(&format!("/api/matches/{}/stream?since=0", f.id)))
                    .header("Last-Event-ID", value),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{value:?}: {res:?}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert_eq!(res.json()["field"], "Last-Event-ID", "{value:?}");
    }
}
