//! A real match posted ball by ball through the public HTTP API, as a scorer's device would, at
//! a chosen pace.
//!
//! Every POST names the seq it expects and carries an `Idempotency-Key`, so a retry after a
//! lost response returns the original answer instead of scoring the ball twice. Given several
//! nodes, a request that finds one down goes to the next; a replay outlasts a node's restart.

mod api;

use std::time::Duration;

use crease_domain::cricsheet::CricsheetMatch;
use crease_domain::{MatchEvent, Recorded};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use api::{create_match_body, Api};

/// Why a replay stopped: the input (or a 4xx, which says the input is wrong) or the way there.
#[derive(Debug)]
pub enum Failure {
    BadInput(String),
    Other(String),
}

/// Where a replay starts and how fast it goes.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Continue this match instead of creating a new one.
    pub match_id: Option<i64>,
    /// Index of the first event to post; by default the match's seq (0 for a new match).
    pub from: Option<usize>,
    /// Time between deliveries; `None` posts as fast as the server takes them.
    pub gap: Option<Duration>,
}

/// The server's answer to one posted event.
#[derive(Debug, Deserialize)]
pub struct Posted {
    pub seq: i64,
    #[serde(default)]
    pub summary: String,
}

/// What a whole replay did; its fields in the order the command prints them.
#[derive(Debug, Serialize)]
pub struct Done {
    pub match_id: i64,
    pub seq: i64,
    pub posted: usize,
}

/// Posts `m`'s events from the plan's start, calling `on_posted` after each.
pub async fn replay(
    api: &Api,
    m: &CricsheetMatch,
    plan: Plan,
    mut on_posted: impl FnMut(&Posted),
) -> Result<Done, Failure> {
    let (match_id, mut seq) = match plan.match_id {
        Some(id) => (id, api.current_seq(id).await?),
        None => (api.create_match(m).await?, 0),
    };
    let skip = match (plan.from, usize::try_from(seq)) {
        (Some(from), _) => from,
        (None, Ok(seq)) => seq,
        (None, Err(_)) => return Err(Failure::Other(format!("the server reports seq {seq}"))),
    };
    if skip > m.events.len() {
        return Err(Failure::BadInput(format!(
            "the match is at event {skip}, but the file has only {} events",
            m.events.len()
        )));
    }

    let mut next_ball: Option<Instant> = None;
    let mut posted = 0usize;
    for (index, event) in m.events.iter().enumerate().skip(skip) {
        // Only deliveries are paced: the events around them follow at once, as at a ground.
        if matches!(event.event, MatchEvent::Ball(_)) {
            if let Some(at) = next_ball {
                tokio::time::sleep_until(at).await;
            }
            next_ball = plan.gap.map(|g| Instant::now() + g);
        }
        let key = format!("replay-{match_id}-{index}");
        let reply = api
            .post_event(match_id, event, seq, &key)
            .await
            .map_err(|f| at_event(f, index, event))?;
        seq = reply.seq;
        posted += 1;
        on_posted(&reply);
    }
    Ok(Done {
        match_id,
        seq,
        posted,
    })
}

fn at_event(f: Failure, index: usize, event: &Recorded) -> Failure {
    let place = format!("event {} ({})", index + 1, event.event.kind());
    match f {
        Failure::BadInput(why) => Failure::BadInput(format!("{place}: {why}")),
        Failure::Other(why) => Failure::Other(format!("{place}: {why}")),
    }
}
