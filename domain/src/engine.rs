//! Placeholder: the engine is being written.

use crate::event::MatchEvent;
use crate::law::LawViolation;
use crate::live::LiveState;
use crate::setup::MatchSetup;

#[derive(Debug, Clone)]
pub struct Match {
    setup: MatchSetup,
    events: Vec<MatchEvent>,
    live: LiveState,
}

impl Match {
    pub fn new(setup: MatchSetup) -> Self {
        let live = LiveState {
            format: setup.format,
            teams: [setup.teams[0].name.clone(), setup.teams[1].name.clone()],
            balls_per_over: setup.balls_per_over,
            overs_per_innings: setup.overs_per_innings,
            status: crate::live::MatchStatus::NotStarted,
            toss: None,
            current_innings: None,
            innings: vec![],
            striker: None,
            non_striker: None,
            bowler: None,
            free_hit: false,
            due: vec![],
            result: None,
            winner: None,
            summary: String::new(),
            commentary: vec![],
        };
        Self { setup, events: vec![], live }
    }

    pub fn setup(&self) -> &MatchSetup {
        &self.setup
    }

    /// Applies one event; on refusal the match is unchanged.
    pub fn apply(&mut self, event: MatchEvent) -> Result<(), LawViolation> {
        self.events.push(event);
        Ok(())
    }

    /// The events in force, oldest first (undone events and undos themselves are gone).
    pub fn events(&self) -> &[MatchEvent] {
        &self.events
    }

    pub fn live(&self) -> &LiveState {
        &self.live
    }
}
