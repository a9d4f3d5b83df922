//! Scorer tokens: they expire, an admin lists and revokes them (at once, on every node), they
//! are taken only from the Authorization header, and no token reaches a log line.

use reqwest::StatusCode;
use serde_json::json;

use super::{ball_request, refused, scene};
use crate::support::app::{RedisMode, ADMIN_TOKEN};
use crate::support::node_process::{Node, Shared};
use crate::support::CREASE;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_token_is_refused_and_changes_nothing() {
    let (app, f, _) = scene().await;
    let res = app
        .post_json(
            "/api/tokens",
            Some(&app.admin_token),
            &json!({ "label": "short", "match_ids": [f.id], "expires_in_secs": 3600 }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let created = res.json();
    let (id, token) = (
        created["id"].as_i64().unwrap(),
        created["token"].as_str().unwrap(),
    );
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(created["expires_at"].clone()).expect("an expiry time");
    let now = chrono::Utc::now();
    assert!(expires_at > now && expires_at <= now + chrono::Duration::seconds(3600));

    let listed = app.get_admin("/api/tokens").await.json();
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .expect("the token is listed")
        .clone();
    assert_eq!(
        serde_json::from_value::<chrono::DateTime<chrono::Utc>>(row["expires_at"].clone()).unwrap(),
        expires_at,
        "the stored expiry is the one returned"
    );

    // Move the expiry into the past rather than wait for it.
    app.db
        .execute_raw(&format!(
            "UPDATE scorer_tokens SET expires_at = now() - interval '1 second' WHERE id = {id}"
        ))
        .await;
    let problem = refused(
        &app,
        f.id,
        ball_request(&app, &f, Some(token)),
        StatusCode::UNAUTHORIZED,
        "/problems/unauthorized",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("expired"),
        "{problem}"
    );
    assert_eq!(
        app.metric("crease_auth_failures_total", &[("reason", "expired")])
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expiry_out_of_range_is_refused() {
    let (app, f, _) = scene().await;
    for secs in [
        json!(0),
        json!(366 * 24 * 3600 + 1),
        json!(-5),
        json!("soon"),
    ] {
        let res = app
            .post_json(
                "/api/tokens",
                Some(&app.admin_token),
                &json!({ "label": "x", "match_ids": [f.id], "expires_in_secs": secs }),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{secs}: {res:?}");
        assert_eq!(res.json()["field"], "expires_in_secs", "{res:?}");
    }
    let listed = app.get_admin("/api/tokens").await.json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "only the scene's token: {listed}"
    );
}

/// Two nodes on one database: a token revoked through one is refused by the other on its
/// very next request, since neither caches tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_token_is_refused_at_once_on_every_node() {
    let (app, mut f, token) = scene().await;
    let other = app.peer(RedisMode::Off).await;
    let res = other.post_ball(f.id, &token, &f.innings.ball_with(1)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    f.innings.accept(1);

    let listed = app.get_admin("/api/tokens").await;
    assert_eq!(listed.status, StatusCode::OK);
    let row = listed.json()[0].clone();
    assert_eq!(row["match_ids"], json!([f.id]));
    assert_eq!(row["revoked_at"], json!(null));
    // The ball it scored on the other node is its last use.
    assert!(row["last_used_at"].is_string(), "{row}");
    assert!(
        row.get("token").is_none() && row.get("token_hash").is_none(),
        "{row}"
    );
    assert!(!String::from_utf8_lossy(&listed.body).contains(&token));
    let id = row["id"].as_i64().unwrap();

    let revoke = || {
        app.client
            .delete(app.url(&format!("/api/tokens/{id}")))
            .bearer_auth(&app.admin_token)
    };
    assert_eq!(app.answer(revoke()).await.status, StatusCode::NO_CONTENT);
    let problem = refused(
        &other,
        f.id,
        ball_request(&other, &f, Some(&token)),
        StatusCode::UNAUTHORIZED,
        "/problems/unauthorized",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("revoked"),
        "{problem}"
    );

    let revoked_at = app.get_admin("/api/tokens").await.json()[0]["revoked_at"].clone();
    assert!(revoked_at.is_string(), "{revoked_at}");
    // Revoking again is harmless and keeps the first time.
    assert_eq!(app.answer(revoke()).await.status, StatusCode::NO_CONTENT);
    let again = app.get_admin("/api/tokens").await.json();
    assert_eq!(again[0]["revoked_at"], revoked_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn listing_and_revoking_tokens_are_for_the_admin_only() {
    let (app, f, token) = scene().await;
    let list = |t: Option<&str>| {
        let req = app.client.get(app.url("/api/tokens"));
        match t {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    };
    assert_eq!(
        app.answer(list(None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.answer(list(Some("nope"))).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.answer(list(Some(&token))).await.status,
        StatusCode::FORBIDDEN
    );

    let revoke = |t: &str, id: &str| {
        app.client
            .delete(app.url(&format!("/api/tokens/{id}")))
            .bearer_auth(t)
    };
    let res = app.answer(revoke(&token, "1")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{res:?}");
    for missing in ["999999", "0", "abc"] {
        let res = app.answer(revoke(&app.admin_token, missing)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{missing}: {res:?}");
    }
    // The scorer's token still works: nothing above revoked it.
    let res = app.answer(ball_request(&app, &f, Some(&token))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
}

/// A token in a URL ends up in proxy logs, browser history and Referer headers: however it
/// is spelled in the query string, it is not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_in_the_query_string_is_not_accepted() {
    let (app, f, token) = scene().await;
    for name in ["token", "access_token", "auth", "authorization", "bearer"] {
        for t in [token.as_str(), ADMIN_TOKEN] {
            let req = app
                .client
                .post(app.url(&format!("/api/matches/{}/balls?{name}={t}", f.id)))
                .json(&f.innings.next_ball());
            refused(
                &app,
                f.id,
                req,
                StatusCode::UNAUTHORIZED,
                "/problems/unauthorized",
            )
            .await;
        }
    }
    let req = app
        .client
        .post(app.url(&format!("/api/tokens?token={ADMIN_TOKEN}")))
        .json(&json!({ "label": "x", "match_ids": [f.id] }));
    assert_eq!(app.answer(req).await.status, StatusCode::UNAUTHORIZED);
}

/// The node's whole output, at debug level, while tokens are minted, used, refused and
/// revoked: none of them appears in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_token_is_written_to_the_log() {
    let shared = Shared::new(CREASE).await;
    let node = Node::start_logged_with(&shared, None, &[("RUST_LOG", "debug")]).await;
    let mut f = node.started_match().await;
    let created = node
        .post(
            "/api/tokens",
            &json!({ "label": "logged", "match_ids": [f.id] }),
        )
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let url = node.url(&format!("/api/matches/{}/balls", f.id));
    let ball = |t: &str, body: &serde_json::Value| node.client.post(&url).bearer_auth(t).json(body);
    let res = ball(&token, &f.innings.ball_with(1)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    f.innings.accept(1);
    let next = f.innings.ball_with(1);
    let wrong = "0123456789abcdef-not-a-real-token";
    let res = ball(wrong, &next).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = node
        .client
        .delete(node.url(&format!("/api/tokens/{}", created["id"])))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = ball(&token, &next).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let log = node.log();
    assert!(
        log.contains("crease is serving"),
        "the log was captured: {log}"
    );
    for secret in [token.as_str(), ADMIN_TOKEN, wrong] {
        assert!(!log.contains(secret), "a token reached the log");
    }
}

/// The admin token is read from the environment only: a flag would show it in `ps`.
#[tokio::test]
async fn the_admin_token_is_not_a_flag() {
    let out = tokio::process::Command::new(CREASE)
        .args(["serve", "--admin-token", "on-the-command-line"])
        .env_clear()
        .output()
        .await
        .expect("the binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unexpected argument '--admin-token'"),
        "{stderr}"
    );
}
