//! The server answers as its OpenAPI document says, on both stores: an id that cannot name a
//! match is a 404 like any unknown id, a bad query value is a 400 naming itself, admin routes
//! tell a token nobody issued (401) from one without the right (403) as scoring does, a body
//! or part of one sent as an array instead of an object is refused, and the document gives
//! string bounds and the event streams' media type.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::refusals::refused;
use crate::support::app::{spawn_app, AppOptions, StoreKind};
use crease_testkit::on_both_stores;

on_both_stores!(
    ids_that_cannot_exist_are_not_found,
    a_query_value_of_the_wrong_type_is_an_invalid_field,
    admin_routes_answer_tokens_as_scoring_does,
    bodies_sent_as_arrays_are_refused,
);

async fn ids_that_cannot_exist_are_not_found(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.started_match(20).await;
    for id in [
        "9223372036854775808",
        "99999999999999999999",
        "abc",
        "0",
        "-3",
    ] {
        for path in ["", "/live", "/balls", "/stream"] {
            let res = app.get(&format!("/api/matches/{id}{path}")).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{id}{path}: {res:?}");
            assert_eq!(res.json()["type"], "/problems/not-found", "{id}{path}");
        }
        let req = app
            .client
            .post(app.url(&format!("/api/matches/{id}/balls")))
            .bearer_auth(&app.admin_token)
            .json(&f.innings.next_ball());
        refused(
            &app,
            f.id,
            req,
            StatusCode::NOT_FOUND,
            "/problems/not-found",
        )
        .await;
    }
}

async fn a_query_value_of_the_wrong_type_is_an_invalid_field(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.create_match(20).await;
    for path in [
        "/api/players?team_id=null".to_owned(),
        "/api/players?team_id=9223372036854775808".to_owned(),
        format!("/api/matches/{}/balls?since=null", f.id),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {res:?}");
        assert_eq!(res.header("content-type"), Some("application/problem+json"));
        assert_eq!(res.json()["type"], "/problems/invalid-field", "{path}");
    }
    assert_eq!(
        app.get("/api/players?team_id=1").await.status,
        StatusCode::OK
    );
}

async fn admin_routes_answer_tokens_as_scoring_does(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let f = app.create_match(20).await;
    let scorer = app.scorer_token(&[f.id]).await;
    let team = json!({ "name": "Kites" });
    let garbage = "x".repeat(300);
    for (token, status, kind) in [
        (None, StatusCode::UNAUTHORIZED, "/problems/unauthorized"),
        (
            Some("not-a-real-token"),
            StatusCode::UNAUTHORIZED,
            "/problems/unauthorized",
        ),
        (
            Some(garbage.as_str()),
            StatusCode::UNAUTHORIZED,
            "/problems/unauthorized",
        ),
        // A real token, only without the admin's right.
        (
            Some(scorer.as_str()),
            StatusCode::FORBIDDEN,
            "/problems/forbidden",
        ),
    ] {
        let res = app.post_json("/api/teams", token, &team).await;
        assert_eq!(res.status, status, "{token:?}: {res:?}");
        assert_eq!(res.json()["type"], kind);
    }
    let teams = app.get("/api/teams").await.json();
    assert_eq!(teams, json!([]), "nothing was created");
    let res = app
        .post_json("/api/teams", Some(&app.admin_token), &team)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
}

async fn bodies_sent_as_arrays_are_refused(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let mut f = app.started_match(20).await;
    app.score(&mut f, 2).await;
    let post = |path: &str, body: Value| {
        app.client
            .post(app.url(&format!("/api/matches/{}/{path}", f.id)))
            .bearer_auth(&app.admin_token)
            .json(&body)
    };
    let ball = f.innings.next_ball();
    // The ball's fields by position, as serde's derived structs would take them.
    let by_position = json!([
        ball["batter"],
        ball["non_striker"],
        ball["bowler"],
        ball["runs"]
    ]);
    let p = refused(
        &app,
        f.id,
        post("balls", by_position),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("object"), "{p}");

    let mut runs_by_position = ball.clone();
    runs_by_position["runs"] = json!([4, 0, 4]);
    let p = refused(
        &app,
        f.id,
        post("balls", runs_by_position),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(p["field"], "runs", "{p}");

    let mut wicket_by_position = ball.clone();
    wicket_by_position["wickets"] = json!([["bowled", f.innings.striker()]]);
    let p = refused(
        &app,
        f.id,
        post("balls", wicket_by_position),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(p["field"], "wickets[0]", "{p}");

    let change = json!({ "kind": "bowler_change", "data": ["Owls 9"] });
    let p = refused(
        &app,
        f.id,
        post("events", change),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;
    assert_eq!(p["field"], "data", "{p}");
    refused(
        &app,
        f.id,
        post("events", json!(["bowler_change", { "bowler": "Owls 9" }])),
        StatusCode::BAD_REQUEST,
        "/problems/invalid-field",
    )
    .await;

    // Arrays where the API takes arrays are still read.
    let res = app
        .post_json(
            "/api/tokens",
            Some(&app.admin_token),
            &json!({ "label": "second scorer", "match_ids": [f.id] }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{res:?}");
    let res = app
        .post_json("/api/tournaments", Some(&app.admin_token), &json!(["Cup"]))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{res:?}");
}

/// What schemathesis held the server to: every string the server refuses when empty says
/// `minLength`, and the event streams are `text/event-stream`, not a plain string.
#[tokio::test]
async fn the_document_gives_string_bounds_and_stream_media_types() {
    let app = spawn_app(AppOptions::new(StoreKind::Sqlite)).await;
    let doc = app.get("/api/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("Ball", "batter"),
        ("Ball", "non_striker"),
        ("Ball", "bowler"),
        ("Ball", "commentary"),
        ("Override", "reason"),
        ("Wicket", "player_out"),
    ] {
        let prop = &schemas[schema]["properties"][field];
        assert_eq!(prop["minLength"], 1, "{schema}.{field}: {prop}");
        assert!(prop["maxLength"].is_u64(), "{schema}.{field}: {prop}");
    }
    for path in ["/api/matches/{id}/stream", "/api/ticker"] {
        let ok = &doc["paths"][path]["get"]["responses"]["200"];
        let stream = &ok["content"]["text/event-stream"];
        assert!(stream.is_object(), "{path}: {ok}");
        assert!(
            ok["description"].as_str().unwrap().contains("event"),
            "{path}: {ok}"
        );
    }
}
