//! Fixtures, scorer tokens and the match list.

use crease::store::{Grant, NewPlayer, NewTeam, NewTournament, StoreError};

use super::{a_match, event, new_match};
use crate::support::db::TestDb;
use crease_testkit::on_both_stores;

on_both_stores!(
    db:
    fixtures_round_trip,
    duplicate_team_is_duplicate,
    unknown_references_are_not_found,
    tokens_are_hashed_and_scoped,
    matches_list_live_then_upcoming_then_finished,
    bad_stored_setup_is_an_error_not_a_panic,
);

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
        db.create_scorer_token("x", &[999], None).await,
        Err(StoreError::NotFound)
    ));
}

async fn tokens_are_hashed_and_scoped(db: TestDb) {
    let (m1, m2, m3) = (a_match(&db).await, a_match(&db).await, a_match(&db).await);
    let (id, token) = db
        .create_scorer_token("north end", &[m1.id, m2.id, m1.id], None)
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

    let grant = |t: String, m: i64| {
        let db = &db;
        async move { db.token_grant(&t, m).await.unwrap() }
    };
    assert_eq!(grant(token.clone(), m1.id).await, Grant::ThisMatch);
    assert_eq!(grant(token.clone(), m2.id).await, Grant::ThisMatch);
    assert_eq!(
        grant(token.clone(), m3.id).await,
        Grant::OtherMatches,
        "not granted that match"
    );
    assert_eq!(grant(token.clone(), 9999).await, Grant::OtherMatches);
    let mut wrong = token.clone();
    wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
    assert_eq!(grant(wrong, m1.id).await, Grant::Unknown);
    assert_eq!(grant(String::new(), m1.id).await, Grant::Unknown);
    assert_eq!(grant("' OR 1=1 --".into(), m1.id).await, Grant::Unknown);

    let (id2, token2) = db
        .create_scorer_token("south end", &[m3.id], None)
        .await
        .unwrap();
    assert_ne!((id, &token), (id2, &token2));
    assert_eq!(grant(token2.clone(), m3.id).await, Grant::ThisMatch);
    assert_eq!(grant(token2.clone(), m1.id).await, Grant::OtherMatches);

    // Expiry is judged when the token is used; revocation wins over everything.
    let now = chrono::Utc::now();
    let later = now + chrono::Duration::hours(1);
    let (_, live) = db
        .create_scorer_token("later", &[m1.id], Some(later))
        .await
        .unwrap();
    assert_eq!(grant(live, m1.id).await, Grant::ThisMatch);
    let (_, stale) = db
        .create_scorer_token("stale", &[m1.id], Some(now - chrono::Duration::seconds(1)))
        .await
        .unwrap();
    assert_eq!(grant(stale.clone(), m1.id).await, Grant::Expired);
    assert_eq!(grant(stale, m3.id).await, Grant::Expired);
    assert!(db.revoke_scorer_token(id2).await.unwrap());
    assert!(
        db.revoke_scorer_token(id2).await.unwrap(),
        "again: still there"
    );
    assert!(!db.revoke_scorer_token(id2 + 1000).await.unwrap());
    assert_eq!(grant(token2.clone(), m3.id).await, Grant::Revoked);

    let listed = db.list_scorer_tokens().await.unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].match_ids, vec![m1.id, m2.id]);
    assert_eq!(listed[0].expires_at, None);
    assert_eq!(listed[1].match_ids, vec![m3.id]);
    assert!(listed[1].revoked_at.is_some());
    assert!(listed[0].revoked_at.is_none());
    assert_eq!(
        listed[2].expires_at,
        Some(chrono::SubsecRound::trunc_subsecs(later, 6))
    );
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
