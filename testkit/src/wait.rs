//! Waiting in tests: one deadline for any single wait, and polling until something holds.

use std::future::Future;
use std::time::Duration;

/// How long any single wait may take before the test is failed as hung. Never a speed claim.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `check` until it yields `Some`, failing the test if `DEADLINE` passes first.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("gave up waiting: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn eventually_returns_the_first_value_found() {
    let mut tries = 0;
    let found = eventually("a third try", || {
        tries += 1;
        let this = tries;
        async move { (this >= 3).then_some(this) }
    })
    .await;
    assert_eq!(found, 3);
}
