//! Ingest: a scorer's event is applied by the engine once, stored with its snapshot in one
//! transaction, written through to the cache and published, in seq order per match.
//!
//! Each node keeps every scored match's engine in memory, so a ball costs one apply, not a
//! replay. Nodes race through the store: the `(match_id, seq)` key lets exactly one append
//! win, and the loser reloads from the events and tries again (or answers 409 when the
//! scorer named the seq they expected).
//!
//! An event goes through three steps, each in its own file: [`engines`] loads the match's
//! engine (or rebuilds it from the log), [`apply`] has the engine apply the event, and
//! [`append`] stores it, writes it through to the cache and publishes it.

mod append;
mod apply;
mod checkpoints;
mod engines;
mod error;
mod export;
mod history;
mod past;
mod replay_script;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use crease_domain::Recorded;
use dashmap::DashMap;
use tokio::sync::Mutex;

use crate::bus::Bus;
use crate::cache::SnapshotCache;
use crate::store::Store;

use append::{tally, Appended};
use engines::Loaded;
pub use error::IngestError;
pub use export::Exported;
pub use history::History;
pub use past::{PastError, PastState};
pub use replay_script::{ReplayScript, StreamSlot, REPLAY_STREAMS};

/// How often an append that lost a race is retried after reloading.
const RACE_RETRIES: usize = 3;

pub struct Scoring {
    store: Store,
    cache: Arc<SnapshotCache>,
    bus: Bus,
    /// One lock per match: it serializes this node's ingest for the match, across the store
    /// write and the queueing for the (single, in-order) publisher, so messages leave in seq
    /// order. A tokio mutex because it is
    /// held across those awaits; it is never taken while a DashMap guard is alive.
    engines: DashMap<i64, Arc<Mutex<Option<Loaded>>>>,
    /// Each read match's ball-by-ball history, as of the seq it was built at.
    histories: DashMap<i64, history::HistorySlot>,
    /// Past states (`/live?at=SEQ`) kept for their next readers.
    past: past::PastStates,
    /// Matches told again (`/stream?replay=SPEED`), kept for their next watchers.
    replays: replay_script::ReplayScripts,
}

/// An `Idempotency-Key` with the fingerprint of the request that carries it.
pub struct IdempotencyKey<'a> {
    pub key: &'a str,
    /// A hash of the endpoint, the request as parsed and the principal: see `http::ingest`.
    pub fingerprint: String,
}

/// The answer to a scorer: stored whole, so a retried request gets the same bytes back.
pub struct Scored {
    pub seq: i64,
    pub body: Bytes,
    pub replayed: bool,
}

impl Scoring {
    pub fn new(store: Store, cache: Arc<SnapshotCache>, bus: Bus) -> Self {
        Self {
            store,
            cache,
            bus,
            engines: DashMap::new(),
            histories: DashMap::new(),
            past: past::PastStates::default(),
            replays: replay_script::ReplayScripts::default(),
        }
    }

    /// Past states, exports and replay scripts may use at most `percent` of one core, in the
    /// idle scheduling class when `idle` (else at nice 19).
    pub fn limit_replay_cpu(&self, percent: u32, idle: bool) {
        self.past.limit_cpu(percent, idle);
    }

    pub async fn submit(
        &self,
        match_id: i64,
        event: Recorded,
        expected_seq: Option<i64>,
        idempotency: Option<&IdempotencyKey<'_>>,
    ) -> Result<Scored, IngestError> {
        let started = Instant::now();
        let slot = self.engines.entry(match_id).or_default().clone();
        let mut slot = slot.lock().await;
        // Looked up under the lock: a retry sent while its first copy was still being applied
        // must find that copy's answer, not apply again (or fail the first copy's
        // `expected_seq` with a 409).
        if let Some(keyed) = idempotency {
            if let Some(done) = self.replayed(match_id, keyed).await? {
                return Ok(done);
            }
        }
        for _ in 0..RACE_RETRIES {
            let loaded = match slot.as_mut() {
                Some(loaded) => loaded,
                None => slot.insert(self.load(match_id).await?),
            };
            loaded.touched = Instant::now();
            let Some(applied) = self.apply(match_id, loaded, &event, expected_seq).await? else {
                // Behind another node's writes: rebuild from the log and try again.
                *slot = None;
                continue;
            };
            let stored = &applied.stored;
            let appended = self
                .append(
                    match_id,
                    loaded,
                    &event,
                    &applied,
                    expected_seq,
                    idempotency,
                )
                .await;
            match appended {
                Ok(Appended::Stored { scored, reload }) => {
                    if reload {
                        *slot = None;
                    }
                    tally(match_id, scored.seq, started, &event, stored);
                    return Ok(scored);
                }
                Ok(Appended::Replayed(scored)) => {
                    *slot = None;
                    return Ok(scored);
                }
                Ok(Appended::Lost) => *slot = None,
                Err(e) => {
                    // The engine may hold an event the store does not: rebuild it.
                    *slot = None;
                    return Err(e);
                }
            }
        }
        let current = self.current_seq(match_id).await?;
        Err(IngestError::StaleSeq { current })
    }

    /// The stored answer when this key was already used for this very request; a refusal when
    /// it was used for another, whose answer would tell the scorer a different event was stored.
    async fn replayed(
        &self,
        match_id: i64,
        keyed: &IdempotencyKey<'_>,
    ) -> Result<Option<Scored>, IngestError> {
        let Some(stored) = self.store.idempotent_response(match_id, keyed.key).await? else {
            return Ok(None);
        };
        if stored
            .fingerprint
            .as_deref()
            .is_some_and(|f| f != keyed.fingerprint)
        {
            return Err(IngestError::KeyReused);
        }
        Ok(Some(Scored {
            seq: stored.seq,
            body: Bytes::from(stored.response),
            replayed: true,
        }))
    }
}
