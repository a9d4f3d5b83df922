//! The `crease` command: parse the CLI, start telemetry, hand over to the subcommand.

use std::process::ExitCode;

use clap::Parser;
use crease::cli::{self, Command};

#[derive(Parser)]
#[command(name = "crease", version, about = "Live cricket scores, ball by ball")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Scorecard(args) => cli::scorecard::run(&args),
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
        Command::Serve(config) => cli::serve::run(*config).await,
        Command::Migrate(config) => cli::migrate::run(config).await,
        Command::Import(args) => Ok(cli::import::run(args).await),
        Command::Export(args) => Ok(cli::export::run(args).await),
        Command::Seed(config) => Ok(cli::seed::run(config).await),
        Command::Replay(args) => Ok(cli::replay::run(args).await),
        Command::Scorecard(_) => unreachable!("handled before the runtime starts"),
    }
}
