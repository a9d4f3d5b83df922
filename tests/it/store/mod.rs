//! The storage layer against real databases: every scenario runs on Postgres and on SQLite.

use chrono::{Duration as Span, Utc};
use crease::domain::{MatchFormat, MatchSetup, TeamSheet};
use crease::store::{Append, MatchRow, NewMatch, Store};

mod connect;
mod counting;
mod engines;
mod events;
mod fixtures;

fn setup() -> MatchSetup {
    let side = |name: &str| TeamSheet {
        name: name.into(),
        players: (1..=11).map(|i| format!("{name} {i}")).collect(),
    };
    MatchSetup::limited_overs(MatchFormat::T20, [side("Hawks"), side("Owls")], 20)
}

fn new_match(title: &str, starts_in_hours: Option<i64>) -> NewMatch {
    NewMatch {
        tournament_id: None,
        title: title.into(),
        venue: Some("The Oval".into()),
        starts_at: starts_in_hours.map(|h| Utc::now() + Span::hours(h)),
        setup: setup(),
    }
}

/// An event at `seq` whose payload, snapshot and summary name the seq, so reads can be checked.
fn event(match_id: i64, seq: i64, kind: &'static str, status: &'static str) -> Append<'static> {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Append {
        match_id,
        seq,
        epoch: None,
        kind,
        payload: leak(format!(r#"{{"n":{seq}}}"#)),
        snapshot: leak(format!(r#"{{"seq":{seq}}}"#)).as_bytes(),
        status,
        summary: leak(format!("after {seq}")),
        idempotency: None,
        notices: &[],
        retracts: None,
        put_in: None,
        now_ms: 0,
    }
}

async fn a_match(store: &Store) -> MatchRow {
    store
        .create_match(&new_match("Hawks v Owls", Some(1)))
        .await
        .expect("match created")
}
