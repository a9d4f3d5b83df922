//! The per-address limit on failed authentications: past it, 429 with Retry-After for any
//! request that authenticates, the right token included, and nothing stored; reads go on.

use reqwest::StatusCode;

use super::{ball_request, refused};
use crate::support::app::{spawn_app, AppOptions, StoreKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_limit_even_the_right_token_gets_429_and_nothing_changes() {
    // Two a minute: the third try would be a minute's refill away, far beyond this test.
    let app = spawn_app(
        AppOptions::new(StoreKind::Postgres).configure(|c| c.auth_failures_per_minute = 2),
    )
    .await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 3).await;
    let token = app.scorer_token(&[f.id]).await;

    for wrong in [Some("guess-1"), None] {
        refused(
            &app,
            f.id,
            ball_request(&app, &f, wrong),
            StatusCode::UNAUTHORIZED,
            "/problems/unauthorized",
        )
        .await;
    }
    for right in [token.as_str(), app.admin_token.as_str()] {
        let problem = refused(
            &app,
            f.id,
            ball_request(&app, &f, Some(right)),
            StatusCode::TOO_MANY_REQUESTS,
            "/problems/too-many-auth-failures",
        )
        .await;
        assert_eq!(problem["status"], 429);
    }
    let res = app.answer(ball_request(&app, &f, Some(&token))).await;
    let wait: u64 = res
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    // Readers from the same address are not held back.
    assert_eq!(app.live(f.id).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/matches").await.status, StatusCode::OK);

    assert_eq!(
        app.metric("crease_auth_failures_total", &[("reason", "unknown")])
            .await,
        1.0
    );
    assert_eq!(
        app.metric("crease_auth_failures_total", &[("reason", "missing")])
            .await,
        1.0
    );
    assert_eq!(app.metric("crease_auth_rate_limited_total", &[]).await, 3.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn successes_do_not_count_toward_the_limit() {
    let app = spawn_app(
        AppOptions::new(StoreKind::Postgres).configure(|c| c.auth_failures_per_minute = 2),
    )
    .await;
    let mut f = app.started_match(20).await;
    // Far more authenticated writes than the limit allows failures.
    app.score(&mut f, 12).await;
    assert_eq!(app.metric("crease_auth_rate_limited_total", &[]).await, 0.0);
}
