//! A node drops the engine of a match no one is scoring (an engine holds every event of its
//! match), and takes up where it left off when the next ball comes.

use std::time::Duration;

use crease::domain::cricsheet;
use crease::fixtures::bundled::LIVE;
use crease::fixtures::{import_text, offline_scoring};
use crease::ingest::Scoring;
use crease::store::Store;
use serde_json::Value;

use crate::support::db::TestDb;
use crease_testkit::on_both_stores;

/// The next `n` events of the bundled live match after `seq`, through `scoring`.
async fn score_on(scoring: &Scoring, match_id: i64, mut seq: i64, n: usize) -> i64 {
    let events = cricsheet::parse(LIVE.json)
        .expect("the bundled match parses")
        .events;
    for event in &events[seq as usize..seq as usize + n] {
        let scored = scoring
            .submit(match_id, event.clone(), Some(seq), None)
            .await
            .expect("the next real event is accepted");
        assert_eq!(scored.seq, seq + 1);
        seq = scored.seq;
    }
    seq
}

/// The stored snapshot without what differs between two copies of one match.
async fn state(store: &Store, match_id: i64) -> Value {
    let snap = store.snapshot(match_id).await.unwrap().expect("a snapshot");
    let mut v: Value = serde_json::from_slice(&snap.body).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("match_id");
    obj.remove("epoch");
    v
}

on_both_stores!(db: an_idle_engine_is_dropped_and_rebuilt_from_the_log);

async fn an_idle_engine_is_dropped_and_rebuilt_from_the_log(db: TestDb) {
    let store = db.store.clone();
    let kept = offline_scoring(&store);
    let evicting = offline_scoring(&store);
    let a = import_text(&store, &kept, LIVE.json, Some(30))
        .await
        .unwrap();
    let b = import_text(&store, &evicting, LIVE.json, Some(30))
        .await
        .unwrap();
    assert_eq!(a.seq, b.seq);
    assert_eq!(evicting.engines_loaded(), 1);

    // In use within the hour: kept.
    assert_eq!(evicting.evict_idle(Duration::from_secs(3_600)), 0);
    assert_eq!(evicting.engines_loaded(), 1);
    // Idle for longer than asked: dropped.
    assert_eq!(evicting.evict_idle(Duration::ZERO), 1);
    assert_eq!(evicting.engines_loaded(), 0);

    // The same five balls on both: the dropped engine is rebuilt from the log and agrees
    // with the one that never left memory.
    let seq_a = score_on(&kept, a.match_id, a.seq, 5).await;
    let seq_b = score_on(&evicting, b.match_id, b.seq, 5).await;
    assert_eq!(seq_a, seq_b);
    assert_eq!(evicting.engines_loaded(), 1);
    assert_eq!(
        state(&store, a.match_id).await,
        state(&store, b.match_id).await
    );
}
