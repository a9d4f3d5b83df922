//! `/metrics` kept from the public: on an address of its own (the main one then answers 404),
//! or behind a bearer token of its own.

use reqwest::StatusCode;

use crate::support::app::{spawn_app, AppOptions, StoreKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_on_their_own_address_leave_the_main_one() {
    let app = spawn_app(
        AppOptions::new(StoreKind::Postgres)
            .configure(|c| c.metrics_addr = Some("127.0.0.1:0".parse().unwrap())),
    )
    .await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));

    let metrics_base = app.metrics_base.clone().expect("a metrics address");
    assert_ne!(metrics_base, app.base);
    let res = app
        .answer(app.client.get(format!("{metrics_base}/metrics")))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert!(String::from_utf8_lossy(&res.body).contains("crease_"));
    // Only metrics there: the API is not reachable through the metrics address.
    let res = app
        .answer(app.client.get(format!("{metrics_base}/api/matches")))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_behind_a_token_want_that_token() {
    let app = spawn_app(
        AppOptions::new(StoreKind::Postgres)
            .configure(|c| c.metrics_token = Some("scrape-me".into())),
    )
    .await;
    let get = |token: Option<&str>| {
        let req = app.client.get(app.url("/metrics"));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    };
    for token in [None, Some("scrape-m"), Some(app.admin_token.as_str())] {
        let res = app.answer(get(token)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{token:?}: {res:?}");
        assert_eq!(res.json()["type"], "/problems/unauthorized");
        assert!(!String::from_utf8_lossy(&res.body).contains("crease_"));
    }
    let res = app.answer(get(Some("scrape-me"))).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert!(String::from_utf8_lossy(&res.body).contains("crease_auth_failures_total"));
}
