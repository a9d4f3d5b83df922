//! Tracing setup: `RUST_LOG` filters, defaulting to info for Crease and warn for its libraries.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,crease=info,crease_domain=info"));
    // A second init (tests spawning several apps) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // stdout belongs to the commands' JSON output, and operators expect logs on stderr.
        .with_writer(std::io::stderr)
        .try_init();
}
