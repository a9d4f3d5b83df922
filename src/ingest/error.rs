//! What can keep a scorer's event out of the log, in ingest's own terms: the HTTP layer turns
//! it into a problem response, the importer and the demo into a line for an operator.

use crease_domain::LawViolation;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("match not found")]
    MatchNotFound,
    /// The engine refused the event under the Laws (with the engine current, not behind
    /// another node's writes).
    #[error(transparent)]
    Refused(#[from] LawViolation),
    /// The scorer named the seq they expected to follow, and the match is elsewhere.
    #[error("stale expected_seq: the match is at seq {current}")]
    StaleSeq { current: i64 },
    /// The `Idempotency-Key` was used before for a different request on this match.
    #[error("this Idempotency-Key was already used for a different request")]
    KeyReused,
    /// The database cannot be reached or did not answer in time: worth trying again later.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// Any other refusal or failure of the store.
    #[error("the store failed: {0}")]
    Store(StoreError),
    /// The event log or the engine disagree with what ingest expects of them.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for IngestError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(why) => Self::Unavailable(why),
            other => Self::Store(other),
        }
    }
}
