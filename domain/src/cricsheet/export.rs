//! A match as a Cricsheet file (data_version 1.1.0): the inverse of [`super::parse`].
//!
//! The events in force are walked through a fresh engine, so every delivery lands in the over
//! the engine counted it in, and what the importer infers from the deliveries (a bowler
//! finishing another's over, an over of more or fewer balls, a batter retiring between balls,
//! a first innings cut short) is left for it to infer again. What Cricsheet has no field for
//! (the setup's playing conditions, stoppages, a scorer's commentary, an override's own words)
//! goes in a `crease` member that Cricsheet readers ignore: the setup, and the events in force
//! as recorded, which [`super::parse`] uses while they still agree with the Cricsheet part (see
//! [`super::crease_log`]), so that the import of an export is the same match.

use serde_json::{json, Map, Value};

use crate::engine::Margin;
use crate::event::{
    DeclaredOutcome, DeclaredResult, Delivery, MatchEvent, Recorded, Replacement, RetirementKind,
};
use crate::live::MatchStatus;
use crate::setup::{MatchFormat, MatchSetup};
use crate::Match;

/// The Cricsheet format version the export writes, one the importer reads.
pub const DATA_VERSION: &str = "1.1.0";

/// What the file says about the match beyond its setup and events.
#[derive(Debug, Clone, Default)]
pub struct ExportInfo {
    /// The day the file is written, `YYYY-MM-DD` (`meta.created`).
    pub created: String,
    /// The days of play, `YYYY-MM-DD`.
    pub dates: Vec<String>,
    pub venue: Option<String>,
    pub city: Option<String>,
    pub event_name: Option<String>,
    pub gender: Option<String>,
    /// Cricsheet's `match_type`; when absent, the nearest the setup implies.
    pub match_type: Option<String>,
}

/// The Cricsheet file of `m` as its events in force stand (corrections applied, undone events
/// gone).
pub fn export(m: &Match, info: &ExportInfo) -> Value {
    let mut w = Writer::new(m.setup().clone());
    for rec in m.events() {
        w.event(rec);
    }
    w.finish(m, info)
}

/// One innings being written.
struct InningsOut {
    team: String,
    super_over: bool,
    /// `(over number, deliveries)` in the order bowled.
    overs: Vec<(u32, Vec<Value>)>,
    declared: bool,
    forfeited: bool,
    penalty_pre: u32,
    penalty_post: u32,
    target: Option<Value>,
    absent_hurt: Vec<String>,
}

impl InningsOut {
    fn new(team: String, super_over: bool) -> Self {
        Self {
            team,
            super_over,
            overs: vec![],
            declared: false,
            forfeited: false,
            penalty_pre: 0,
            penalty_post: 0,
            target: None,
            absent_hurt: vec![],
        }
    }

    fn has_balls(&self) -> bool {
        !self.overs.is_empty()
    }

    fn last_delivery(&mut self) -> Option<&mut Value> {
        self.overs.last_mut()?.1.last_mut()
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("team".into(), json!(self.team));
        if self.super_over {
            o.insert("super_over".into(), json!(true));
        }
        if self.forfeited {
            o.insert("forfeited".into(), json!(true));
        }
        if self.declared {
            o.insert("declared".into(), json!(true));
        }
        let overs: Vec<Value> = self
            .overs
            .iter()
            .map(|(n, ds)| json!({ "over": n, "deliveries": ds }))
            .collect();
        o.insert("overs".into(), Value::Array(overs));
        if self.penalty_pre > 0 || self.penalty_post > 0 {
            let mut p = Map::new();
            if self.penalty_pre > 0 {
                p.insert("pre".into(), json!(self.penalty_pre));
            }
            if self.penalty_post > 0 {
                p.insert("post".into(), json!(self.penalty_post));
            }
            o.insert("penalty_runs".into(), Value::Object(p));
        }
        if !self.absent_hurt.is_empty() {
            o.insert("absent_hurt".into(), json!(self.absent_hurt));
        }
        if let Some(t) = &self.target {
            o.insert("target".into(), t.clone());
        }
        Value::Object(o)
    }
}

/// A batter who retired hurt between deliveries, written as a `replacements.role` on the next
/// delivery: the importer reads a batter replaced who is not on that delivery as retired hurt.
struct RoleOut {
    out: String,
    /// The batter left at the crease, so the one coming in can be told apart.
    partner: Option<String>,
}

struct Writer {
    game: Match,
    toss: Option<Value>,
    innings: Vec<InningsOut>,
    /// Match replacements waiting for the next delivery, which carries them.
    replacements: Vec<Replacement>,
    roles: Vec<RoleOut>,
    /// A revised target set before the chase began.
    pending_target: Option<Value>,
    /// Penalty runs awarded to a side before its next innings.
    pending_penalty: [u32; 2],
    result: Option<DeclaredResult>,
    revised: bool,
    brought_in: Vec<(String, String)>,
}

impl Writer {
    fn new(setup: MatchSetup) -> Self {
        Self {
            game: Match::new(setup),
            toss: None,
            innings: vec![],
            replacements: vec![],
            roles: vec![],
            pending_target: None,
            pending_penalty: [0, 0],
            result: None,
            revised: false,
            brought_in: vec![],
        }
    }

    fn team_index(&self, name: &str) -> Option<usize> {
        self.game.setup().teams.iter().position(|t| t.name == name)
    }

    /// The innings open in the engine, and whether it has seen a ball.
    fn open_innings(&self) -> Option<usize> {
        let live = self.game.live();
        let idx = live.innings.len().checked_sub(1)?;
        (!live.innings[idx].closed).then_some(idx)
    }

    fn event(&mut self, rec: &Recorded) {
        match &rec.event {
            MatchEvent::Toss(t) => {
                self.toss = Some(json!({ "winner": t.winner, "decision": t.decision }));
            }
            MatchEvent::InningsStart(s) => {
                let mut inn = InningsOut::new(s.batting_team.clone(), s.super_over);
                if let Some(team) = self.team_index(&s.batting_team) {
                    inn.penalty_pre = std::mem::take(&mut self.pending_penalty[team]);
                }
                if !s.super_over && self.innings.iter().any(|i| !i.super_over) {
                    inn.target = self.pending_target.take();
                }
                self.innings.push(inn);
            }
            MatchEvent::Ball(d) => self.delivery(d),
            MatchEvent::Retirement(r) => self.retirement(&r.batter, r.kind),
            MatchEvent::Declaration => {
                if let Some(inn) = self.innings.last_mut() {
                    inn.declared = true;
                }
            }
            MatchEvent::Forfeit(f) => {
                let mut inn = InningsOut::new(f.team.clone(), false);
                inn.forfeited = true;
                self.innings.push(inn);
            }
            MatchEvent::RevisedTarget(r) => {
                self.revised = true;
                let mut t = Map::new();
                t.insert("runs".into(), json!(r.runs));
                if let Some(o) = r.overs {
                    // Whole overs as Cricsheet writes them: 15, not 15.0.
                    let whole = o.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(&o);
                    let overs = if whole { json!(o as u16) } else { json!(o) };
                    t.insert("overs".into(), overs);
                }
                let chase_open = self.open_innings().is_some()
                    && self.innings.iter().filter(|i| !i.super_over).count() >= 2;
                match self.innings.last_mut() {
                    Some(inn) if chase_open => inn.target = Some(Value::Object(t)),
                    _ => self.pending_target = Some(Value::Object(t)),
                }
            }
            MatchEvent::PenaltyRuns(p) => self.penalty(&p.team, p.runs),
            MatchEvent::Replacement(r) => {
                self.brought_in.push((r.team.clone(), r.player_in.clone()));
                self.replacements.push(r.clone());
            }
            MatchEvent::Result(r) => self.result = Some(r.clone()),
            MatchEvent::NoFurtherBatter(n) => {
                if n.reason == crate::event::AbsentReason::AbsentHurt {
                    if let Some(inn) = self.innings.last_mut() {
                        inn.absent_hurt.extend(n.batters.iter().cloned());
                    }
                }
            }
            // Implicit in the deliveries, or outside what Cricsheet records.
            MatchEvent::NewBatter(_)
            | MatchEvent::BowlerChange(_)
            | MatchEvent::MiscountedOver(_)
            | MatchEvent::ReducedOvers(_)
            | MatchEvent::Interruption(_)
            | MatchEvent::Resumption(_)
            | MatchEvent::Undo
            | MatchEvent::Correction(_) => {}
        }
        // The events in force were each accepted in this order, so this is a replay.
        let _ = self.game.record(rec.clone());
    }

    fn delivery(&mut self, d: &Delivery) {
        let over = self.game.over_in_progress().unwrap_or(0);
        let mut v = delivery_json(d);
        let mut repl = Map::new();
        if !self.replacements.is_empty() {
            let list: Vec<Value> = self
                .replacements
                .drain(..)
                .map(|r| {
                    let mut m = Map::new();
                    m.insert("in".into(), json!(r.player_in));
                    m.insert("out".into(), json!(r.player_out));
                    if let Some(reason) = r.reason {
                        m.insert("reason".into(), json!(reason));
                    }
                    m.insert("team".into(), json!(r.team));
                    Value::Object(m)
                })
                .collect();
            repl.insert("match".into(), Value::Array(list));
        }
        if !self.roles.is_empty() {
            let list: Vec<Value> = self
                .roles
                .drain(..)
                .map(|r| {
                    let incoming = [&d.batter, &d.non_striker]
                        .into_iter()
                        .find(|p| Some(p.as_str()) != r.partner.as_deref());
                    let mut m = Map::new();
                    if let Some(p) = incoming {
                        m.insert("in".into(), json!(p));
                    }
                    m.insert("out".into(), json!(r.out));
                    m.insert("reason".into(), json!("injury"));
                    m.insert("role".into(), json!("batter"));
                    Value::Object(m)
                })
                .collect();
            repl.insert("role".into(), Value::Array(list));
        }
        if !repl.is_empty() {
            v["replacements"] = Value::Object(repl);
        }
        let Some(inn) = self.innings.last_mut() else {
            return;
        };
        match inn.overs.last_mut() {
            Some((n, ds)) if *n == over => ds.push(v),
            _ => inn.overs.push((over, vec![v])),
        }
    }

    /// A batter retiring between deliveries. Retired hurt goes on the next delivery as a role
    /// replacement; retired out or not out at the crease goes on the last delivery as a
    /// wicket, as Cricsheet records it. A batter already off the field retired hurt who is
    /// recorded as not resuming is left to the importer, which infers it when the innings ends
    /// with them still off.
    fn retirement(&mut self, batter: &str, kind: RetirementKind) {
        let live = self.game.live();
        let at_crease = [&live.striker, &live.non_striker]
            .iter()
            .any(|p| p.as_deref() == Some(batter));
        if !at_crease {
            return;
        }
        let partner = [&live.striker, &live.non_striker]
            .into_iter()
            .find_map(|p| p.clone().filter(|p| p != batter));
        let wicket_kind = match kind {
            RetirementKind::Hurt => None,
            RetirementKind::Out => Some("retired out"),
            RetirementKind::NotOut => Some("retired not out"),
        };
        let on_last = match wicket_kind {
            Some(k) => self
                .innings
                .last_mut()
                .and_then(InningsOut::last_delivery)
                .map(|d| {
                    let w = json!({ "kind": k, "player_out": batter });
                    match d.get_mut("wickets").and_then(Value::as_array_mut) {
                        Some(ws) => ws.push(w),
                        None => d["wickets"] = json!([w]),
                    }
                })
                .is_some(),
            None => false,
        };
        if !on_last {
            self.roles.push(RoleOut {
                out: batter.to_string(),
                partner,
            });
        }
    }

    /// Penalty runs: before or after the batting side's innings, as Cricsheet records them
    /// (the engine adds runs to a side not batting to its last innings, or its next one).
    fn penalty(&mut self, team: &str, runs: u32) {
        let Some(t) = self.team_index(team) else {
            return;
        };
        if let Some(i) = self.open_innings() {
            if let Some(inn) = self.innings.get_mut(i).filter(|inn| inn.team == team) {
                if inn.has_balls() {
                    inn.penalty_post += runs;
                } else {
                    inn.penalty_pre += runs;
                }
                return;
            }
        }
        match self
            .innings
            .iter_mut()
            .rfind(|inn| inn.team == team && !inn.super_over)
        {
            Some(inn) => inn.penalty_post += runs,
            None => self.pending_penalty[t] += runs,
        }
    }

    fn finish(self, m: &Match, info: &ExportInfo) -> Value {
        let setup = m.setup();
        let mut i = Map::new();
        i.insert("balls_per_over".into(), json!(setup.balls_per_over));
        if let Some(city) = &info.city {
            i.insert("city".into(), json!(city));
        }
        i.insert("dates".into(), json!(info.dates));
        if let Some(name) = &info.event_name {
            i.insert("event".into(), json!({ "name": name }));
        }
        if let Some(g) = &info.gender {
            i.insert("gender".into(), json!(g));
        }
        let match_type = info
            .match_type
            .clone()
            .unwrap_or_else(|| match_type_of(setup).to_string());
        i.insert("match_type".into(), json!(match_type));
        if let Some(o) = outcome(m, self.result.as_ref(), self.revised) {
            i.insert("outcome".into(), o);
        }
        if let Some(overs) = setup.overs_per_innings {
            i.insert("overs".into(), json!(overs));
        }
        let mut players = Map::new();
        for t in &setup.teams {
            let mut names = t.players.clone();
            for (team, p) in &self.brought_in {
                if *team == t.name && !names.contains(p) {
                    names.push(p.clone());
                }
            }
            players.insert(t.name.clone(), json!(names));
        }
        i.insert("players".into(), Value::Object(players));
        i.insert(
            "teams".into(),
            json!([setup.teams[0].name, setup.teams[1].name]),
        );
        if let Some(t) = self.toss {
            i.insert("toss".into(), t);
        }
        if let Some(v) = &info.venue {
            i.insert("venue".into(), json!(v));
        }
        let innings: Vec<Value> = self.innings.iter().map(InningsOut::to_json).collect();
        json!({
            "meta": { "data_version": DATA_VERSION, "created": info.created, "revision": 1 },
            "info": Value::Object(i),
            "innings": innings,
            "crease": { "setup": setup, "events": m.events() },
        })
    }
}

/// One delivery in Cricsheet's shape (the engine's own is Cricsheet's, bar where the
/// non-boundary mark sits and the commentary, which Cricsheet does not carry).
fn delivery_json(d: &Delivery) -> Value {
    let mut runs =
        json!({ "batter": d.runs.batter, "extras": d.runs.extras, "total": d.runs.total });
    if d.non_boundary {
        runs["non_boundary"] = json!(true);
    }
    let mut v = Map::new();
    v.insert("batter".into(), json!(d.batter));
    v.insert("bowler".into(), json!(d.bowler));
    if !d.extras.is_empty() {
        v.insert("extras".into(), json!(d.extras));
    }
    v.insert("non_striker".into(), json!(d.non_striker));
    v.insert("runs".into(), runs);
    if !d.wickets.is_empty() {
        v.insert("wickets".into(), json!(d.wickets));
    }
    Value::Object(v)
}

/// Cricsheet's match type nearest to a setup made through the API.
fn match_type_of(s: &MatchSetup) -> &'static str {
    match s.format {
        MatchFormat::Test => "Test",
        MatchFormat::Odi => "ODI",
        MatchFormat::T20 => "T20",
        MatchFormat::Other if s.overs_per_innings.is_none() => "MDM",
        MatchFormat::Other => "ODM",
    }
}

/// Cricsheet's `outcome`, from the declared result or, when the balls decided it, the engine's
/// winner and margin; `None` while the match is unfinished.
fn outcome(m: &Match, declared: Option<&DeclaredResult>, revised: bool) -> Option<Value> {
    if let Some(r) = declared {
        return Some(match r.outcome {
            DeclaredOutcome::Draw => json!({ "result": "draw" }),
            DeclaredOutcome::NoResult => json!({ "result": "no result" }),
            DeclaredOutcome::Abandoned => json!({ "result": "abandoned" }),
            DeclaredOutcome::Awarded => json!({ "winner": r.winner, "method": "Awarded" }),
            DeclaredOutcome::TieBroken => {
                let bowl_out = r
                    .method
                    .as_deref()
                    .is_some_and(|m| m.to_lowercase().contains("bowl"));
                if bowl_out {
                    json!({ "result": "tie", "bowl_out": r.winner })
                } else {
                    json!({ "result": "tie", "eliminator": r.winner })
                }
            }
        });
    }
    let live = m.live();
    if live.status != MatchStatus::Finished {
        return None;
    }
    let mut o = Map::new();
    match (&live.winner, m.margin()) {
        (Some(w), Some(margin)) => {
            o.insert("winner".into(), json!(w));
            let by = match margin {
                Margin::Runs(n) => json!({ "runs": n }),
                Margin::Wickets(n) => json!({ "wickets": n }),
                Margin::InningsAndRuns(n) => json!({ "innings": 1, "runs": n }),
            };
            o.insert("by".into(), by);
        }
        // Decided by a super over after a tie.
        (Some(w), None) => {
            o.insert("result".into(), json!("tie"));
            o.insert("eliminator".into(), json!(w));
        }
        (None, _) => {
            o.insert("result".into(), json!("tie"));
        }
    }
    if revised {
        o.insert("method".into(), json!("D/L"));
    }
    Some(Value::Object(o))
}
