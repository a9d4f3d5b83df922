//! The storage layer against real databases: every test runs on Postgres and on SQLite.

use chrono::{Duration as Span, Utc};
use crease::domain::{MatchFormat, MatchSetup, TeamSheet};
use crease::store::{
    Append, MatchRow, NewMatch, NewPlayer, NewTeam, NewTournament, Store, StoreError,
};

use crate::support::db::{postgres_store, sqlite_store, TestDb};

/// Runs each named `async fn(TestDb)` as two tests, `<name>::postgres` and `<name>::sqlite`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::db::postgres_store().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::db::sqlite_store().await).await;
            }
        }
    )*};
}

on_both!(
    fixtures_round_trip,
    duplicate_team_is_duplicate,
    unknown_references_are_not_found,
    appends_read_back_in_order,
    stale_or_gapped_seq_is_a_conflict,
    racing_appends_one_wins,
    idempotency_key_replays,
    snapshot_only_moves_forward,
    tokens_are_hashed_and_scoped,
    matches_list_live_then_upcoming_then_finished,
    bad_stored_setup_is_an_error_not_a_panic,
);

fn setup() -> MatchSetup {
    let side = |name: &str| TeamSheet {
        name: name.into(),
        players: (1..=11).map(|i| format!("{name} {i}")).collect(),
    };
    MatchSetup::limited_overs(MatchFormat::T20, [side("Hawks"), side("Owls")], 20)
}

fn new_match(title: &str, starts_in_hours: Option<i64>) -> NewMatch {
    NewMatch {
        tournament_id: None,
        title: title.into(),
        venue: Some("The Oval".into()),
        starts_at: starts_in_hours.map(|h| Utc::now() + Span::hours(h)),
        setup: setup(),
    }
}

/// An event at `seq` whose payload, snapshot and summary name the seq, so reads can be checked.
fn event(match_id: i64, seq: i64, kind: &'static str, status: &'static str) -> Append<'static> {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Append {
        match_id,
        seq,
        kind,
        payload: leak(format!(r#"{{"n":{seq}}}"#)),
        snapshot: leak(format!(r#"{{"seq":{seq}}}"#)).as_bytes(),
        status,
        summary: leak(format!("after {seq}")),
        idempotency: None,
    }
}

async fn a_match(store: &Store) -> MatchRow {
    store
        .create_match(&new_match("Hawks v Owls", Some(1)))
        .await
        .expect("match created")
}

async fn fixtures_round_trip(db: TestDb) {
    db.ping().await.expect("ping");
    let t = db
        .create_tournament(&NewTournament {
            name: "County Cup".into(),
            season: Some("2025".into()),
        })
        .await
        .unwrap();
    assert_eq!(db.list_tournaments().await.unwrap(), vec![t.clone()]);

    let hawks = db
        .create_team(&NewTeam {
            name: "Hawks".into(),
            short_name: Some("HAW".into()),
        })
        .await
        .unwrap();
    let owls = db
        .create_team(&NewTeam {
            name: "Owls".into(),
            short_name: None,
        })
        .await
        .unwrap();
    assert_eq!(
        db.list_teams().await.unwrap(),
        vec![hawks.clone(), owls.clone()]
    );

    let p1 = db
        .create_player(&NewPlayer {
            name: "A Batter".into(),
            team_id: Some(hawks.id),
        })
        .await
        .unwrap();
    let p2 = db
        .create_player(&NewPlayer {
            name: "B Free".into(),
            team_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        db.list_players(Some(hawks.id)).await.unwrap(),
        vec![p1.clone()]
    );
    assert_eq!(db.list_players(Some(owls.id)).await.unwrap(), vec![]);
    assert_eq!(db.list_players(None).await.unwrap(), vec![p1, p2]);

    let mut nm = new_match("Hawks v Owls", Some(3));
    nm.tournament_id = Some(t.id);
    let m = db.create_match(&nm).await.unwrap();
    assert_eq!(
        (m.seq, m.status.as_str(), m.summary.as_str()),
        (0, "not_started", "")
    );
    assert_eq!(m.setup, nm.setup);
    assert_eq!(m.tournament_id, Some(t.id));
    assert_eq!(
        m.starts_at.map(|t| t.timestamp_micros()),
        nm.starts_at.map(|t| t.timestamp_micros())
    );
    assert_eq!(db.get_match(m.id).await.unwrap(), Some(m.clone()));
    assert_eq!(db.get_match(m.id + 1000).await.unwrap(), None);
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(0));
    assert_eq!(db.current_seq(m.id + 1000).await.unwrap(), None);
    assert_eq!(db.snapshot(m.id).await.unwrap(), None);
    assert!(db.live_match_ids().await.unwrap().is_empty());
}

async fn duplicate_team_is_duplicate(db: TestDb) {
    let team = NewTeam {
        name: "Hawks".into(),
        short_name: None,
    };
    db.create_team(&team).await.unwrap();
    let err = db.create_team(&team).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Duplicate { what: "team" }),
        "{err:?}"
    );
    assert_eq!(db.list_teams().await.unwrap().len(), 1);
}

async fn unknown_references_are_not_found(db: TestDb) {
    let err = db
        .create_player(&NewPlayer {
            name: "Nobody".into(),
            team_id: Some(999),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let mut nm = new_match("Lost", None);
    nm.tournament_id = Some(999);
    assert!(matches!(
        db.create_match(&nm).await,
        Err(StoreError::NotFound)
    ));
    let err = db
        .append(&event(999, 1, "ball", "in_progress"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(matches!(
        db.create_scorer_token("x", &[999]).await,
        Err(StoreError::NotFound)
    ));
}

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

    let balls = db.balls(m.id, 0, 100).await.unwrap();
    assert_eq!(balls.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3, 5]);
    let balls = db.balls(m.id, 3, 100).await.unwrap();
    assert_eq!(balls.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);

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
    first.idempotency = Some(("k1", b"{\"seq\":1}"));
    db.append(&first).await.unwrap();
    assert_eq!(
        db.idempotent_response(m.id, "k1").await.unwrap(),
        Some((1, b"{\"seq\":1}".to_vec()))
    );

    // The retry, computed before or after the first attempt landed, is a replay either way.
    for seq in [1, 2] {
        let mut retry = event(m.id, seq, "ball", "in_progress");
        retry.idempotency = Some(("k1", b"other"));
        let err = db.append(&retry).await.unwrap_err();
        assert!(
            matches!(err, StoreError::IdempotencyReplay),
            "seq {seq}: {err:?}"
        );
    }
    assert_eq!(db.current_seq(m.id).await.unwrap(), Some(1));
    assert_eq!(db.events_after(m.id, 0, 10).await.unwrap().len(), 1);
    assert_eq!(
        db.idempotent_response(m.id, "k1").await.unwrap().unwrap().1,
        b"{\"seq\":1}"
    );

    // A new key appends; keys are per match.
    let mut next = event(m.id, 2, "ball", "in_progress");
    next.idempotency = Some(("k2", b"two"));
    db.append(&next).await.unwrap();
    let other = a_match(&db).await;
    let mut elsewhere = event(other.id, 1, "ball", "in_progress");
    elsewhere.idempotency = Some(("k1", b"elsewhere"));
    db.append(&elsewhere).await.unwrap();
    assert_eq!(
        db.idempotent_response(other.id, "k1")
            .await
            .unwrap()
            .unwrap()
            .1,
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

async fn tokens_are_hashed_and_scoped(db: TestDb) {
    let (m1, m2, m3) = (a_match(&db).await, a_match(&db).await, a_match(&db).await);
    let (id, token) = db
        .create_scorer_token("north end", &[m1.id, m2.id, m1.id])
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let stored = db
        .strings_raw(&format!(
            "SELECT token_hash FROM scorer_tokens WHERE id = {id}"
        ))
        .await;
    let expected = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(token.as_bytes()))
    };
    assert_eq!(stored, vec![expected]);
    let all = db
        .strings_raw("SELECT label || ' ' || token_hash FROM scorer_tokens")
        .await;
    assert!(
        all.iter().all(|row| !row.contains(&token)),
        "the plaintext is never stored"
    );

    assert!(db.token_may_score(&token, m1.id).await.unwrap());
    assert!(db.token_may_score(&token, m2.id).await.unwrap());
    assert!(
        !db.token_may_score(&token, m3.id).await.unwrap(),
        "not granted that match"
    );
    assert!(!db.token_may_score(&token, 9999).await.unwrap());
    let mut wrong = token.clone();
    wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
    assert!(!db.token_may_score(&wrong, m1.id).await.unwrap());
    assert!(!db.token_may_score("", m1.id).await.unwrap());
    assert!(!db.token_may_score("' OR 1=1 --", m1.id).await.unwrap());

    let (id2, token2) = db.create_scorer_token("south end", &[m3.id]).await.unwrap();
    assert_ne!((id, &token), (id2, &token2));
    assert!(db.token_may_score(&token2, m3.id).await.unwrap());
    assert!(!db.token_may_score(&token2, m1.id).await.unwrap());
}

async fn matches_list_live_then_upcoming_then_finished(db: TestDb) {
    let later = db
        .create_match(&new_match("later", Some(48)))
        .await
        .unwrap();
    let soon = db.create_match(&new_match("soon", Some(1))).await.unwrap();
    let unscheduled = db
        .create_match(&new_match("unscheduled", None))
        .await
        .unwrap();
    let done_first = db
        .create_match(&new_match("done first", Some(-30)))
        .await
        .unwrap();
    let live = db.create_match(&new_match("live", Some(-2))).await.unwrap();
    let done_last = db
        .create_match(&new_match("done last", Some(-50)))
        .await
        .unwrap();
    let tea = db
        .create_match(&new_match("innings break", Some(-3)))
        .await
        .unwrap();

    db.append(&event(done_first.id, 1, "result", "finished"))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    db.append(&event(done_last.id, 1, "result", "finished"))
        .await
        .unwrap();
    db.append(&event(live.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    db.append(&event(tea.id, 1, "innings_end", "innings_break"))
        .await
        .unwrap();

    let order: Vec<String> = db
        .list_matches()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect();
    let (live_part, rest) = order.split_at(2);
    let mut live_part = live_part.to_vec();
    live_part.sort();
    assert_eq!(live_part, ["innings break", "live"], "{order:?}");
    assert_eq!(
        rest,
        ["soon", "later", "unscheduled", "done last", "done first"],
        "{order:?}"
    );

    let mut live_ids = db.live_match_ids().await.unwrap();
    live_ids.sort();
    assert_eq!(live_ids, vec![live.id, tea.id]);
    let _ = (later, soon, unscheduled);
}

async fn bad_stored_setup_is_an_error_not_a_panic(db: TestDb) {
    let good = a_match(&db).await;
    let bad = a_match(&db).await;
    db.execute_raw(&format!(
        "UPDATE matches SET setup = '{{\"format\": 7' WHERE id = {}",
        bad.id
    ))
    .await;
    let err = db.get_match(bad.id).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Other(msg) if msg.contains("setup")),
        "{err:?}"
    );
    assert!(db.list_matches().await.is_err());
    // The rest of the match still works: the log does not depend on the setup column.
    assert_eq!(db.get_match(good.id).await.unwrap().unwrap().id, good.id);
    db.append(&event(bad.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    assert_eq!(db.current_seq(bad.id).await.unwrap(), Some(1));
}

#[tokio::test]
async fn in_memory_sqlite_works_without_a_file() {
    let store = Store::connect("sqlite::memory:", &crate::support::db::options())
        .await
        .unwrap();
    assert_eq!(store.kind(), "sqlite");
    store.migrate().await.unwrap();
    let m = store
        .create_match(&new_match("memory", None))
        .await
        .unwrap();
    store
        .append(&event(m.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    assert_eq!(store.current_seq(m.id).await.unwrap(), Some(1));
    assert_eq!(store.list_matches().await.unwrap().len(), 1);
}

#[tokio::test]
async fn kinds_and_migrations_are_idempotent() {
    let (pg, lite) = (postgres_store().await, sqlite_store().await);
    assert_eq!((pg.kind(), lite.kind()), ("postgres", "sqlite"));
    pg.migrate().await.expect("a second migrate is a no-op");
    lite.migrate().await.expect("a second migrate is a no-op");
}

#[tokio::test]
async fn unreachable_postgres_is_unavailable() {
    let opts = crease::store::StoreOptions {
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_millis(500),
        statement_timeout: std::time::Duration::from_secs(1),
    };
    // Port 1 on loopback: nothing listens there.
    let err = Store::connect("postgres://postgres@127.0.0.1:1/x", &opts)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let err = Store::connect("mysql://x", &opts).await.err().unwrap();
    assert!(matches!(err, StoreError::Other(_)), "{err:?}");
}
