//! Cricsheet JSON (data_version 1.0.0 and 1.1.0) into a match setup and its events, and a match
//! back into Cricsheet JSON ([`export`]).
//!
//! Lenient on what it does not need (Cricsheet adds fields over time), strict on what it does:
//! a missing or mistyped field the engine depends on is a [`CricsheetError`], never a panic.
//! What the deliveries leave implicit becomes an explicit event: a bowler finishing another's
//! over ([`crate::event::BowlerChange`]), an over of more or fewer balls
//! ([`crate::event::MiscountedOver`]), a batter retiring
//! between balls (a `role` replacement of a batter), a target revised by rain, and a result the
//! balls alone cannot give.

mod crease_log;
mod delivery;
mod export;
mod fields;
mod innings;
mod result;
mod settle;
mod setup;

pub use export::{export, ExportInfo, DATA_VERSION};
pub use settle::FILE_REASON;

use serde::Deserialize;
use serde_json::Value;

use crate::event::{MatchEvent, Recorded, Toss, TossDecision};
use crate::setup::MatchSetup;
use fields::{array, opt_text, shape, text};
use innings::{push_events, read_innings, RawInnings};

/// A Cricsheet match as the engine needs it, plus the facts about it that fixtures need.
#[derive(Debug, Clone)]
pub struct CricsheetMatch {
    pub setup: MatchSetup,
    /// Every event of the match in order, ready for [`crate::Match::record`]; those the Laws
    /// checks refuse but the file shows happened carry an override.
    pub events: Vec<Recorded>,
    pub info: MatchInfo,
    /// The events are the log Crease's own export carries (stoppages, commentary, overrides'
    /// reasons and all), not inferred from the deliveries.
    pub from_crease_log: bool,
}

/// Fixture facts: where and when, and the result as Cricsheet records it.
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    pub event_name: Option<String>,
    pub venue: Option<String>,
    pub city: Option<String>,
    pub dates: Vec<String>,
    pub gender: Option<String>,
    pub match_type: String,
    /// Cricsheet's `outcome` object, verbatim.
    pub outcome: serde_json::Value,
}

impl MatchInfo {
    /// The fixture facts to export the match with again, written on `created` (`YYYY-MM-DD`).
    pub fn export_info(&self, created: &str) -> ExportInfo {
        ExportInfo {
            created: created.to_string(),
            dates: self.dates.clone(),
            venue: self.venue.clone(),
            city: self.city.clone(),
            event_name: self.event_name.clone(),
            gender: self.gender.clone(),
            match_type: Some(self.match_type.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CricsheetError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a Cricsheet match: {0}")]
    Shape(String),
}

pub fn parse(json: &str) -> Result<CricsheetMatch, CricsheetError> {
    let v: Value = serde_json::from_str(json)?;
    let info = v.get("info").ok_or_else(|| shape("no `info`"))?;
    let match_type = text(info, "match_type")?;
    let innings: Vec<RawInnings> = array(&v, "innings")
        .iter()
        .map(read_innings)
        .collect::<Result<_, _>>()?;
    let dates: Vec<String> = array(info, "dates")
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    let multi_day = matches!(match_type.as_str(), "Test" | "MDM");
    let setup = match v.get("crease").and_then(|c| c.get("setup")) {
        // Crease's own export records the playing conditions Cricsheet has no field for.
        Some(s) => MatchSetup::deserialize(s)
            .ok()
            .filter(|s| s.balls_per_over > 0 && s.overs_per_innings != Some(0))
            .ok_or_else(|| shape("`crease.setup` is not a match setup"))?,
        None => setup::read_setup(info, &match_type, multi_day, &dates, &innings)?,
    };

    let info_out = MatchInfo {
        event_name: info.get("event").and_then(|e| opt_text(e, "name")),
        venue: opt_text(info, "venue"),
        city: opt_text(info, "city"),
        dates,
        gender: opt_text(info, "gender"),
        match_type,
        outcome: info.get("outcome").cloned().unwrap_or(Value::Null),
    };
    if let crease_log::CreaseLog::Agrees(events) = crease_log::read(&v, &setup, &info_out)? {
        return Ok(CricsheetMatch {
            setup,
            events,
            info: info_out,
            from_crease_log: true,
        });
    }

    let mut settler = settle::Settler::new(setup.clone());
    if let Some(t) = toss(info) {
        settler.push(t);
    }
    let first_runs = innings.iter().find(|i| !i.super_over).map_or(0, |i| i.runs);
    let cut = setup::first_innings_cut(&setup, &innings)
        .filter(|c| setup.overs_per_innings.is_some_and(|o| o > *c));
    let outcome = &info_out.outcome;
    let won_on_runs = outcome
        .get("by")
        .is_some_and(|b| b.get("runs").is_some() || b.get("innings").is_some());
    let mut regular_seen = 0usize;
    for (k, inn) in innings.iter().enumerate() {
        let chase = !multi_day && !inn.super_over && regular_seen == 1;
        let first = !inn.super_over && regular_seen == 0;
        if !inn.super_over {
            regular_seen += 1;
        }
        let mut events = vec![];
        let cut = if first { cut } else { None };
        push_events(inn, &setup, chase, first_runs, cut, &mut events)?;
        for e in events {
            settler.push(e);
        }
        let absent_hurt = array(inn.value, "absent_hurt")
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        settler.end_innings(k + 1 < innings.len() || won_on_runs, absent_hurt);
    }
    if let Some(r) = result::declared_result(outcome, &innings) {
        settler.push(MatchEvent::Result(r));
    }
    let events = settler.finish();

    Ok(CricsheetMatch {
        setup,
        events,
        info: info_out,
        from_crease_log: false,
    })
}

/// The toss, when the file says who won it and what they chose.
fn toss(info: &Value) -> Option<MatchEvent> {
    let toss = info.get("toss")?;
    let decision = match opt_text(toss, "decision").as_deref() {
        Some("bat") => TossDecision::Bat,
        Some("field") => TossDecision::Field,
        _ => return None,
    };
    let winner = opt_text(toss, "winner")?;
    Some(MatchEvent::Toss(Toss { winner, decision }))
}
