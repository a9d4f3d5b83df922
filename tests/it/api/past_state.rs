//! `/live?at=SEQ`: a real match posted through the API, then read back as it stood after each
//! of several of its deliveries. The expected runs, wickets and legal balls are summed from the
//! Cricsheet file's own deliveries; the state at the last seq is the live one; a seq not yet
//! reached, a negative or a malformed one is a problem, and a later undo leaves the past alone.
//! A crowd of readers beyond the replay queue is told to come back, and is served when it does.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{spawn_app, AppOptions, StoreKind, TestApp};
use crease_testkit::on_both_stores;

on_both_stores!(past_states_are_the_files_figures_at_each_seq,);

/// Replays at 5% of a core: each rests 19 times its own CPU, so a crowd outlasts the queue.
fn slow_replays(c: &mut crease::config::ServeConfig) {
    c.replay_cpu_percent = 5;
}

/// A hundred and fifty readers at once, each at a seq no one asked for before: one replays,
/// 32 wait their turn, and the rest are told to come back (`503` with `Retry-After`) rather
/// than queue without bound. Each one refused is served when it asks again alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_beyond_the_replay_queue_is_told_to_come_back() {
    let app = spawn_app(AppOptions::new(StoreKind::Postgres).configure(slow_replays)).await;
    let (text, _) = crate::support::bundled_match(MATCH_FILE);
    let (id, seqs) = app.post_cricsheet(&text).await;
    let crowd: Vec<i64> = seqs.iter().map(|(_, seq)| *seq).take(150).collect();
    assert_eq!(crowd.len(), 150, "a seq for each reader");
    let answers = futures::future::join_all(crowd.iter().map(|seq| {
        let app = &app;
        async move { at(app, id, &seq.to_string()).await }
    }))
    .await;
    let mut refused = vec![];
    for (seq, res) in crowd.iter().zip(&answers) {
        match res.status {
            StatusCode::OK => assert_eq!(res.json()["seq"], *seq),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(res.header("content-type"), Some("application/problem+json"));
                assert!(res.header("retry-after").is_some(), "{res:?}");
                refused.push(*seq);
            }
            other => panic!("at {seq}: {other} {res:?}"),
        }
    }
    assert!(
        answers.len() - refused.len() >= 33,
        "the one replaying and the 32 waiting are served: {} of {}",
        answers.len() - refused.len(),
        answers.len()
    );
    assert!(!refused.is_empty(), "a crowd beyond the queue is refused");
    for seq in refused {
        let res = at(&app, id, &seq.to_string()).await;
        assert_eq!(res.status, StatusCode::OK, "at {seq}, asked again: {res:?}");
        assert_eq!(res.json()["seq"], seq);
    }
}

const MATCH_FILE: &str = "t20_2018-06-10_india_v_bangladesh.json";

/// The innings number (0-based) and the running runs, wickets and legal balls after each
/// delivery of the file, in order.
fn book(file: &Value) -> Vec<(usize, u64, u64, u64)> {
    let mut out = vec![];
    for (i, innings) in file["innings"]
        .as_array()
        .expect("innings")
        .iter()
        .enumerate()
    {
        let (mut runs, mut wickets, mut legal) = (0, 0, 0);
        for over in innings["overs"].as_array().expect("overs") {
            for d in over["deliveries"].as_array().expect("deliveries") {
                runs += d["runs"]["total"].as_u64().expect("total");
                wickets += d["wickets"].as_array().map_or(0, |w| {
                    w.iter().filter(|w| w["kind"] != "retired hurt").count()
                }) as u64;
                let extras = &d["extras"];
                if extras.get("wides").is_none() && extras.get("noballs").is_none() {
                    legal += 1;
                }
                out.push((i, runs, wickets, legal));
            }
        }
    }
    out
}

async fn at(app: &TestApp, id: i64, q: &str) -> crate::support::app::Answer {
    app.get(&format!("/api/matches/{id}/live?at={q}")).await
}

async fn past_states_are_the_files_figures_at_each_seq(store: StoreKind) {
    let app = spawn_app(AppOptions::new(store)).await;
    let (text, file) = crate::support::bundled_match(MATCH_FILE);
    let (id, seqs) = app.post_cricsheet(&text).await;
    let ball_seqs = crate::support::ball_seqs(&seqs);
    let figures = book(&file);
    assert_eq!(
        ball_seqs.len(),
        figures.len(),
        "one seq per delivery of the file"
    );

    // Every 20th delivery, the last of each innings, and the last: as they stood.
    let mut picks: Vec<usize> = (0..figures.len()).step_by(20).collect();
    picks.extend(
        (1..figures.len())
            .filter(|&k| figures[k].0 != figures[k - 1].0)
            .map(|k| k - 1),
    );
    picks.push(figures.len() - 1);
    for k in picks {
        let (innings, runs, wickets, legal) = figures[k];
        let seq = ball_seqs[k];
        let res = at(&app, id, &seq.to_string()).await;
        assert_eq!(res.status, StatusCode::OK, "at {seq}: {res:?}");
        let state = res.json();
        assert_eq!(state["match_id"], id);
        assert_eq!(state["seq"], seq);
        let inn = &state["innings"][innings];
        assert_eq!(
            (&inn["runs"], &inn["wickets"], &inn["balls"]),
            (
                &Value::from(runs),
                &Value::from(wickets),
                &Value::from(legal)
            ),
            "delivery {k} (seq {seq}) of innings {}",
            innings + 1
        );
        assert!(
            state["innings"].as_array().expect("innings").len() == innings + 1,
            "no later innings at seq {seq}"
        );
    }

    // The same seq again is kept, not replayed; its tag revalidates.
    let seq = ball_seqs[10];
    let first = at(&app, id, &seq.to_string()).await;
    let again = at(&app, id, &seq.to_string()).await;
    assert_eq!(again.header("x-cache"), Some("past"));
    assert_eq!(again.body, first.body);
    let etag = again.header("etag").expect("an ETag").to_owned();
    let epoch = again.json()["epoch"].as_i64().expect("epoch");
    assert_eq!(etag, format!("\"{epoch}-at-{seq}\""));
    let revalidated = app
        .answer(
            app.client
                .get(app.url(&format!("/api/matches/{id}/live?at={seq}")))
                .header("If-None-Match", &etag),
        )
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);

    // At the last seq, the state is the live one.
    let live = app.live_json(id).await;
    let last = live["seq"].as_i64().expect("seq");
    assert_eq!(at(&app, id, &last.to_string()).await.json(), live);

    // Before any event: the match as set up.
    let opening = at(&app, id, "0").await.json();
    assert_eq!(opening["seq"], 0);
    assert_eq!(opening["status"], "not_started");

    // Bad seqs are problems, and change nothing.
    let beyond = at(&app, id, &(last + 1).to_string()).await;
    assert_eq!(beyond.status, StatusCode::NOT_FOUND, "{beyond:?}");
    assert_eq!(
        beyond.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(beyond.json()["current_seq"], last);
    for bad in ["-1", "abc", "1.5", "99999999999999999999"] {
        let res = at(&app, id, bad).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "at={bad}: {res:?}");
        assert_eq!(res.json()["type"], "/problems/invalid-field", "at={bad}");
    }
    let missing = app.get("/api/matches/987654/live?at=1").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(app.live_json(id).await, live, "nothing moved");

    // A later undo is a new event: the past stays as it stood.
    let before_undo = at(&app, id, &last.to_string()).await.json();
    app.undo(id).await;
    assert_eq!(at(&app, id, &last.to_string()).await.json(), before_undo);
    assert_ne!(
        at(&app, id, &(last + 1).to_string()).await.json(),
        before_undo
    );
}
