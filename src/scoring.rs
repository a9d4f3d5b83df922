//! Ingest: a scorer's event is applied by the engine once, stored with its snapshot in one
//! transaction, written through to the cache and published, in seq order per match.
//!
//! Each node keeps every scored match's engine in memory, so a ball costs one apply, not a
//! replay. Nodes race through the store: the `(match_id, seq)` key lets exactly one append
//! win, and the loser reloads from the events and tries again (or answers 409 when the
//! scorer named the seq they expected).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crease_domain::{Match, MatchEvent, Recorded};
use dashmap::DashMap;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::bus::{Bus, BusMessage};
use crate::cache::{Reason, SnapshotCache};
use crate::error::ApiError;
use crate::message;
use crate::store::{Append, KeyedResponse, Store, StoreError};

/// A match's engine as of `seq`, the last stored event this node has applied, in the history
/// of `epoch`.
struct Loaded {
    seq: i64,
    epoch: i64,
    game: Match,
    /// When an ingest last used it: an engine keeps every event of its match, so one left
    /// idle is dropped (see [`Scoring::evict_idle`]) and rebuilt from the log when needed.
    touched: Instant,
}

/// How often idle engines are looked for, at most: a shorter idle time sweeps as often.
const ENGINE_SWEEP: Duration = Duration::from_secs(60);

/// How often an append that lost a race is retried after reloading.
const RACE_RETRIES: usize = 3;

/// Events are read back in pages of this many when an engine is rebuilt.
const REPLAY_PAGE: i64 = 5_000;

pub struct Scoring {
    store: Store,
    cache: Arc<SnapshotCache>,
    bus: Bus,
    /// One lock per match: it serializes this node's ingest for the match, across the store
    /// write and the queueing for the (single, in-order) publisher, so messages leave in seq
    /// order. A tokio mutex because it is
    /// held across those awaits; it is never taken while a DashMap guard is alive.
    engines: DashMap<i64, Arc<Mutex<Option<Loaded>>>>,
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

#[derive(Serialize)]
struct ScoredBody<'a> {
    match_id: i64,
    seq: i64,
    summary: &'a str,
    line: message::Line<'a>,
}

impl Scoring {
    pub fn new(store: Store, cache: Arc<SnapshotCache>, bus: Bus) -> Self {
        Self {
            store,
            cache,
            bus,
            engines: DashMap::new(),
        }
    }

    /// Drops the engine of every match no ingest has used for `idle`, so a node's memory
    /// follows the matches being scored, not every match it ever scored. The match's lock
    /// stays (a few bytes), so ingest for it is still serialized on this node; an engine in
    /// use is skipped. Returns how many were dropped.
    pub fn evict_idle(&self, idle: Duration) -> usize {
        // Collected first: no match lock is taken while a map guard is alive.
        let slots: Vec<_> = self.engines.iter().map(|e| e.value().clone()).collect();
        let mut evicted = 0;
        for slot in slots {
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            if slot.as_ref().is_some_and(|l| l.touched.elapsed() >= idle) {
                *slot = None;
                evicted += 1;
            }
        }
        evicted
    }

    /// Engines held in memory now.
    pub fn engines_loaded(&self) -> usize {
        let slots: Vec<_> = self.engines.iter().map(|e| e.value().clone()).collect();
        slots
            .iter()
            .filter(|s| s.try_lock().map_or(true, |l| l.is_some()))
            .count()
    }

    /// Every [`ENGINE_SWEEP`] (or `idle`, if shorter), drops engines idle for `idle`.
    pub async fn run_engine_eviction(
        self: Arc<Self>,
        idle: Duration,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        let mut tick = tokio::time::interval(ENGINE_SWEEP.min(idle));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let evicted = self.evict_idle(idle);
            metrics::counter!("crease_engines_evicted_total").increment(evicted as u64);
            metrics::gauge!("crease_engines_loaded").set(self.engines_loaded() as f64);
        }
    }

    pub async fn submit(
        &self,
        match_id: i64,
        event: Recorded,
        expected_seq: Option<i64>,
        idempotency: Option<&IdempotencyKey<'_>>,
    ) -> Result<Scored, ApiError> {
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
            if let Some(expected) = expected_seq {
                if expected != loaded.seq {
                    // Our engine may be behind another node's write; only the store can say.
                    let current = self.store.current_seq(match_id).await?.unwrap_or(0);
                    if current != loaded.seq {
                        *slot = None;
                        continue;
                    }
                    return Err(ApiError::StaleSeq { current });
                }
            }
            if let Err(refused) = loaded.game.record(event.clone()) {
                // An engine behind another node's writes refuses by a state that has moved on
                // (a bowler "in a row" who is not): only the store can say it is current.
                let current = self.store.current_seq(match_id).await?.unwrap_or(0);
                if current != loaded.seq {
                    *slot = None;
                    continue;
                }
                return Err(refused.into());
            }
            // The engine completes an override with the rule it overrules: store its copy.
            let stored = match (&event.event, loaded.game.events().last()) {
                (MatchEvent::Undo, _) | (_, None) => event.clone(),
                (_, Some(applied)) => applied.clone(),
            };
            let seq = loaded.seq + 1;
            let epoch = loaded.epoch;
            let prepared = prepare(match_id, (epoch, seq), &stored, &loaded.game);
            let Ok(out) = prepared else {
                // The engine moved past what was stored: rebuild it before the next event.
                *slot = None;
                return Err(ApiError::Internal(
                    "could not serialize the new state".into(),
                ));
            };
            let live = loaded.game.live();
            let appended = self
                .store
                .append(&Append {
                    match_id,
                    seq,
                    epoch: Some(epoch),
                    kind: event.event.kind(),
                    payload: &out.payload,
                    snapshot: &out.snapshot,
                    status: &out.status,
                    summary: &live.summary,
                    idempotency: idempotency.map(|k| KeyedResponse {
                        key: k.key,
                        fingerprint: &k.fingerprint,
                        response: out.body.as_ref(),
                    }),
                })
                .await;
            match appended {
                Ok(_) => {
                    loaded.seq = seq;
                    let (_, contested) = self
                        .cache
                        .publish_snapshot(match_id, (epoch, seq), out.snapshot)
                        .await;
                    // A cache that holds this seq or a later one may hold a history the
                    // database lost; if so the epoch moves on, the new epoch's snapshot (this
                    // event included) is announced instead of the message, and the engine
                    // reloads in the new epoch before the next event.
                    let moved = contested
                        && match self.cache.reconcile(match_id, Reason::Ingest).await {
                            Ok(moved) => moved,
                            Err(e) => {
                                tracing::warn!(match_id, seq, error = %e, "could not check the caches against the database");
                                false
                            }
                        };
                    if moved {
                        *slot = None;
                    } else {
                        self.bus.publish(BusMessage {
                            match_id,
                            seq,
                            epoch,
                            payload: out.message,
                        });
                    }
                    metrics::histogram!("crease_ingest_seconds").record(started.elapsed());
                    metrics::counter!("crease_events_total", "kind" => event.event.kind())
                        .increment(1);
                    if let Some(o) = &stored.overridden {
                        let rule = o.rule.clone().unwrap_or_default();
                        tracing::info!(match_id, seq, rule, reason = %o.reason, "event recorded by override");
                        metrics::counter!("crease_overrides_total", "rule" => rule).increment(1);
                    }
                    return Ok(Scored {
                        seq,
                        body: out.body,
                        replayed: false,
                    });
                }
                Err(StoreError::SeqConflict { current }) => {
                    // Another node stored this seq first: our engine is ahead of the truth.
                    *slot = None;
                    // That node may have been applying this very request (a retry sent to
                    // another node): then its answer is ours.
                    if let Some(keyed) = idempotency {
                        if let Some(done) = self.replayed(match_id, keyed).await? {
                            return Ok(done);
                        }
                    }
                    if expected_seq.is_some() {
                        return Err(ApiError::StaleSeq { current });
                    }
                }
                Err(StoreError::IdempotencyReplay) => {
                    *slot = None;
                    let Some(keyed) = idempotency else {
                        return Err(ApiError::Internal("a replay without a key".into()));
                    };
                    return self
                        .replayed(match_id, keyed)
                        .await?
                        .ok_or_else(|| ApiError::Internal("idempotency row vanished".into()));
                }
                Err(e) => {
                    *slot = None;
                    return Err(e.into());
                }
            }
        }
        let current = self.store.current_seq(match_id).await?.unwrap_or(0);
        Err(ApiError::StaleSeq { current })
    }

    /// The stored answer when this key was already used for this very request; a refusal when
    /// it was used for another, whose answer would tell the scorer a different event was stored.
    async fn replayed(
        &self,
        match_id: i64,
        keyed: &IdempotencyKey<'_>,
    ) -> Result<Option<Scored>, ApiError> {
        let Some(stored) = self.store.idempotent_response(match_id, keyed.key).await? else {
            return Ok(None);
        };
        if stored
            .fingerprint
            .as_deref()
            .is_some_and(|f| f != keyed.fingerprint)
        {
            return Err(ApiError::IdempotencyKeyReused);
        }
        Ok(Some(Scored {
            seq: stored.seq,
            body: Bytes::from(stored.response),
            replayed: true,
        }))
    }

    /// Rebuilds a match's engine from its stored events.
    async fn load(&self, match_id: i64) -> Result<Loaded, ApiError> {
        let row = self
            .store
            .get_match(match_id)
            .await?
            .ok_or(ApiError::NotFound("match"))?;
        let epoch = row.epoch;
        let mut game = Match::new(row.setup);
        let mut seq = 0;
        loop {
            let page = self.store.events_after(match_id, seq, REPLAY_PAGE).await?;
            let done = (page.len() as i64) < REPLAY_PAGE;
            for stored in page {
                let event: Recorded = serde_json::from_str(&stored.payload).map_err(|e| {
                    ApiError::Internal(format!("match {match_id} event {}: {e}", stored.seq))
                })?;
                game.record(event).map_err(|e| {
                    ApiError::Internal(format!(
                        "match {match_id} event {} replays: {e}",
                        stored.seq
                    ))
                })?;
                seq = stored.seq;
            }
            if done {
                break;
            }
        }
        Ok(Loaded {
            seq,
            epoch,
            game,
            touched: Instant::now(),
        })
    }
}

/// Everything one stored event produces, built once.
struct Prepared {
    payload: String,
    snapshot: Bytes,
    message: Bytes,
    body: Bytes,
    status: String,
}

fn prepare(
    match_id: i64,
    (epoch, seq): (i64, i64),
    event: &Recorded,
    game: &Match,
) -> Result<Prepared, serde_json::Error> {
    let live = game.live();
    let body = serde_json::to_vec(&ScoredBody {
        match_id,
        seq,
        summary: &live.summary,
        line: message::line(live),
    })?;
    let status = match serde_json::to_value(live.status)? {
        serde_json::Value::String(s) => s,
        _ => String::new(),
    };
    Ok(Prepared {
        payload: serde_json::to_string(event)?,
        snapshot: message::snapshot_body(match_id, seq, epoch, live),
        message: message::event_message(match_id, seq, epoch, &event.event, live),
        body: Bytes::from(body),
        status,
    })
}
