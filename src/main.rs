//! The `crease` command: parse the CLI, start telemetry, hand over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use crease::config::{ServeConfig, StoreConfig};
use crease::import::ImportArgs;
use crease::replay::ReplayArgs;

#[derive(Parser)]
#[command(name = "crease", version, about = "Live cricket scores, ball by ball")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded SQLite unless DATABASE_URL/REDIS_URL say otherwise). The admin
    /// token comes from CREASE_ADMIN_TOKEN only; without it one is generated into the file
    /// crease-admin-token.
    Serve(ServeConfig),
    /// Apply the database migrations and exit.
    Migrate(StoreConfig),
    /// Replay a Cricsheet match through the engine and print its final state as JSON.
    Scorecard {
        /// A Cricsheet JSON file.
        file: PathBuf,
    },
    /// Store Cricsheet matches (fixtures and events); prints {"match_id", "seq"} per match.
    Import(ImportArgs),
    /// Fill an empty database with the bundled demo matches; a non-empty one is left alone.
    Seed(StoreConfig),
    /// Post a Cricsheet match ball by ball through a server's HTTP API.
    Replay(ReplayArgs),
}

/// The only places the admin and metrics tokens are read from.
const ADMIN_TOKEN_ENV: &str = "CREASE_ADMIN_TOKEN";
const METRICS_TOKEN_ENV: &str = "CREASE_METRICS_TOKEN";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scorecard { file } => crease::scorecard::run(&file),
        command => {
            // The operator commands print JSON lines on stdout, where log lines would mix in.
            if matches!(command, Command::Serve(_) | Command::Migrate(_)) {
                crease::telemetry::init();
            }
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("crease: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run(command)) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("crease: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => Ok(crease::import::run(args).await),
        Command::Seed(config) => Ok(crease::seed::run(config).await),
        Command::Replay(args) => Ok(crease::replay::run(args).await),
        Command::Serve(mut config) => {
            config.admin_token = std::env::var(ADMIN_TOKEN_ENV).ok();
            config.metrics_token = std::env::var(METRICS_TOKEN_ENV).ok();
            let app = crease::startup::App::build(config).await?;
            let stop = app.shutdown_token();
            tokio::spawn(async move {
                crease::shutdown::signal().await;
                stop.cancel();
            });
            app.run_until_stopped().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(config) => {
            crease::startup::connect_store(&config).await?;
            tracing::info!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Scorecard { .. } => unreachable!("handled before the runtime starts"),
    }
}
