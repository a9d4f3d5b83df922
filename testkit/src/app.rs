//! `spawn_app`: a real node (`App`) on 127.0.0.1:0 in a tokio task, on a database of its own
//! (Postgres or SQLite), with Redis absent, direct, or behind a cuttable proxy, and a client
//! with helpers for fixtures, balls, `/live` and `/metrics`.
//!
//! Each node gets a random Redis key prefix so tests share one Redis without seeing each
//! other's keys; the keys are deleted when the `TestApp` drops.

use std::sync::Arc;

use bytes::Bytes;
use crease::config::{CacheMode, ServeConfig};
use crease::http::state::AppState;
use crease::startup::App;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::db::{fresh_store, TestDb};

pub use crate::db::StoreKind;
use crate::redis::{delete_keys, random_prefix, redis_addr};
use crate::scorer::{InningsModel, Sides};

// What the tests reach for beside a node, from where they always found it.
pub use crate::metrics::metric_sum;
pub use crate::redis::assert_redis_reachable;
pub use crate::wait::{eventually, DEADLINE};
pub use crate::ADMIN_TOKEN;

#[derive(Debug, Clone)]
pub enum RedisMode {
    /// In-process cache and bus only.
    Off,
    /// The test Redis itself.
    Direct,
    /// A URL such as a `RedisProxy`'s.
    Via(String),
    /// A Redis Cluster: its nodes' URLs, comma-separated.
    Cluster(String),
}

#[derive(Debug, Clone)]
pub struct AppOptions {
    pub store: StoreKind,
    pub redis: RedisMode,
    pub cache: CacheMode,
    /// Applied to the node's configuration last, for settings a test is about.
    pub configure: fn(&mut ServeConfig),
}

impl AppOptions {
    pub fn new(store: StoreKind) -> AppOptions {
        AppOptions {
            store,
            redis: RedisMode::Off,
            cache: CacheMode::On,
            configure: |_| {},
        }
    }

    pub fn configure(mut self, configure: fn(&mut ServeConfig)) -> AppOptions {
        self.configure = configure;
        self
    }

    pub fn redis(mut self, redis: RedisMode) -> AppOptions {
        self.redis = redis;
        self
    }

    pub fn cache(mut self, cache: CacheMode) -> AppOptions {
        self.cache = cache;
        self
    }
}

pub struct TestApp {
    pub base: String,
    /// `http://…` of the metrics address, when the node was given one.
    pub metrics_base: Option<String>,
    pub client: reqwest::Client,
    pub admin_token: String,
    /// The node's shared state, for what a test must reach behind the API (dropping L1).
    pub state: AppState,
    /// The database the node runs on, opened separately: reads here are the stored truth.
    pub db: Arc<TestDb>,
    pub redis_prefix: String,
    /// Cancelled on drop: the node drains and its task ends with the test's runtime.
    shutdown: CancellationToken,
}

/// A plain answer: status, headers and body bytes.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

pub async fn spawn_app(opts: AppOptions) -> TestApp {
    spawn_app_on(fresh_store(opts.store).await, opts).await
}

/// A node on a database the caller has already filled, as a restarted node finds its own.
pub async fn spawn_app_on(db: TestDb, opts: AppOptions) -> TestApp {
    init_tracing();
    spawn_node(Arc::new(db), random_prefix(), &opts).await
}

/// A node on `db` using Redis keys and channels under `redis_prefix`.
async fn spawn_node(db: Arc<TestDb>, redis_prefix: String, opts: &AppOptions) -> TestApp {
    let mut config = ServeConfig::for_tests(&db.url);
    config.admin_token = Some(ADMIN_TOKEN.into());
    config.cache = opts.cache;
    config.redis_prefix = redis_prefix.clone();
    config.redis_url = match &opts.redis {
        RedisMode::Off => None,
        RedisMode::Direct => {
            let url = format!("redis://{}", redis_addr());
            assert_redis_reachable(&url).await;
            Some(url)
        }
        RedisMode::Via(url) => {
            // The proxy may be cut on purpose; the server behind it must still exist.
            assert_redis_reachable(&format!("redis://{}", redis_addr())).await;
            Some(url.clone())
        }
        RedisMode::Cluster(urls) => {
            config.redis_cluster = true;
            Some(urls.clone())
        }
    };
    (opts.configure)(&mut config);
    let app = App::build(config).await.expect("the node builds");
    let base = format!("http://{}", app.addr());
    let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
    let state = app.state().clone();
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .timeout(DEADLINE)
        .build()
        .expect("client");
    TestApp {
        base,
        metrics_base,
        client,
        admin_token: ADMIN_TOKEN.into(),
        state,
        db,
        redis_prefix,
        shutdown,
    }
}

/// A match created through the API, with the model of its first innings.
pub struct Fixture {
    pub id: i64,
    pub innings: InningsModel,
}

impl TestApp {
    /// A second node on the same database and Redis prefix, as behind a load balancer.
    pub async fn peer(&self, redis: RedisMode) -> TestApp {
        let opts = AppOptions::new(StoreKind::Postgres).redis(redis);
        self.peer_with(&opts).await
    }

    /// A second node on the same database and Redis prefix, built with `opts` (whose store
    /// kind is this node's).
    pub async fn peer_with(&self, opts: &AppOptions) -> TestApp {
        spawn_node(self.db.clone(), self.redis_prefix.clone(), opts).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn answer(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("request reaches the node");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().await.expect("response body");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.answer(self.client.get(self.url(path))).await
    }

    /// GET with the admin token, as an operator reads what only an admin may.
    pub async fn get_admin(&self, path: &str) -> Answer {
        self.answer(
            self.client
                .get(self.url(path))
                .bearer_auth(&self.admin_token),
        )
        .await
    }

    /// POSTs JSON with a bearer token (if any).
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.answer(req).await
    }

    /// Creates a T20 match of `overs` overs between two made-up XIs (Hawks bat first).
    pub async fn create_match(&self, overs: u16) -> Fixture {
        let sides = Sides::new("Hawks", "Owls");
        let body = json!({
            "format": "t20",
            "overs": overs,
            "venue": "The Oval",
            "teams": [
                { "name": sides.batting, "players": sides.batters },
                { "name": sides.bowling, "players": sides.bowlers },
            ],
        });
        let res = self
            .post_json("/api/matches", Some(&self.admin_token), &body)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "create match: {res:?}");
        Fixture {
            id: res.json()["id"].as_i64().expect("match id"),
            innings: InningsModel::new(sides),
        }
    }

    /// A created match whose first innings has begun (seq 1).
    pub async fn started_match(&self, overs: u16) -> Fixture {
        let f = self.create_match(overs).await;
        let res = self
            .post_json(
                &format!("/api/matches/{}/events", f.id),
                Some(&self.admin_token),
                &f.innings.innings_start(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "innings start: {res:?}");
        f
    }

    /// A real match posted through the API: created from the Cricsheet file `text`, then each
    /// of its events posted in order. Returns the match's id and, per event, its scoring route
    /// (`balls`, `events`…) and the seq the log gave it.
    pub async fn post_cricsheet(&self, text: &str) -> (i64, Vec<(&'static str, i64)>) {
        let parsed = crease::domain::cricsheet::parse(text).expect("the match parses");
        let id = self.create_cricsheet_match(&parsed, None).await;
        (id, self.post_events(id, &parsed.events).await)
    }

    /// The match of a parsed Cricsheet file, created through the API (in `tournament_id`, when
    /// given) with no event yet.
    pub async fn create_cricsheet_match(
        &self,
        parsed: &crease::domain::cricsheet::CricsheetMatch,
        tournament_id: Option<i64>,
    ) -> i64 {
        let mut body = crease::replay::create_match_body(parsed);
        if let Some(t) = tournament_id {
            body["tournament_id"] = json!(t);
        }
        let created = self
            .post_json("/api/matches", Some(&self.admin_token), &body)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
        created.json()["id"].as_i64().expect("id")
    }

    /// Posts `events` in order to the match's scoring routes; per event, its route and seq.
    pub async fn post_events(
        &self,
        id: i64,
        events: &[crease::domain::Recorded],
    ) -> Vec<(&'static str, i64)> {
        let mut seqs = vec![];
        for (index, event) in events.iter().enumerate() {
            let (route, body) = crease::domain::wire::scoring_request(event, index as i64);
            let res = self
                .post_json(
                    &format!("/api/matches/{id}/{route}"),
                    Some(&self.admin_token),
                    &body,
                )
                .await;
            assert!(res.status.is_success(), "event {index}: {res:?}");
            seqs.push((route, res.json()["seq"].as_i64().expect("seq")));
        }
        seqs
    }

    /// Undoes the match's last event with the admin token, which must be accepted.
    pub async fn undo(&self, match_id: i64) {
        let res = self
            .post_json(
                &format!("/api/matches/{match_id}/undo"),
                Some(&self.admin_token),
                &json!({}),
            )
            .await;
        assert!(res.status.is_success(), "undo: {res:?}");
    }

    /// A scorer token allowed to score `match_ids`.
    pub async fn scorer_token(&self, match_ids: &[i64]) -> String {
        let res = self
            .post_json(
                "/api/tokens",
                Some(&self.admin_token),
                &json!({ "label": "scorer", "match_ids": match_ids }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "token: {res:?}");
        res.json()["token"].as_str().expect("token").to_owned()
    }

    pub async fn post_ball(&self, match_id: i64, token: &str, ball: &Value) -> Answer {
        self.post_json(&format!("/api/matches/{match_id}/balls"), Some(token), ball)
            .await
    }

    /// Scores the model's next `n` balls with the admin token, each expected to be stored.
    pub async fn score(&self, f: &mut Fixture, n: usize) {
        for _ in 0..n {
            let runs = f.innings.next_runs();
            let res = self
                .post_ball(f.id, &self.admin_token, &f.innings.ball_with(runs))
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "ball: {res:?}");
            f.innings.accept(runs);
        }
    }

    pub async fn live(&self, match_id: i64) -> Answer {
        self.get(&format!("/api/matches/{match_id}/live")).await
    }

    /// `/live` that must answer 200; returns its JSON.
    pub async fn live_json(&self, match_id: i64) -> Value {
        let res = self.live(match_id).await;
        assert_eq!(res.status, StatusCode::OK, "live: {res:?}");
        res.json()
    }

    /// The sum of a counter or gauge over every label set matching `labels`.
    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let res = self.get("/metrics").await;
        assert_eq!(res.status, StatusCode::OK);
        metric_sum(&String::from_utf8_lossy(&res.body), name, labels)
    }

    pub async fn readyz(&self) -> Value {
        self.get("/readyz").await.json()
    }

    /// Waits until the node has Redis up and its bus subscribed: the steady production shape.
    pub async fn wait_redis_up(&self) {
        eventually("redis up and bus subscribed", || async {
            let up = self.readyz().await["redis"] == "up";
            let subscribed = self.metric("crease_bus_subscribed", &[]).await >= 1.0;
            (up && subscribed).then_some(())
        })
        .await;
    }

    /// The stored truth for a match: its seq and snapshot body, read by the test's own pool.
    pub async fn stored(&self, match_id: i64) -> (Option<i64>, Option<Vec<u8>>) {
        let seq = self.db.current_seq(match_id).await.expect("current seq");
        let snap = self.db.snapshot(match_id).await.expect("snapshot");
        (seq, snap.map(|s| s.body))
    }

    /// Every stored event of the match, in order.
    pub async fn events(&self, match_id: i64) -> Vec<crease::store::StoredEvent> {
        self.db
            .events_after(match_id, 0, 10_000)
            .await
            .expect("events")
    }

    /// A connection to the real Redis (not through any proxy), for reading keys directly.
    pub async fn redis_direct(&self) -> redis::aio::MultiplexedConnection {
        crate::redis::redis_direct().await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        delete_keys(&self.redis_prefix);
    }
}
