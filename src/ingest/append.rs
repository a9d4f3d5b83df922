//! The event stored with its snapshot, written through to the cache and published: the last
//! step of ingest, once the engine has applied it.

use std::time::Instant;

use bytes::Bytes;
use crease_domain::{Match, Recorded};
use serde::Serialize;

use super::apply::Applied;
use super::engines::Loaded;
use super::{IdempotencyKey, IngestError, Scored, Scoring};
use crate::bus::BusMessage;
use crate::cache::Reason;
use crate::message;
use crate::store::{Append, KeyedResponse, Notify, StoreError};

/// How an append ended, when it did not fail.
pub(super) enum Appended {
    /// This node stored the event; `reload` when the epoch moved on, so the engine must be
    /// rebuilt in the new one before the next event.
    Stored { scored: Scored, reload: bool },
    /// This very request was stored already (by another node, or by a copy of it): its answer.
    Replayed(Scored),
    /// Another node stored this seq first, with another event: reload and try again.
    Lost,
}

#[derive(Serialize)]
struct ScoredBody<'a> {
    match_id: i64,
    seq: i64,
    summary: &'a str,
    line: message::Line<'a>,
}

/// Everything one stored event produces, built once.
struct Prepared {
    payload: String,
    snapshot: Bytes,
    message: Bytes,
    body: Bytes,
    status: String,
}

impl Scoring {
    /// Stores `stored` (the engine's copy of `event`) as the seq after `loaded`'s, then writes
    /// it through and publishes it. On any error the engine is ahead of the store.
    pub(super) async fn append(
        &self,
        match_id: i64,
        loaded: &mut Loaded,
        event: &Recorded,
        applied: &Applied,
        expected_seq: Option<i64>,
        idempotency: Option<&IdempotencyKey<'_>>,
    ) -> Result<Appended, IngestError> {
        let stored = &applied.stored;
        let seq = loaded.seq + 1;
        let epoch = loaded.epoch;
        let Ok(out) = prepare(match_id, (epoch, seq), stored, &loaded.game) else {
            // The engine moved past what was stored: rebuild it before the next event.
            return Err(IngestError::Internal(
                "could not serialize the new state".into(),
            ));
        };
        let live = loaded.game.live();
        let payloads = payloads_of(&applied.notices);
        let notices = notify(&payloads);
        let put_in_payloads = applied
            .put_in
            .as_ref()
            .map_or_else(Vec::new, |(_, ns)| payloads_of(ns));
        let put_in = notify(&put_in_payloads);
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
                notices: &notices,
                retracts: applied.retracts,
                put_in: applied.put_in.as_ref().map(|(seq, _)| (*seq, &put_in[..])),
                now_ms: chrono::Utc::now().timestamp_millis(),
            })
            .await;
        match appended {
            Ok(_) => {
                loaded.seq = seq;
                let reload = self
                    .write_through(match_id, (epoch, seq), out.snapshot, out.message)
                    .await;
                let scored = Scored {
                    seq,
                    body: out.body,
                    replayed: false,
                };
                Ok(Appended::Stored { scored, reload })
            }
            Err(StoreError::SeqConflict { current }) => {
                // Another node stored this seq first: our engine is ahead of the truth. That
                // node may have been applying this very request (a retry sent to another
                // node): then its answer is ours.
                if let Some(keyed) = idempotency {
                    if let Some(done) = self.replayed(match_id, keyed).await? {
                        return Ok(Appended::Replayed(done));
                    }
                }
                if expected_seq.is_some() {
                    return Err(IngestError::StaleSeq { current });
                }
                Ok(Appended::Lost)
            }
            Err(StoreError::IdempotencyReplay) => {
                let Some(keyed) = idempotency else {
                    return Err(IngestError::Internal("a replay without a key".into()));
                };
                let done = self
                    .replayed(match_id, keyed)
                    .await?
                    .ok_or_else(|| IngestError::Internal("idempotency row vanished".into()))?;
                Ok(Appended::Replayed(done))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Puts the new snapshot in the cache and publishes the event's message; true when the
    /// epoch moved on instead, and the engine must reload in the new one.
    async fn write_through(
        &self,
        match_id: i64,
        (epoch, seq): (i64, i64),
        snapshot: Bytes,
        payload: Bytes,
    ) -> bool {
        let (_, contested) = self
            .cache
            .publish_snapshot(match_id, (epoch, seq), snapshot)
            .await;
        // A cache that holds this seq or a later one may hold a history the database lost; if
        // so the epoch moves on, the new epoch's snapshot (this event included) is announced
        // instead of the message, and the engine reloads in the new epoch before the next
        // event.
        let moved = contested
            && match self.cache.reconcile(match_id, Reason::Ingest).await {
                Ok(moved) => moved,
                Err(e) => {
                    tracing::warn!(match_id, seq, error = %e, "could not check the caches against the database");
                    false
                }
            };
        if !moved {
            self.bus.publish(BusMessage {
                match_id,
                seq,
                epoch,
                payload,
            });
        }
        moved
    }
}

/// The metrics and the log line of an event this node stored.
pub(super) fn tally(
    match_id: i64,
    seq: i64,
    started: Instant,
    event: &Recorded,
    stored: &Recorded,
) {
    metrics::histogram!("crease_ingest_seconds").record(started.elapsed());
    metrics::counter!("crease_events_total", "kind" => event.event.kind()).increment(1);
    if let Some(o) = &stored.overridden {
        let rule = o.rule.clone().unwrap_or_default();
        tracing::info!(match_id, seq, rule, reason = %o.reason, "event recorded by override");
        metrics::counter!("crease_overrides_total", "rule" => rule).increment(1);
    }
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
        message: message::event_message(match_id, seq, epoch, &event.event, game),
        body: Bytes::from(body),
        status,
    })
}

/// Notices as the store queues them: each kind and its JSON.
fn payloads_of(notices: &[crease_domain::notice::Notice]) -> Vec<(&'static str, String)> {
    notices
        .iter()
        .map(|n| (n.kind.as_str(), n.data.to_string()))
        .collect()
}

fn notify<'a>(payloads: &'a [(&'static str, String)]) -> Vec<Notify<'a>> {
    payloads
        .iter()
        .map(|(kind, payload)| Notify { kind, payload })
        .collect()
}
