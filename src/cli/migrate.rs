//! `crease migrate`: the database migrations applied, and nothing else.

use std::process::ExitCode;

use crate::config::StoreConfig;
use crate::store::Store;

pub async fn run(config: StoreConfig) -> anyhow::Result<ExitCode> {
    Store::open(&config).await?;
    tracing::info!("migrations applied");
    Ok(ExitCode::SUCCESS)
}
