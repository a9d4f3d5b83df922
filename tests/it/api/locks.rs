//! One scorer at a time: a device takes a match's scoring lock, another is refused with a 409
//! naming the holder (for the lock and for every scoring POST), asks for a hand-over and takes
//! the lock once it is let go; the outgoing device is then refused in its turn. A lock not
//! renewed lapses. Clients naming no device score as before while nobody holds the lock.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, Answer, AppOptions, Fixture, StoreKind, TestApp};
use crease_testkit::on_both_stores;
use crease_testkit::wait::eventually;

on_both_stores!(
    one_device_scores_at_a_time_and_hands_over,
    an_unrenewed_lock_lapses_and_the_admin_frees_a_lock,
);

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    device: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.admin_token);
    if let Some(d) = device {
        req = req.header("Scoring-Device", d);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.answer(req).await
}

async fn take(app: &TestApp, id: i64, device: &str, label: &str) -> Answer {
    let path = format!("/api/matches/{id}/lock");
    let body = json!({ "device": device, "label": label });
    send(app, reqwest::Method::POST, &path, Some(device), Some(body)).await
}

async fn ball(app: &TestApp, f: &Fixture, device: Option<&str>) -> Answer {
    let path = format!("/api/matches/{}/balls", f.id);
    let body = f.innings.ball_with(0);
    send(app, reqwest::Method::POST, &path, device, Some(body)).await
}

/// Pad A takes the lock; pad B is refused, told that A holds it.
async fn pad_a_holds_it(app: &TestApp, id: i64) {
    let res = take(app, id, "pad-a", "Pavilion pad").await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["yours"], true);
    locked(
        &take(app, id, "pad-b", "Boundary pad").await,
        "Pavilion pad",
    );
}

fn locked(res: &Answer, holder: &str) {
    assert_eq!(res.status, StatusCode::CONFLICT, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let p = res.json();
    assert_eq!(p["type"], "/problems/scoring-locked", "{p}");
    assert!(p["detail"].as_str().unwrap().contains(holder), "{p}");
}

async fn one_device_scores_at_a_time_and_hands_over(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    let lock = format!("/api/matches/{}/lock", f.id);

    // Nobody holds it: a script that names no device scores as before.
    assert_eq!(ball(&app, &f, None).await.status, StatusCode::CREATED);
    f.innings.accept(0);

    pad_a_holds_it(&app, f.id).await;
    // Renewing keeps it.
    assert_eq!(
        take(&app, f.id, "pad-a", "Pavilion pad").await.status,
        StatusCode::OK
    );
    locked(&ball(&app, &f, Some("pad-b")).await, "Pavilion pad");
    locked(&ball(&app, &f, None).await, "Pavilion pad");
    let undo = format!("/api/matches/{}/undo", f.id);
    locked(
        &send(
            &app,
            reqwest::Method::POST,
            &undo,
            Some("pad-b"),
            Some(json!({})),
        )
        .await,
        "Pavilion pad",
    );
    let res = ball(&app, &f, Some("pad-a")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    f.innings.accept(0);

    // B asks; A sees who asks, lets go; B takes it; A is now refused in its turn.
    let ask = format!("{lock}/handover");
    let body = json!({ "device": "pad-b", "label": "Boundary pad" });
    let res = send(&app, reqwest::Method::POST, &ask, Some("pad-b"), Some(body)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["wanted_by_you"], true);
    let seen = send(&app, reqwest::Method::GET, &lock, Some("pad-a"), None)
        .await
        .json();
    assert_eq!(seen["yours"], true);
    assert_eq!(seen["wanted_label"], "Boundary pad");
    let res = send(&app, reqwest::Method::DELETE, &lock, Some("pad-a"), None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{res:?}");
    let res = take(&app, f.id, "pad-b", "Boundary pad").await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["wanted_label"], Value::Null);
    locked(&ball(&app, &f, Some("pad-a")).await, "Boundary pad");
    assert_eq!(
        ball(&app, &f, Some("pad-b")).await.status,
        StatusCode::CREATED
    );

    // Bad shapes: a blank device, an over-long header.
    let body = json!({ "device": " ", "label": "x" });
    let res = send(&app, reqwest::Method::POST, &lock, None, Some(body)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");
    let long = "d".repeat(65);
    assert_eq!(
        ball(&app, &f, Some(&long)).await.status,
        StatusCode::BAD_REQUEST
    );
    // Without a token nothing about the lock is told.
    let res = app.get(&lock).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{res:?}");
}

async fn an_unrenewed_lock_lapses_and_the_admin_frees_a_lock(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store).configure(|c| c.scoring_lock_secs = 1)).await;
    let f = app.started_match(20).await;
    let lock = format!("/api/matches/{}/lock", f.id);
    pad_a_holds_it(&app, f.id).await;
    // Pad A is gone: after the lapse, B takes the lock.
    eventually("the lock to lapse", || async {
        (take(&app, f.id, "pad-b", "Boundary pad").await.status == StatusCode::OK).then_some(())
    })
    .await;
    // The admin frees a lock whose device is gone; anyone may take it then.
    let res = send(&app, reqwest::Method::DELETE, &lock, None, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{res:?}");
    let seen = send(&app, reqwest::Method::GET, &lock, None, None)
        .await
        .json();
    assert_eq!(seen["held"], false);
    assert_eq!(
        take(&app, f.id, "pad-c", "Scorebox").await.status,
        StatusCode::OK
    );
}
