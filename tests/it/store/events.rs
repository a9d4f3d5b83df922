//! The event log: appends, seq conflicts, races, idempotency and snapshots.

use crease::store::{KeyedResponse, StoreError, StoredResponse};

use super::{a_match, event};
use crate::support::db::TestDb;
use crease_testkit::on_both_stores;

on_both_stores!(
    db:
    appends_read_back_in_order,
    stale_or_gapped_seq_is_a_conflict,
    racing_appends_one_wins,
    idempotency_key_replays,
    snapshot_only_moves_forward,
);

async fn appends_read_back_in_order(db: TestDb) {
    let m = a_match(&db).await;
    let kinds = ["innings_start", "ball", "ball", "bowler_change", "ball"];
    for (i, kind) in kinds.iter().enumerate() {
        let seq = i as i64 + 1;
        let done = db
            .append(&event(m.id, seq, kind, "in_progress"))
            .await
            .unwrap();
        assert_eq!(done.seq, seq);
    }
    let all = db.events_after(m.id, 0, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        kinds
    );
    assert_eq!(all[2].payload, r#"{"n":3}"#);

    let page = db.events_after(m.id, 2, 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
    assert!(db.events_after(m.id, 5, 10).await.unwrap().is_empty());
    assert!(
        db.events_after(m.id, 0, -1).await.unwrap().is_empty(),
        "a negative limit is none"
    );

    let row = db.get_match(m.id).await.unwrap().unwrap();
    assert_eq!(
        (row.seq, row.status.as_str(), row.summary.as_str()),
        (5, "in_progress", "after 5")
    );
    assert!(row.updated_at >= m.updated_at);
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(5));
    assert_eq!(db.live_match_ids().await.unwrap(), vec![m.id]);

    // Another match's log is its own.
    let other = a_match(&db).await;
    db.append(&event(other.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    assert_eq!(db.events_after(other.id, 0, 100).await.unwrap().len(), 1);
}

async fn stale_or_gapped_seq_is_a_conflict(db: TestDb) {
    let m = a_match(&db).await;
    db.append(&event(m.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    db.append(&event(m.id, 2, "ball", "in_progress"))
        .await
        .unwrap();
    for seq in [1, 2, 4, 0, -3] {
        let err = db
            .append(&event(m.id, seq, "ball", "finished"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SeqConflict { current: 2 }),
            "seq {seq}: {err:?}"
        );
    }
    // Nothing of the refused appends was kept.
    let row = db.get_match(m.id).await.unwrap().unwrap();
    assert_eq!((row.seq, row.status.as_str()), (2, "in_progress"));
    assert_eq!(db.events_after(m.id, 0, 100).await.unwrap().len(), 2);
    assert_eq!(db.snapshot(m.id).await.unwrap().unwrap().seq, 2);

    // An event row planted ahead of the match's seq: the key still refuses the append, and the
    // conflict reports the match's seq.
    db.execute_raw(&format!(
        "INSERT INTO match_events (match_id, seq, kind, payload, created_at) \
         VALUES ({}, 3, 'ball', '{{}}', '2025-01-01T00:00:00.000000Z')",
        m.id
    ))
    .await;
    let err = db
        .append(&event(m.id, 3, "ball", "in_progress"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SeqConflict { current: 2 }),
        "{err:?}"
    );
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(2));
}

async fn racing_appends_one_wins(db: TestDb) {
    let m = a_match(&db).await;
    for round in 1..=10 {
        let (a, b) = (db.store.clone(), db.store.clone());
        let mut first = event(m.id, round, "ball", "in_progress");
        first.payload = "\"first\"";
        let mut second = event(m.id, round, "ball", "in_progress");
        second.payload = "\"second\"";
        let (ra, rb) = tokio::join!(
            tokio::spawn(async move { a.append(&first).await }),
            tokio::spawn(async move { b.append(&second).await }),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let winner = match (&ra, &rb) {
            (Ok(_), Err(StoreError::SeqConflict { current })) if *current == round => "\"first\"",
            (Err(StoreError::SeqConflict { current }), Ok(_)) if *current == round => "\"second\"",
            other => panic!("round {round}: expected one winner, got {other:?}"),
        };
        let events = db.events_after(m.id, round - 1, 10).await.unwrap();
        assert_eq!(events.len(), 1, "round {round}");
        assert_eq!(events[0].payload, winner);
    }
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(10));
}

async fn idempotency_key_replays(db: TestDb) {
    let m = a_match(&db).await;
    assert_eq!(db.idempotent_response(m.id, "k1").await.unwrap(), None);
    let mut first = event(m.id, 1, "ball", "in_progress");
    first.idempotency = Some(keyed("k1", b"{\"seq\":1}"));
    db.append(&first).await.unwrap();
    assert_eq!(
        db.idempotent_response(m.id, "k1").await.unwrap(),
        Some(StoredResponse {
            seq: 1,
            response: b"{\"seq\":1}".to_vec(),
            fingerprint: Some("fp-k1".into()),
        })
    );

    // The retry, computed before or after the first attempt landed, is a replay either way.
    for seq in [1, 2] {
        let mut retry = event(m.id, seq, "ball", "in_progress");
        retry.idempotency = Some(keyed("k1", b"other"));
        let err = db.append(&retry).await.unwrap_err();
        assert!(
            matches!(err, StoreError::IdempotencyReplay),
            "seq {seq}: {err:?}"
        );
    }
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(1));
    assert_eq!(db.events_after(m.id, 0, 10).await.unwrap().len(), 1);
    assert_eq!(
        db.idempotent_response(m.id, "k1")
            .await
            .unwrap()
            .unwrap()
            .response,
        b"{\"seq\":1}"
    );

    // A new key appends; keys are per match.
    let mut next = event(m.id, 2, "ball", "in_progress");
    next.idempotency = Some(keyed("k2", b"two"));
    db.append(&next).await.unwrap();
    let other = a_match(&db).await;
    let mut elsewhere = event(other.id, 1, "ball", "in_progress");
    elsewhere.idempotency = Some(keyed("k1", b"elsewhere"));
    db.append(&elsewhere).await.unwrap();
    assert_eq!(
        db.idempotent_response(other.id, "k1")
            .await
            .unwrap()
            .unwrap()
            .response,
        b"elsewhere"
    );
}

async fn snapshot_only_moves_forward(db: TestDb) {
    let m = a_match(&db).await;
    db.append(&event(m.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    let s = db.snapshot(m.id).await.unwrap().unwrap();
    assert_eq!((s.seq, s.body.as_slice()), (1, br#"{"seq":1}"#.as_slice()));
    db.append(&event(m.id, 2, "ball", "in_progress"))
        .await
        .unwrap();
    assert_eq!(
        db.snapshot(m.id).await.unwrap().unwrap().body,
        br#"{"seq":2}"#
    );

    // A snapshot already ahead of the log (written by a rebuild, say) is not overwritten by an
    // older one, while the event itself is still appended.
    db.execute_raw(&format!(
        "UPDATE match_snapshots SET seq = 10 WHERE match_id = {}",
        m.id
    ))
    .await;
    db.append(&event(m.id, 3, "ball", "in_progress"))
        .await
        .unwrap();
    let s = db.snapshot(m.id).await.unwrap().unwrap();
    assert_eq!((s.seq, s.body.as_slice()), (10, br#"{"seq":2}"#.as_slice()));
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(3));
}

/// A key whose fingerprint names it, so that reads can be checked.
fn keyed(key: &'static str, response: &'static [u8]) -> KeyedResponse<'static> {
    KeyedResponse {
        key,
        fingerprint: Box::leak(format!("fp-{key}").into_boxed_str()),
        response,
    }
}
