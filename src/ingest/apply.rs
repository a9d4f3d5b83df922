//! The engine applies the event: the second step of ingest, after the engine is loaded and
//! before the event is appended.

use crease_domain::event::CorrectionAction;
use crease_domain::notice::{self, Notice, Watch};
use crease_domain::{MatchEvent, Recorded};

use super::engines::Loaded;
use super::{IngestError, Scoring};

/// An event the engine has applied: the copy of it to store, and what it did worth telling
/// webhooks.
pub(super) struct Applied {
    pub stored: Recorded,
    pub notices: Vec<Notice>,
    /// The seq of the event it takes back (an undo's, an amending or deleting correction's).
    pub retracts: Option<i64>,
    /// A correction's ball put in: the seq it stands at and its own wicket and boundary
    /// notices, told after the retractions of what it replaced.
    pub put_in: Option<(i64, Vec<Notice>)>,
}

impl Scoring {
    /// Has `loaded`'s engine apply `event`, and returns what to store; `None` when the engine
    /// is behind another node's writes and must be rebuilt before it can say.
    pub(super) async fn apply(
        &self,
        match_id: i64,
        loaded: &mut Loaded,
        event: &Recorded,
        expected_seq: Option<i64>,
    ) -> Result<Option<Applied>, IngestError> {
        if let Some(expected) = expected_seq {
            if expected != loaded.seq {
                // Our engine may be behind another node's write; only the store can say.
                let current = self.current_seq(match_id).await?;
                if current != loaded.seq {
                    return Ok(None);
                }
                return Err(IngestError::StaleSeq { current });
            }
        }
        let watch = Watch::before(loaded.game.live(), &event.event);
        let retracts = match &event.event {
            MatchEvent::Undo => loaded.game.seqs().last().copied(),
            MatchEvent::Correction(c) if c.action != CorrectionAction::Insert => Some(c.seq),
            _ => None,
        }
        .and_then(|s| i64::try_from(s).ok());
        // Worked out on the match before the correction, which places the ball put in.
        let put_in = match &event.event {
            MatchEvent::Correction(c) => {
                let own = u64::try_from(loaded.seq + 1).unwrap_or(u64::MAX);
                notice::put_in(&loaded.game, c, own)
                    .and_then(|(seq, ns)| Some((i64::try_from(seq).ok()?, ns)))
            }
            _ => None,
        };
        if let Err(refused) = loaded.game.record(event.clone()) {
            // An engine behind another node's writes refuses by a state that has moved on
            // (a bowler "in a row" who is not): only the store can say it is current.
            let current = self.current_seq(match_id).await?;
            if current != loaded.seq {
                return Ok(None);
            }
            return Err(IngestError::Refused(refused));
        }
        // The engine completes an override with the rule it overrules: store its copy.
        let stored = match (&event.event, loaded.game.events().last()) {
            (MatchEvent::Undo | MatchEvent::Correction(_), _) | (_, None) => event.clone(),
            (_, Some(applied)) => applied.clone(),
        };
        Ok(Some(Applied {
            stored,
            notices: watch.notices(&loaded.game, &event.event),
            retracts,
            put_in,
        }))
    }

    /// The match's last stored seq, 0 before its first event.
    pub(super) async fn current_seq(&self, match_id: i64) -> Result<i64, IngestError> {
        Ok(self.store.current_seq(match_id).await?.unwrap_or(0))
    }
}
