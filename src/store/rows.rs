//! Rows as the database returns them, and their conversion into the public types.

use chrono::{DateTime, Utc};

use super::{MatchRow, StoreError};

#[derive(Debug, sqlx::FromRow)]
pub(super) struct MatchRecord {
    id: i64,
    tournament_id: Option<i64>,
    title: String,
    venue: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    setup: String,
    seq: i64,
    epoch: i64,
    status: String,
    summary: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<MatchRecord> for MatchRow {
    type Error = StoreError;

    /// Fails, without panicking, when the stored setup is not a valid `MatchSetup` (a hand-edited
    /// row, or a row written by a newer schema of the setup).
    fn try_from(r: MatchRecord) -> Result<Self, StoreError> {
        let setup = serde_json::from_str(&r.setup).map_err(|e| {
            StoreError::Other(format!("match {}: stored setup is not valid: {e}", r.id))
        })?;
        Ok(MatchRow {
            id: r.id,
            tournament_id: r.tournament_id,
            title: r.title,
            venue: r.venue,
            starts_at: r.starts_at,
            setup,
            seq: r.seq,
            epoch: r.epoch,
            status: r.status,
            summary: r.summary,
            updated_at: r.updated_at,
        })
    }
}

/// Converts a batch of records, failing on the first with a bad setup.
pub(super) fn match_rows(records: Vec<MatchRecord>) -> Result<Vec<MatchRow>, StoreError> {
    records.into_iter().map(MatchRow::try_from).collect()
}

/// Now, at the microsecond precision both databases keep, so a written value reads back equal.
pub(super) fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}
