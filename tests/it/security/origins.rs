//! Allowed origins: pages from other sites may not open the streams (403, nothing changes),
//! CORS names allowed origins only and never lets a page write; pages carry their headers.

use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{refused, scene};
use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};

const EVIL: &str = "https://evil.example";
const CLUB: &str = "https://club.example";

fn stream_paths(match_id: i64) -> [String; 3] {
    [
        format!("/api/matches/{match_id}/ws"),
        format!("/api/matches/{match_id}/stream"),
        "/api/ticker".to_owned(),
    ]
}

async fn ws_with_origin(app: &TestApp, match_id: i64, origin: &str) -> Result<(), String> {
    let url = format!(
        "{}/api/matches/{match_id}/ws",
        app.base.replace("http", "ws")
    );
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("origin", origin.parse().expect("origin"));
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streams_refuse_pages_from_other_origins() {
    let (app, f, _) = scene().await;
    for path in stream_paths(f.id) {
        let req = app
            .client
            .get(app.url(&path))
            .header("Origin", EVIL)
            .header("Upgrade", "websocket")
            .header("Connection", "Upgrade")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        refused(
            &app,
            f.id,
            req,
            StatusCode::FORBIDDEN,
            "/problems/origin-not-allowed",
        )
        .await;
    }
    let err = ws_with_origin(&app, f.id, EVIL).await.expect_err("refused");
    assert!(err.contains("403"), "{err}");
    assert_eq!(app.metric("crease_connections", &[]).await, 0.0);

    // The node's own pages, and clients that are not pages at all, are served.
    ws_with_origin(&app, f.id, &app.base)
        .await
        .expect("same origin");
    let res = app
        .client
        .get(app.url(&format!("/api/matches/{}/stream", f.id)))
        .header("Origin", &app.base)
        .send()
        .await
        .expect("stream");
    assert_eq!(res.status(), StatusCode::OK);
    drop(res);
    let res = app.client.get(app.url("/api/ticker")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listed_origins_may_stream_and_read_but_never_write() {
    let app = spawn_app(
        AppOptions::new(StoreKind::Postgres)
            .configure(|c| c.allowed_origins = vec!["https://club.example".into()]),
    )
    .await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 2).await;
    ws_with_origin(&app, f.id, CLUB)
        .await
        .expect("a listed origin");
    let err = ws_with_origin(&app, f.id, EVIL).await.expect_err("refused");
    assert!(err.contains("403"), "{err}");

    let live = format!("/api/matches/{}/live", f.id);
    let read = |origin: &str| app.client.get(app.url(&live)).header("Origin", origin);
    let res = app.answer(read(CLUB)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("access-control-allow-origin"), Some(CLUB));
    assert!(res
        .header("access-control-expose-headers")
        .unwrap()
        .contains("etag"));
    let res = app.answer(read(EVIL)).await;
    assert_eq!(res.header("access-control-allow-origin"), None, "{res:?}");

    let preflight = |method: &str, headers: &str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                app.url(&format!("/api/matches/{}/balls", f.id)),
            )
            .header("Origin", CLUB)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
    };
    let res = app.answer(preflight("GET", "if-none-match")).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.header("access-control-allow-origin"), Some(CLUB));
    let res = app
        .answer(preflight("POST", "authorization,content-type"))
        .await;
    let methods = res
        .header("access-control-allow-methods")
        .unwrap_or_default();
    let headers = res
        .header("access-control-allow-headers")
        .unwrap_or_default();
    assert!(!methods.contains("POST"), "{res:?}");
    assert!(!headers.contains("authorization"), "{res:?}");
    assert!(res.header("access-control-allow-credentials").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_listed_origins_no_cors_is_granted() {
    let (app, f, _) = scene().await;
    let res = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{}/live", f.id)))
                .header("Origin", EVIL),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_carry_security_headers() {
    let app = spawn_app(AppOptions::new(StoreKind::Postgres)).await;
    for path in ["/", "/matches/1", "/score/1", "/admin", "/overlay/1"] {
        // The broadcast overlay alone is made to be framed, by pages we cannot list.
        let framable = path.starts_with("/overlay/");
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        let csp = res.header("content-security-policy").expect("a CSP");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        let ancestors = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("frame-ancestors"));
        let wanted = (!framable).then_some("frame-ancestors 'none'");
        assert_eq!(ancestors, wanted, "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        let deny = (!framable).then_some("DENY");
        assert_eq!(res.header("x-frame-options"), deny, "{path}");
        assert_eq!(res.header("referrer-policy"), Some("same-origin"), "{path}");
        // Every script the page loads is one of ours, from /static: nothing inline for the CSP
        // to refuse.
        let body = String::from_utf8_lossy(&res.body);
        for tag in body.split("<script").skip(1) {
            assert!(
                tag.trim_start()
                    .starts_with("type=\"module\" src=\"/static/"),
                "{path}: {tag}"
            );
        }
    }
}
