//! Cricsheet JSON (data_version 1.0 and 1.1) into a match setup and its events.
//! Placeholder: the importer is being written.

use crate::event::MatchEvent;
use crate::setup::MatchSetup;

/// A Cricsheet match as the engine needs it, plus the facts about it that fixtures need.
#[derive(Debug, Clone)]
pub struct CricsheetMatch {
    pub setup: MatchSetup,
    /// Every event of the match in order, ready for [`crate::Match::apply`].
    pub events: Vec<MatchEvent>,
    pub info: MatchInfo,
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

#[derive(Debug, thiserror::Error)]
pub enum CricsheetError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a Cricsheet match: {0}")]
    Shape(String),
}

pub fn parse(_json: &str) -> Result<CricsheetMatch, CricsheetError> {
    Err(CricsheetError::Shape("importer not written yet".into()))
}
