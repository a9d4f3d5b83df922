//! `crease-loadtest`: Crease's own load instrument. `fanout` measures what reaches many
//! WebSocket and SSE viewers of one match (and what the node spends per message), `idle` the
//! node's memory per held connection, `read` the `/live` read path, `soak` a long
//! run of several matches and a churning crowd. Loopback targets only.

mod fanout;
mod floor;
mod hist;
mod net;
mod read;
mod soak;
mod sys;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "crease-loadtest", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// N viewers of a match; posts B real events and measures what reaches each viewer.
    Fanout(fanout::FanoutArgs),
    /// N idle WebSocket viewers held open; the node's memory per connection.
    Idle(fanout::IdleArgs),
    /// GET /live from C keep-alive connections for T seconds.
    Read(read::ReadArgs),
    /// Several matches scored for a long time before a churning crowd of viewers, with an
    /// optional fault midway; what the node holds and how late balls arrive, per window.
    Soak(soak::SoakArgs),
    /// The kernel's share alone: plain threads writing N loopback sockets per round, a plain
    /// epoll reader; latency and CPU per message with no server code at all.
    Floor(floor::FloorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    sys::raise_nofile();
    let result = match cli.command {
        // Plain threads and a child process: an async runtime is what it measures without.
        Command::Floor(a) => floor::run(a),
        command => run_async(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crease-loadtest: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_async(command: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the runtime: {e}"))?;
    let result = runtime.block_on(async {
        match command {
            Command::Fanout(a) => fanout::run_fanout(a).await,
            Command::Idle(a) => fanout::run_idle(a).await,
            Command::Read(a) => read::run(a).await,
            Command::Soak(a) => soak::run(a).await,
            Command::Floor(a) => floor::run(a),
        }
    });
    // Clients still closing must not hold the exit: every figure is already printed.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}
