//! Nodes as separate processes: the built `crease serve` binary on a port of its own, sharing
//! one test database and one Redis key prefix, so fan-out crosses a real process boundary.
//! A node is killed when dropped; `terminate()` sends SIGTERM to watch it drain.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::app::{eventually, metric_sum, Fixture, ADMIN_TOKEN, DEADLINE};
use super::db::{postgres_store, TestDb};
use super::redis_proxy::redis_addr;
use super::scorer::{InningsModel, Sides};

/// What every node of a cluster shares: the database and the Redis prefix. Nodes are dropped
/// (killed) before the database, which is dropped with `FORCE` after them.
pub struct Shared {
    pub db: TestDb,
    pub redis_prefix: String,
}

impl Shared {
    pub async fn new() -> Shared {
        super::app::init_tracing();
        Shared {
            db: postgres_store().await,
            redis_prefix: format!("crease-t-{:016x}:", rand::random::<u64>()),
        }
    }

    /// The snapshot Redis holds for a match, read from the real Redis.
    pub async fn redis_snapshot(&self, match_id: i64) -> Option<Vec<u8>> {
        let mut c = redis_direct().await;
        redis::cmd("GET")
            .arg(format!("{}match:{match_id}:live", self.redis_prefix))
            .query_async(&mut c)
            .await
            .expect("GET")
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(format!("redis://{}", redis_addr())) else {
            return;
        };
        let Ok(mut c) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.redis_prefix))
            .query(&mut c)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut c);
        }
    }
}

pub async fn redis_direct() -> redis::aio::MultiplexedConnection {
    redis::Client::open(format!("redis://{}", redis_addr()))
        .expect("redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("direct Redis connection")
}

pub struct Node {
    pub base: String,
    port: u16,
    pub client: reqwest::Client,
    child: Child,
    /// Where the node's output goes, when the test reads its log.
    log: Option<std::path::PathBuf>,
}

/// A port nobody holds right now: bind :0, read it, let it go.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Node {
    /// Starts a node on the shared database; `redis_url` `None` runs it without Redis.
    /// `env` adds or overrides variables. Returns once `/readyz` answers 200.
    pub async fn start(shared: &Shared, redis_url: Option<&str>, env: &[(&str, &str)]) -> Node {
        Self::launch(shared, redis_url, env, None).await
    }

    /// Like [`start`](Self::start), with the node's log written to a file for [`log`](Self::log).
    pub async fn start_logged(shared: &Shared, redis_url: Option<&str>) -> Node {
        let path =
            std::env::temp_dir().join(format!("crease_t_{:016x}.log", rand::random::<u64>()));
        Self::launch(shared, redis_url, &[], Some(path)).await
    }

    /// Like [`start_logged`](Self::start_logged), with variables added or overridden.
    pub async fn start_logged_with(
        shared: &Shared,
        redis_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> Node {
        let path =
            std::env::temp_dir().join(format!("crease_t_{:016x}.log", rand::random::<u64>()));
        Self::launch(shared, redis_url, env, Some(path)).await
    }

    /// What the node has logged so far (only for a node from [`start_logged`](Self::start_logged)).
    pub fn log(&self) -> String {
        let path = self.log.as_ref().expect("a node started with a log file");
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Starts the process on a free port and waits until it is ready. A port taken by another
    /// test between choosing and binding it makes the process exit; it is started again on
    /// another port.
    async fn launch(
        shared: &Shared,
        redis_url: Option<&str>,
        env: &[(&str, &str)],
        log: Option<std::path::PathBuf>,
    ) -> Node {
        for _ in 0..5 {
            let node = Self::spawn(shared, redis_url, env, free_port(), log.clone());
            if let Some(node) = node.ready().await {
                return node;
            }
        }
        panic!("the crease binary could not bind a port in five tries");
    }

    fn spawn(
        shared: &Shared,
        redis_url: Option<&str>,
        env: &[(&str, &str)],
        port: u16,
        log: Option<std::path::PathBuf>,
    ) -> Node {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crease"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            )
            .env("CREASE_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", &shared.db.url)
            .env("CREASE_REDIS_PREFIX", &shared.redis_prefix)
            .env("CREASE_ADMIN_TOKEN", ADMIN_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(path) = &log {
            // The log goes to whichever stream the subscriber writes, so both are kept.
            let file = std::fs::File::create(path).expect("a log file");
            cmd.stdout(file.try_clone().expect("a log file"))
                .stderr(file);
        }
        if let Some(url) = redis_url {
            cmd.env("REDIS_URL", url);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the crease binary starts");
        Node {
            base: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .timeout(DEADLINE)
                .build()
                .expect("client"),
            child,
            log,
        }
    }

    /// The node once it listens on its port and `/readyz` answers 200; `None` if it exited.
    async fn ready(mut self) -> Option<Node> {
        let url = self.url("/readyz");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        let (pid, port) = (self.pid(), self.port);
        let exited = eventually("the node process to be ready", || {
            let exited = self.child.try_wait().expect("try_wait").is_some();
            let client = &client;
            let url = &url;
            async move {
                if exited {
                    return Some(true);
                }
                if !super::port_owner::listens_on(pid, port) {
                    return None;
                }
                let ok = client.get(url).send().await.ok()?.status() == StatusCode::OK;
                ok.then_some(false)
            }
        })
        .await;
        (!exited).then_some(self)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// SIGTERM, as an orchestrator stops a node.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "SIGTERM delivered");
    }

    /// Waits for the process to exit (after `terminate`); returns whether it exited cleanly.
    pub async fn wait_exit(&mut self) -> bool {
        eventually("the node process to exit", || {
            let done = self.child.try_wait().expect("try_wait");
            async move { done.map(|s| s.success()) }
        })
        .await
    }

    /// The process's resident set in KiB, from `/proc/<pid>/status`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("the node's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub async fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let res = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics");
        let text = res.text().await.expect("metrics body");
        metric_sum(&text, name, labels)
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let res = self.client.get(self.url(path)).send().await.expect("GET");
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.expect("JSON")
    }

    /// POSTs with the admin token; the answer must be 201.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let res = self
            .client
            .post(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = res.status();
        let text = res.text().await.expect("body");
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// A made-up T20 (Hawks v Owls) whose first innings has begun: seq 1.
    pub async fn started_match(&self) -> Fixture {
        let f = self.created_match().await;
        self.start_innings(&f).await;
        f
    }

    /// Opens the fixture's first innings: seq 1.
    pub async fn start_innings(&self, f: &Fixture) {
        self.post(
            &format!("/api/matches/{}/events", f.id),
            &f.innings.innings_start(),
        )
        .await;
    }

    /// The match of [`started_match`](Self::started_match) before anything has happened in it.
    pub async fn created_match(&self) -> Fixture {
        let sides = Sides::new("Hawks", "Owls");
        let created = self
            .post(
                "/api/matches",
                &json!({
                    "format": "t20",
                    "overs": 20,
                    "venue": "The Oval",
                    "teams": [
                        { "name": sides.batting, "players": sides.batters },
                        { "name": sides.bowling, "players": sides.bowlers },
                    ],
                }),
            )
            .await;
        Fixture {
            id: created["id"].as_i64().expect("match id"),
            innings: InningsModel::new(sides),
        }
    }

    /// Scores the model's next `n` balls; returns the last stored seq.
    pub async fn score(&self, f: &mut Fixture, n: usize) -> i64 {
        let mut seq = 0;
        for _ in 0..n {
            let runs = f.innings.next_runs();
            let stored = self
                .post(
                    &format!("/api/matches/{}/balls", f.id),
                    &f.innings.ball_with(runs),
                )
                .await;
            f.innings.accept(runs);
            seq = stored["seq"].as_i64().expect("seq");
        }
        seq
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = &self.log {
            let _ = std::fs::remove_file(path);
        }
    }
}
