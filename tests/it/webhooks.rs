//! Webhooks against a real HTTP receiver on loopback. A real T20 posted through the API reaches
//! a hook for its tournament as the notices the Cricsheet file's own deliveries imply, in
//! order, each signed with the hook's secret; a hook for the match wanting only wickets gets
//! only those; an undo sends a retraction naming each delivery the undone ball gave rise to;
//! the delivery log shows each one. With the receiver down for a minute and the node that
//! stored the events restarted meanwhile, two nodes on one database deliver every notice
//! exactly once when it comes back. A catch corrected to another fielder, twice, is each time
//! retracted once and told again as corrected. The log forgets finished deliveries older than it keeps,
//! and never a pending one or one a pending retraction names.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::app::{eventually, spawn_app, AppOptions, StoreKind, TestApp};
use crate::support::receiver::{Received, Receiver};
use crease_testkit::on_both_stores;

on_both_stores!(
    notices_reach_a_signed_receiver_and_an_undo_retracts_them,
    a_ball_corrected_twice_is_retracted_and_told_again_each_time,
    the_delivery_log_forgets_old_deliveries_and_keeps_the_queue,
);

/// Won by the side batting second (by 3 wickets, as its `outcome` says); no tie, no super over.
const MATCH_FILE: &str = "t20_2018-06-10_india_v_bangladesh.json";

const CREDITED: [&str; 6] = [
    "bowled",
    "caught",
    "caught and bowled",
    "lbw",
    "stumped",
    "hit wicket",
];

fn crossed(marks: &[u64], before: u64, after: u64) -> bool {
    marks.iter().any(|m| before < *m && *m <= after)
}

/// The kinds of notice the file's deliveries imply, in order: per delivery its wickets, a
/// boundary, a batter's and a bowler's milestone; an innings end after each innings' last
/// delivery; the result after the last.
fn expected_kinds(file: &Value) -> Vec<&'static str> {
    let mut out = vec![];
    for inn in file["innings"].as_array().expect("innings") {
        let mut runs = std::collections::HashMap::<&str, u64>::new();
        let mut wickets = std::collections::HashMap::<&str, u64>::new();
        for over in inn["overs"].as_array().expect("overs") {
            for d in over["deliveries"].as_array().expect("deliveries") {
                let off_bat = d["runs"]["batter"].as_u64().expect("runs");
                for w in d["wickets"].as_array().into_iter().flatten() {
                    let kind = w["kind"].as_str().expect("kind");
                    if kind != "retired hurt" && kind != "retired not out" {
                        out.push("wicket");
                    }
                }
                if matches!(off_bat, 4 | 6) && d["runs"]["non_boundary"] != true {
                    out.push("boundary");
                }
                let r = runs
                    .entry(d["batter"].as_str().expect("batter"))
                    .or_default();
                if crossed(&[50, 100, 150, 200], *r, *r + off_bat) {
                    out.push("milestone");
                }
                *r += off_bat;
                let credited = d["wickets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|w| CREDITED.contains(&w["kind"].as_str().expect("kind")))
                    .count() as u64;
                let b = wickets
                    .entry(d["bowler"].as_str().expect("bowler"))
                    .or_default();
                if crossed(&[5, 10], *b, *b + credited) {
                    out.push("milestone");
                }
                *b += credited;
            }
        }
        out.push("innings_end");
    }
    out.push("result");
    out
}

fn verify_signature(secret: &str, r: &Received) {
    assert!(
        signed_with(secret, r),
        "the signature is the body's, with the hook's secret"
    );
    let header = r.header("crease-signature");
    let sent: i64 = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
        .and_then(|(t, _)| t.parse().ok())
        .unwrap_or_else(|| panic!("signature header {header}"));
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - sent).abs() < 600,
        "timestamped when sent: {sent}, now {now}"
    );
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(
        r.header("crease-delivery"),
        r.json()["id"].as_i64().expect("id").to_string()
    );
}

async fn register(app: &TestApp, body: Value) -> (i64, String) {
    let res = app
        .post_json("/api/webhooks", Some(&app.admin_token), &body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let hook = res.json();
    assert!(hook.get("secret").is_some());
    (
        hook["id"].as_i64().expect("id"),
        hook["secret"].as_str().expect("secret").to_owned(),
    )
}

/// Whether `r` is signed with `secret`: which hook it was sent for.
fn signed_with(secret: &str, r: &Received) -> bool {
    let header = r.header("crease-signature");
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&r.body);
    hex::decode(v1).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
}

async fn notices_reach_a_signed_receiver_and_an_undo_retracts_them(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let receiver = Receiver::start().await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let parsed = crease::domain::cricsheet::parse(&text).expect("parses");
    let t = app
        .post_json(
            "/api/tournaments",
            Some(&app.admin_token),
            &json!({"name": "Asia Cup"}),
        )
        .await;
    let tournament = t.json()["id"].as_i64().expect("tournament id");
    let id = app.create_cricsheet_match(&parsed, Some(tournament)).await;
    let all = [
        "wicket",
        "boundary",
        "milestone",
        "innings_end",
        "result",
        "correction",
    ];
    let (every_kind, every_secret) = register(
        &app,
        json!({"url": format!("{}?to=all", receiver.url), "tournament_id": tournament, "kinds": all}),
    )
    .await;
    let (wickets_only, wickets_secret) = register(
        &app,
        json!({"url": format!("{}?to=wickets", receiver.url), "match_id": id, "kinds": ["wicket"]}),
    )
    .await;
    let seqs = app.post_events(id, &parsed.events).await;

    let want = expected_kinds(&file);
    let wickets = want.iter().filter(|k| **k == "wicket").count();
    let total = want.len() + wickets;
    let got = eventually("every notice delivered", || {
        let got = receiver.received();
        async move { (got.len() >= total).then_some(got) }
    })
    .await;
    let (mut all_got, mut wickets_got) = (vec![], vec![]);
    for r in &got {
        if signed_with(&every_secret, r) {
            all_got.push(r.clone());
        } else if signed_with(&wickets_secret, r) {
            wickets_got.push(r.clone());
        } else {
            panic!("a delivery signed by neither hook's secret: {:?}", r.json());
        }
    }
    for r in &all_got {
        verify_signature(&every_secret, r);
    }
    for r in &wickets_got {
        verify_signature(&wickets_secret, r);
    }
    let kinds: Vec<String> = all_got
        .iter()
        .map(|r| r.json()["type"].as_str().expect("type").to_owned())
        .collect();
    assert_eq!(kinds, want, "the tournament's hook: every notice, in order");
    let ids: Vec<i64> = all_got
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in the order queued");
    assert_eq!(
        wickets_got.len(),
        wickets,
        "the match's hook: its wickets only"
    );
    assert!(wickets_got.iter().all(|r| r.json()["type"] == "wicket"));
    let first_wicket = &wickets_got[0].json();
    assert_eq!(first_wicket["match_id"], id);
    assert!(first_wicket["data"]["batter"].is_string() && first_wicket["data"]["how"].is_string());

    // The last ball undone: each delivery it gave rise to is retracted, by name.
    let last_seq = seqs.last().expect("events").1;
    let of_last: Vec<Value> = all_got
        .iter()
        .map(Received::json)
        .filter(|b| b["seq"] == last_seq)
        .collect();
    assert!(of_last.iter().any(|b| b["type"] == "result"), "{of_last:?}");
    app.undo(id).await;
    let before = got.len();
    let retractions = of_last.len();
    let retracted = eventually("the retractions", || {
        let got = receiver.received();
        async move { (got.len() >= before + retractions).then_some(got[before..].to_vec()) }
    })
    .await;
    for (r, original) in retracted.iter().zip(&of_last) {
        verify_signature(&every_secret, r);
        let b = r.json();
        assert_eq!(b["type"], "retraction");
        assert_eq!(b["seq"], last_seq + 1, "the undo's seq");
        assert_eq!(b["retracts"]["id"], original["id"]);
        assert_eq!(b["retracts"]["type"], original["type"]);
        assert_eq!(b["retracts"]["data"], original["data"]);
    }

    // The delivery log.
    let log = app
        .get_admin(&format!("/api/webhooks/{every_kind}/deliveries?limit=500"))
        .await;
    assert_eq!(log.status, StatusCode::OK, "{log:?}");
    let log = log.json();
    let log = log.as_array().expect("a list");
    assert_eq!(log.len(), want.len() + of_last.len());
    assert!(log
        .iter()
        .all(|d| d["status"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200));
    let hooks = app.get_admin("/api/webhooks").await.json();
    let listed = hooks.as_array().expect("hooks");
    assert_eq!(listed.len(), 2);
    assert!(
        listed.iter().all(|h| h.get("secret").is_none()),
        "never the secret"
    );
    assert_eq!(listed[1]["kinds"], json!(["wicket"]));
    assert_eq!(listed[1]["id"], wickets_only);

    // Bad input changes nothing.
    for (body, status) in [
        (
            json!({"url": "ftp://example.org/x", "match_id": id, "kinds": ["wicket"]}),
            400,
        ),
        (
            json!({"url": "not a url", "match_id": id, "kinds": ["wicket"]}),
            400,
        ),
        (
            json!({"url": receiver.url, "match_id": id, "kinds": ["sixes"]}),
            400,
        ),
        (
            json!({"url": receiver.url, "match_id": id, "kinds": []}),
            400,
        ),
        (json!({"url": receiver.url, "kinds": ["wicket"]}), 422),
        (
            json!({"url": receiver.url, "match_id": id, "tournament_id": tournament, "kinds": ["wicket"]}),
            422,
        ),
        (
            json!({"url": receiver.url, "match_id": id + 1000, "kinds": ["wicket"]}),
            404,
        ),
    ] {
        let res = app
            .post_json("/api/webhooks", Some(&app.admin_token), &body)
            .await;
        assert_eq!(res.status.as_u16(), status, "{body}: {res:?}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
    }
    let scorer = app.scorer_token(&[id]).await;
    let refused = app
        .post_json(
            "/api/webhooks",
            Some(&scorer),
            &json!({"url": receiver.url, "match_id": id, "kinds": ["wicket"]}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a scorer is not the admin"
    );
    assert_eq!(
        app.get_admin("/api/webhooks")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let bad_limit = app
        .get_admin(&format!("/api/webhooks/{every_kind}/deliveries?limit=0"))
        .await;
    assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST);
    let unknown = app.get_admin("/api/webhooks/99999/deliveries").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn a_ball_corrected_twice_is_retracted_and_told_again_each_time(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let receiver = Receiver::start().await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let parsed = crease::domain::cricsheet::parse(&text).expect("parses");
    let id = app.create_cricsheet_match(&parsed, None).await;
    let (hook, _) = register(
        &app,
        json!({"url": receiver.url, "match_id": id, "kinds": ["wicket", "correction"]}),
    )
    .await;
    let seqs = crate::support::ball_seqs(&app.post_events(id, &parsed.events).await);
    let wickets = expected_kinds(&file)
        .iter()
        .filter(|k| **k == "wicket")
        .count();
    eventually("every wicket", || {
        let n = receiver.received().len();
        async move { (n >= wickets).then_some(()) }
    })
    .await;

    // The file's first catch, and two other fielders of the side in the field.
    let deliveries: Vec<&Value> = file["innings"]
        .as_array()
        .expect("innings")
        .iter()
        .flat_map(|i| i["overs"].as_array().expect("overs"))
        .flat_map(|o| o["deliveries"].as_array().expect("deliveries"))
        .collect();
    let k = deliveries
        .iter()
        .position(|d| d["wickets"][0]["kind"] == "caught")
        .expect("a catch");
    let caught = deliveries[k].clone();
    let seq = seqs[k];
    let fielding = parsed
        .setup
        .teams
        .iter()
        .find(|t| t.players.iter().any(|p| *p == caught["bowler"]))
        .expect("the bowler's side");
    let taker = &caught["wickets"][0]["fielders"][0]["name"];
    let others: Vec<&String> = fielding
        .players
        .iter()
        .filter(|p| **p != *taker && **p != caught["bowler"])
        .take(2)
        .collect();
    let original = receiver
        .received()
        .iter()
        .map(Received::json)
        .find(|b| b["seq"] == seq)
        .expect("the catch's wicket");

    let mut told = original;
    for fielder in others {
        let before = receiver.received().len();
        let mut amended = caught.clone();
        amended["wickets"][0]["fielders"] = json!([{ "name": fielder }]);
        let res = app
            .post_json(
                &format!("/api/matches/{id}/corrections"),
                Some(&app.admin_token),
                &json!({ "seq": seq, "action": "amend",
                         "event": { "kind": "ball", "data": amended } }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
        let got: Vec<Value> = eventually("the correction, a retraction and the wicket", || {
            let got = receiver.received();
            async move { (got.len() >= before + 3).then_some(got[before..].to_vec()) }
        })
        .await
        .iter()
        .map(Received::json)
        .collect();
        let kinds: Vec<&str> = got.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["correction", "retraction", "wicket"], "{got:?}");
        assert_eq!(got[0]["data"]["corrected_seq"], seq);
        assert_eq!(
            got[1]["retracts"]["id"], told["id"],
            "the wicket that stood, once"
        );
        assert_eq!(got[2]["seq"], seq, "told as the ball's own");
        let how = got[2]["data"]["how"].as_str().expect("how");
        assert!(how.contains(fielder.as_str()), "{how}");
        assert_eq!(got[2]["data"]["batter"], caught["wickets"][0]["player_out"]);
        told = got[2].clone();
    }
    // All that was queued: the second correction took back only the wicket the first told.
    assert_eq!(log_of(&app, hook).await.len(), wickets + 6);
}

/// A hook's delivery log, newest first.
async fn log_of(app: &TestApp, hook: i64) -> Vec<Value> {
    let log = app
        .get_admin(&format!("/api/webhooks/{hook}/deliveries?limit=500"))
        .await
        .json();
    log.as_array().cloned().unwrap_or_default()
}

async fn the_delivery_log_forgets_old_deliveries_and_keeps_the_queue(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let receiver = Receiver::start().await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let parsed = crease::domain::cricsheet::parse(&text).expect("parses");
    let id = app.create_cricsheet_match(&parsed, None).await;
    let (up, _) = register(
        &app,
        json!({"url": receiver.url, "match_id": id, "kinds": ["wicket", "result"]}),
    )
    .await;
    let nobody = Receiver::url_of(Receiver::free_addr());
    let (down, _) = register(
        &app,
        json!({"url": nobody, "match_id": id, "kinds": ["result"]}),
    )
    .await;
    app.post_events(id, &parsed.events).await;
    let want = expected_kinds(&file)
        .iter()
        .filter(|k| **k == "wicket" || **k == "result")
        .count();
    eventually("the hook that is up: everything delivered", || async {
        let log = log_of(&app, up).await;
        (log.len() == want && log.iter().all(|d| d["status"] == "delivered")).then_some(())
    })
    .await;

    // The receiver goes away, and the last ball (which decided the match) is undone: the
    // retraction of its result waits, pending, and names a delivery that was delivered.
    drop(receiver);
    app.undo(id).await;
    let log = eventually("the retraction tried and failing", || async {
        let log = log_of(&app, up).await;
        let newest = log.first()?;
        (newest["kind"] == "retraction" && newest["attempts"].as_i64() >= Some(1)).then_some(log)
    })
    .await;
    assert_eq!(log[0]["status"], "pending");
    let retracted = log[0]["retracts"].clone();
    let down_before = log_of(&app, down).await;
    assert_eq!(
        down_before.len(),
        2,
        "a result and its retraction: {down_before:?}"
    );
    assert!(down_before.iter().all(|d| d["status"] == "pending"));

    // Nothing is young enough to go.
    let keep = Duration::from_secs(30 * 24 * 3600);
    assert_eq!(crease::webhooks::prune(&app.db.store, keep).await, 0);
    assert_eq!(log_of(&app, up).await.len(), want + 1);

    // Forty days on, everything finished goes: all of the first hook's log bar the pending
    // retraction and the delivery it names; none of the second hook's, which is all pending.
    app.db
        .execute_raw("UPDATE webhook_deliveries SET created_ms = created_ms - 3456000000")
        .await;
    let gone = crease::webhooks::prune(&app.db.store, keep).await;
    assert_eq!(gone, (want - 1) as u64);
    let left = log_of(&app, up).await;
    let left: Vec<(Value, Value)> = left
        .iter()
        .map(|d| (d["kind"].clone(), d["status"].clone()))
        .collect();
    assert_eq!(
        left,
        [
            (json!("retraction"), json!("pending")),
            (json!("result"), json!("delivered")),
        ]
    );
    assert_eq!(log_of(&app, up).await[1]["id"], retracted);
    assert_eq!(
        log_of(&app, down).await.len(),
        2,
        "the queue is never pruned"
    );
}

/// A node whose deliveries retry often enough to see a receiver come back within seconds.
fn quick_retries(c: &mut crease::config::ServeConfig) {
    c.webhook_max_backoff_secs = 2;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_a_minute_gets_everything_once() {
    let opts = AppOptions::new(StoreKind::Postgres).configure(quick_retries);
    let first = spawn_app(opts.clone()).await;
    let second = first.peer_with(&opts).await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let parsed = crease::domain::cricsheet::parse(&text).expect("parses");
    let id = first.create_cricsheet_match(&parsed, None).await;
    let down = Receiver::free_addr();
    let all = ["wicket", "boundary", "milestone", "innings_end", "result"];
    let (hook, secret) = register(
        &first,
        json!({"url": Receiver::url_of(down), "match_id": id, "kinds": all}),
    )
    .await;
    let went_down = Instant::now();
    first.post_events(id, &parsed.events).await;
    let want = expected_kinds(&file);
    let queued = want.len();

    // Every notice is queued, and the first is being tried and failing.
    let log = eventually("attempts on a receiver that is down", || {
        let first = &first;
        async move {
            let log = log_of(first, hook).await;
            let oldest = log.last().cloned()?;
            (log.len() == queued && oldest["attempts"].as_i64() >= Some(2)).then_some(log)
        }
    })
    .await;
    assert!(log.iter().all(|d| d["status"] == "pending"));
    let oldest = log.last().expect("a delivery");
    assert!(oldest["last_error"].is_string(), "{oldest}");

    // The node that stored the events goes away, and another starts on the same database.
    drop(first);
    let third = second.peer_with(&opts).await;

    // The receiver comes back a minute after it went down.
    tokio::time::sleep(Duration::from_secs(60).saturating_sub(went_down.elapsed())).await;
    let receiver = Receiver::start_on(down).await;
    let got = eventually("every queued notice, once the receiver is back", || {
        let got = receiver.received();
        async move { (got.len() >= queued).then_some(got) }
    })
    .await;
    let ids: Vec<i64> = got
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no delivery twice: {ids:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    let kinds: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().expect("type").to_owned())
        .collect();
    assert_eq!(kinds, want, "nothing lost");
    for r in &got {
        verify_signature(&secret, r);
    }
    let log = log_of(&third, hook).await;
    assert_eq!(log.len(), queued, "{log:?}");
    assert!(log.iter().all(|d| d["status"] == "delivered"), "{log:?}");
    assert!(log.last().expect("the oldest")["attempts"].as_i64() > Some(2));
    // Every delivery is recorded as delivered, so none is left to be sent again.
    assert_eq!(receiver.received().len(), queued);
    drop(second);
}
