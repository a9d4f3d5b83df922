//! `crease serve`: a node, run until a signal stops it.

use std::process::ExitCode;

use crate::config::ServeConfig;
use crate::startup::App;

/// The only places the admin and metrics tokens are read from.
const ADMIN_TOKEN_ENV: &str = "CREASE_ADMIN_TOKEN";
const METRICS_TOKEN_ENV: &str = "CREASE_METRICS_TOKEN";

pub async fn run(mut config: ServeConfig) -> anyhow::Result<ExitCode> {
    config.admin_token = std::env::var(ADMIN_TOKEN_ENV).ok();
    config.metrics_token = std::env::var(METRICS_TOKEN_ENV).ok();
    let app = App::build(config).await?;
    let stop = app.shutdown_token();
    tokio::spawn(async move {
        crate::shutdown::signal().await;
        stop.cancel();
    });
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
