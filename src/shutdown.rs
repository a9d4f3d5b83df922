//! A node's graceful shutdown: one token every task watches, one tracker owning every task so
//! draining can wait for them, and the readiness `/readyz` reports.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tokio_util::task::TaskTracker;

/// Cheap to clone; every clone is the same shutdown.
#[derive(Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tasks: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the drain: every task watching [`Shutdown::cancelled`] winds down.
    pub fn begin(&self) {
        self.token.cancel();
    }

    /// Ready for new clients until shutdown begins, so load balancers stop sending them then.
    /// Derived from the token rather than kept beside it, so the two cannot disagree.
    pub fn is_ready(&self) -> bool {
        !self.token.is_cancelled()
    }

    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.token.cancelled()
    }

    /// The token alone, for a task that needs nothing else of the shutdown.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Runs `task` as one the drain waits for.
    pub fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Waits up to `timeout` for every task spawned here to end; false if some did not.
    pub async fn drain(&self, timeout: Duration) -> bool {
        self.tasks.close();
        tokio::time::timeout(timeout, self.tasks.wait())
            .await
            .is_ok()
    }
}

/// Waits for the signal to stop: Ctrl-C, or SIGTERM from an orchestrator.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; draining");
}
