//! The demo: seeds an empty database and keeps a real match going live, ball by ball.

use crate::state::AppState;

pub async fn start(_state: &AppState) -> anyhow::Result<()> {
    anyhow::bail!("--demo is not available yet")
}
