//! The admin edits and deletes fixtures: what others refer to is kept with a 409 saying why, a
//! match's setup changes only until its first event, and a match with events is never deleted.
//! Every refusal leaves the fixture as it was.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::app::{spawn_app, Answer, AppOptions, RedisMode, StoreKind, TestApp};
use crate::support::live_client::{Item, LiveClient};
use crate::support::scorer::{InningsModel, Sides};
use crease_testkit::on_both_stores;
use crease_testkit::wait::eventually;

on_both_stores!(
    tournaments_teams_and_players_are_edited_and_deleted_unless_in_use,
    a_match_setup_changes_until_its_first_event_and_its_details_at_any_time,
    only_the_admin_edits_and_bad_ids_name_nothing,
);

async fn send(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.admin_token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    app.answer(req).await
}

async fn put(app: &TestApp, path: &str, body: Value) -> Answer {
    send(app, reqwest::Method::PUT, path, Some(body)).await
}

async fn delete(app: &TestApp, path: &str) -> Answer {
    send(app, reqwest::Method::DELETE, path, None).await
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.post_json(path, Some(&app.admin_token), &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    res.json()
}

fn problem(res: &Answer, status: StatusCode, kind: &str) -> Value {
    assert_eq!(res.status, status, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let p = res.json();
    assert_eq!(p["type"], kind, "{p}");
    p
}

async fn listed(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    res.json()
}

async fn tournaments_teams_and_players_are_edited_and_deleted_unless_in_use(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;

    let cup = created(&app, "/api/tournaments", json!({ "name": "County Cup" })).await;
    let cup_id = cup["id"].as_i64().unwrap();
    let res = put(
        &app,
        &format!("/api/tournaments/{cup_id}"),
        json!({ "name": "  County Cup 2026 ", "season": "2026" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(
        res.json(),
        json!({ "id": cup_id, "name": "County Cup 2026", "season": "2026" })
    );
    assert_eq!(listed(&app, "/api/tournaments").await, json!([res.json()]));

    let hawks = created(
        &app,
        "/api/teams",
        json!({ "name": "Hawks", "players": ["A Ash", "B Birch"] }),
    )
    .await;
    let owls = created(&app, "/api/teams", json!({ "name": "Owls" })).await;
    let (hawks_id, owls_id) = (hawks["id"].as_i64().unwrap(), owls["id"].as_i64().unwrap());
    let teams_before = listed(&app, "/api/teams").await;

    // A team's players are edited one by one, not through the team.
    let res = put(
        &app,
        &format!("/api/teams/{hawks_id}"),
        json!({ "name": "Hawks", "players": ["C Cedar"] }),
    )
    .await;
    problem(&res, StatusCode::BAD_REQUEST, "/problems/invalid-field");
    let res = put(
        &app,
        &format!("/api/teams/{owls_id}"),
        json!({ "name": "Hawks" }),
    )
    .await;
    problem(&res, StatusCode::CONFLICT, "/problems/duplicate");
    let res = delete(&app, &format!("/api/teams/{hawks_id}")).await;
    let p = problem(&res, StatusCode::CONFLICT, "/problems/in-use");
    assert!(p["detail"].as_str().unwrap().contains("2 players"), "{p}");
    assert_eq!(
        listed(&app, "/api/teams").await,
        teams_before,
        "refusals change nothing"
    );

    let res = put(
        &app,
        &format!("/api/teams/{owls_id}"),
        json!({ "name": "Night Owls", "short_name": "OWL" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["short_name"], "OWL");

    let ash = &hawks["players"][0];
    let ash_id = ash["id"].as_i64().unwrap();
    let res = put(
        &app,
        &format!("/api/players/{ash_id}"),
        json!({ "name": "A Ash", "team_id": 987_654 }),
    )
    .await;
    problem(&res, StatusCode::NOT_FOUND, "/problems/not-found");
    let res = put(
        &app,
        &format!("/api/players/{ash_id}"),
        json!({ "name": "Alex Ash", "team_id": owls_id }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(
        listed(&app, &format!("/api/players?team_id={owls_id}")).await,
        json!([{ "id": ash_id, "name": "Alex Ash", "team_id": owls_id }])
    );

    let birch_id = hawks["players"][1]["id"].as_i64().unwrap();
    assert_eq!(
        delete(&app, &format!("/api/players/{birch_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let again = delete(&app, &format!("/api/players/{birch_id}")).await;
    problem(&again, StatusCode::NOT_FOUND, "/problems/not-found");
    assert_eq!(
        delete(&app, &format!("/api/teams/{hawks_id}")).await.status,
        StatusCode::NO_CONTENT,
        "a team with no player left goes"
    );

    // A tournament with a match in it is kept until the match goes.
    let mut body = match_body("Hawks", "Owls", 20);
    body["tournament_id"] = json!(cup_id);
    let m = created(&app, "/api/matches", body).await;
    let res = delete(&app, &format!("/api/tournaments/{cup_id}")).await;
    let p = problem(&res, StatusCode::CONFLICT, "/problems/in-use");
    assert!(p["detail"].as_str().unwrap().contains("1 match:"), "{p}");
    assert_eq!(
        delete(&app, &format!("/api/matches/{}", m["id"]))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&app, &format!("/api/tournaments/{cup_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(listed(&app, "/api/tournaments").await, json!([]));
}

/// A T20 between two made-up XIs, as `TestApp::create_match` makes them.
fn match_body(home: &str, away: &str, overs: u16) -> Value {
    let sides = Sides::new(home, away);
    json!({
        "format": "t20",
        "overs": overs,
        "teams": [
            { "name": home, "players": sides.batters },
            { "name": away, "players": sides.bowlers },
        ],
    })
}

async fn a_match_setup_changes_until_its_first_event_and_its_details_at_any_time(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.create_match(20).await;
    let path = format!("/api/matches/{}", f.id);
    let opening = app.live_json(f.id).await;
    assert_eq!(opening["overs_per_innings"], 20);

    // Before the first event: another opponent and a shorter match, taken at once by /live
    // (which held the old opening state in memory) under a new epoch.
    let res = put(&app, &path, match_body("Hawks", "Kites", 12)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    assert_eq!(res.json()["title"], "Hawks v Kites");
    let live = app.live_json(f.id).await;
    assert_eq!(live["teams"], json!(["Hawks", "Kites"]));
    assert_eq!(live["overs_per_innings"], 12);
    assert!(live["epoch"].as_i64() > opening["epoch"].as_i64(), "{live}");

    // Play starts: the setup is what the match is played under from now on.
    let start = InningsModel::new(Sides::new("Hawks", "Kites")).innings_start();
    let res = app
        .post_json(&format!("{path}/events"), Some(&app.admin_token), &start)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let before = app.get(&path).await.json();

    let res = put(&app, &path, match_body("Hawks", "Kites", 20)).await;
    let p = problem(&res, StatusCode::CONFLICT, "/problems/match-started");
    assert!(p["detail"].as_str().unwrap().contains("1 event:"), "{p}");
    let res = delete(&app, &path).await;
    problem(&res, StatusCode::CONFLICT, "/problems/match-started");
    assert_eq!(
        app.get(&path).await.json(),
        before,
        "refusals change nothing"
    );
    assert_eq!(app.events(f.id).await.len(), 1);

    // The details still change, with the setup as it is.
    let mut body = match_body("Hawks", "Kites", 12);
    body["title"] = json!("Final: Hawks v Kites");
    body["venue"] = json!("Lord's");
    let res = put(&app, &path, body).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    let now = app.get(&path).await.json();
    assert_eq!(now["title"], "Final: Hawks v Kites");
    assert_eq!(now["venue"], "Lord's");
    assert_eq!(now["seq"], before["seq"]);
    assert_eq!(app.live_json(f.id).await["seq"], 1);
}

async fn only_the_admin_edits_and_bad_ids_name_nothing(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.create_match(20).await;
    let token = app.scorer_token(&[f.id]).await;
    let path = format!("/api/matches/{}", f.id);
    let anonymous = app.answer(app.client.delete(app.url(&path))).await;
    problem(
        &anonymous,
        StatusCode::UNAUTHORIZED,
        "/problems/unauthorized",
    );
    let scorer = app
        .answer(app.client.delete(app.url(&path)).bearer_auth(&token))
        .await;
    problem(&scorer, StatusCode::FORBIDDEN, "/problems/forbidden");
    for bad in ["abc", "0", "-3", "99999999999999999999"] {
        let res = delete(&app, &format!("/api/teams/{bad}")).await;
        problem(&res, StatusCode::NOT_FOUND, "/problems/not-found");
    }
    assert_eq!(
        app.get(&path).await.status,
        StatusCode::OK,
        "nothing was deleted"
    );
    // Deleting a match that has not started takes its scorer's grant with it.
    assert_eq!(delete(&app, &path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.live(f.id).await.status, StatusCode::NOT_FOUND);
    let tokens = app.get_admin("/api/tokens").await.json();
    assert_eq!(tokens[0]["match_ids"], json!([]), "{tokens}");
}

/// Two nodes sharing Postgres and Redis: a setup changed on one reaches the viewers and the
/// `/live` of the other at once, and a match deleted on one is gone from the other's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_node_follows_a_setup_change_and_a_deletion() {
    let a = spawn_app(AppOptions::new(StoreKind::Postgres).redis(RedisMode::Direct)).await;
    let b = a.peer(RedisMode::Direct).await;
    // A bus (re)subscription drops L1: let it happen before L1 is looked at.
    a.wait_redis_up().await;
    b.wait_redis_up().await;
    let f = a.create_match(20).await;
    let path = format!("/api/matches/{}", f.id);
    assert_eq!(b.live_json(f.id).await["teams"], json!(["Hawks", "Owls"]));
    assert_eq!(b.live(f.id).await.header("x-cache"), Some("l1"));
    let mut viewer = LiveClient::ws(&b.base, f.id, None).await;
    match viewer.next().await {
        Item::Msg(m) => assert!(m.is_snapshot(), "{m:?}"),
        end => panic!("no opening snapshot: {end:?}"),
    }

    let res = put(&a, &path, match_body("Hawks", "Kites", 20)).await;
    assert_eq!(res.status, StatusCode::OK, "{res:?}");
    match viewer.next().await {
        Item::Msg(m) => {
            assert!(m.is_snapshot(), "{m:?}");
            assert_eq!(m.json["teams"], json!(["Hawks", "Kites"]));
        }
        end => panic!("the viewer was not sent the new setup: {end:?}"),
    }
    eventually("node B's /live to show the new setup", || async {
        (b.live_json(f.id).await["teams"] == json!(["Hawks", "Kites"])).then_some(())
    })
    .await;

    assert_eq!(delete(&a, &path).await.status, StatusCode::NO_CONTENT);
    eventually("node B to stop serving the deleted match", || async {
        (b.live(f.id).await.status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    eventually("node B's list to drop the match", || async {
        let list = b.get("/api/matches").await.json();
        (list == json!([])).then_some(())
    })
    .await;
}
