//! `crease replay FILE --url URL --token T`: a real match posted ball by ball through the
//! public HTTP API, as a scorer's device would, at a chosen pace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use crease_domain::cricsheet;
use serde_json::json;

use super::{error_line, BAD_INPUT};
use crate::replay::{self, Api, Failure, Plan};

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// A Cricsheet JSON match file.
    pub file: PathBuf,
    /// The server's base URL, e.g. http://127.0.0.1:8080; several nodes of one deployment may
    /// be given (repeated, or separated by commas), tried in turn when one does not answer.
    #[arg(long, required = true, value_delimiter = ',')]
    pub url: Vec<String>,
    /// The admin token (or, with --match-id, a scorer token for that match).
    #[arg(long, env = "CREASE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Deliveries per second; 0 posts as fast as the server takes them.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Continue this match (one imported with --live-at) instead of creating a new one.
    #[arg(long)]
    pub match_id: Option<i64>,
    /// Index of the first event of the file to post. Default: 0 for a new match; for
    /// --match-id, the match's seq (its stored events are the file's first `seq` events).
    #[arg(long, value_name = "N")]
    pub from: Option<usize>,
    /// Seconds a request keeps being retried (network errors, 5xx), across the nodes given,
    /// before the replay gives up.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub give_up_after: f64,
    /// Print a JSON line per posted event.
    #[arg(long)]
    pub verbose: bool,
}

pub async fn run(args: ReplayArgs) -> ExitCode {
    match replay_file(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(why)) => {
            error_line("replay", format_args!("{}: {why}", args.file.display()));
            ExitCode::from(BAD_INPUT)
        }
        Err(Failure::Other(why)) => {
            error_line("replay", format_args!("{}: {why}", args.file.display()));
            ExitCode::FAILURE
        }
    }
}

async fn replay_file(args: &ReplayArgs) -> Result<(), Failure> {
    if !args.speed.is_finite() || args.speed < 0.0 {
        return Err(Failure::BadInput(
            "--speed must be a number of deliveries per second, 0 or more".into(),
        ));
    }
    if !args.give_up_after.is_finite() || args.give_up_after < 0.0 {
        return Err(Failure::BadInput(
            "--give-up-after must be a number of seconds, 0 or more".into(),
        ));
    }
    let text = tokio::fs::read_to_string(&args.file)
        .await
        .map_err(|e| Failure::BadInput(format!("cannot read: {e}")))?;
    let parsed = cricsheet::parse(&text).map_err(|e| Failure::BadInput(e.to_string()))?;
    let patience = Duration::from_secs_f64(args.give_up_after);
    let api = Api::new(&args.url, &args.token, patience)?;
    let plan = Plan {
        match_id: args.match_id,
        from: args.from,
        gap: (args.speed > 0.0).then(|| Duration::from_secs_f64(1.0 / args.speed)),
    };
    let done = replay::replay(&api, &parsed, plan, |reply| {
        if args.verbose {
            println!("{}", json!({ "seq": reply.seq, "summary": reply.summary }));
        }
    })
    .await?;
    match serde_json::to_string(&done) {
        Ok(line) => println!("{line}"),
        Err(e) => return Err(Failure::Other(format!("cannot print the result: {e}"))),
    }
    Ok(())
}
