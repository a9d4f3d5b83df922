//! Nodes as separate processes: the built `crease serve` binary on a port of its own, sharing
//! one test database and one Redis key prefix, so fan-out crosses a real process boundary and
//! the command line is tested as an operator runs it. A node is killed when dropped;
//! `terminate()` sends SIGTERM to watch it drain.
//!
//! Only the calling test knows where Cargo put the binary (`env!("CARGO_BIN_EXE_crease")`
//! exists only there), so it names it once, in [`Shared`].

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::app::Fixture;
use crate::db::{postgres_store, TestDb};
use crate::metrics::metric_sum;
pub use crate::redis::redis_direct;
use crate::redis::{delete_keys, random_prefix};
use crate::scorer::{InningsModel, Sides};
use crate::wait::{eventually, DEADLINE};
use crate::ADMIN_TOKEN;

/// What every node of a cluster shares: the binary, the database and the Redis prefix. Nodes
/// are dropped (killed) before the database, which is dropped with `FORCE` after them.
pub struct Shared {
    /// The `crease` binary, as the calling test's `env!("CARGO_BIN_EXE_crease")` names it.
    pub bin: &'static str,
    pub db: TestDb,
    pub redis_prefix: String,
}

impl Shared {
    /// A fresh, migrated Postgres database for nodes of `bin`.
    pub async fn new(bin: &'static str) -> Shared {
        Shared::on(bin, postgres_store().await)
    }

    /// Nodes of `bin` on `db`, as the caller made it (empty, migrated, filled...).
    pub fn on(bin: &'static str, db: TestDb) -> Shared {
        crate::app::init_tracing();
        Shared {
            bin,
            db,
            redis_prefix: random_prefix(),
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
        delete_keys(&self.redis_prefix);
    }
}

pub struct Node {
    pub base: String,
    port: u16,
    pub client: reqwest::Client,
    child: Child,
    /// Where the node's output goes, when the test reads its log.
    log: Option<PathBuf>,
}

/// What a node is started with beyond the shared parts.
#[derive(Default)]
struct Launch<'a> {
    redis_url: Option<&'a str>,
    env: &'a [(&'a str, &'a str)],
    args: &'a [&'a str],
    log: Option<PathBuf>,
}

/// A port nobody holds right now: bind :0, read it, let it go.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn log_path() -> PathBuf {
    std::env::temp_dir().join(format!("crease_t_{:016x}.log", rand::random::<u64>()))
}

impl Node {
    /// Starts a node on the shared database; `redis_url` `None` runs it without Redis.
    /// `env` adds or overrides variables. Returns once `/readyz` answers 200.
    pub async fn start(shared: &Shared, redis_url: Option<&str>, env: &[(&str, &str)]) -> Node {
        let launch = Launch {
            redis_url,
            env,
            ..Launch::default()
        };
        Self::launch(shared, &launch).await
    }

    /// Like [`start`](Self::start), with the node's log written to a file for [`log`](Self::log).
    pub async fn start_logged(shared: &Shared, redis_url: Option<&str>) -> Node {
        Self::start_logged_with(shared, redis_url, &[]).await
    }

    /// Like [`start_logged`](Self::start_logged), with variables added or overridden.
    pub async fn start_logged_with(
        shared: &Shared,
        redis_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> Node {
        let launch = Launch {
            redis_url,
            env,
            log: Some(log_path()),
            ..Launch::default()
        };
        Self::launch(shared, &launch).await
    }

    /// `crease serve ARGS` without Redis, as an operator starts it from the command line.
    pub async fn serve(shared: &Shared, args: &[&str]) -> Node {
        let launch = Launch {
            args,
            ..Launch::default()
        };
        Self::launch(shared, &launch).await
    }

    /// `crease serve` without Redis on `port`, which must be free: a node coming back on the
    /// address it had.
    pub async fn serve_on(shared: &Shared, port: u16) -> Node {
        Self::spawn(shared, &Launch::default(), port)
            .ready()
            .await
            .unwrap_or_else(|| panic!("crease serve exited early on port {port}"))
    }

    /// What the node has logged so far (only for a node from [`start_logged`](Self::start_logged)).
    pub fn log(&self) -> String {
        let path = self.log.as_ref().expect("a node started with a log file");
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Starts the process on a free port and waits until it is ready. A port taken by another
    /// test between choosing and binding it makes the process exit; it is started again on
    /// another port.
    async fn launch(shared: &Shared, launch: &Launch<'_>) -> Node {
        for _ in 0..5 {
            let node = Self::spawn(shared, launch, free_port());
            if let Some(node) = node.ready().await {
                return node;
            }
        }
        panic!("the crease binary could not bind a port in five tries");
    }

    fn spawn(shared: &Shared, launch: &Launch<'_>, port: u16) -> Node {
        let mut cmd = Command::new(shared.bin);
        cmd.arg("serve")
            .args(launch.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn,redis=error".into()),
            )
            .env("CREASE_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", &shared.db.url)
            .env("CREASE_REDIS_PREFIX", &shared.redis_prefix)
            .env("CREASE_ADMIN_TOKEN", ADMIN_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(path) = &launch.log {
            // The log goes to whichever stream the subscriber writes, so both are kept.
            let file = std::fs::File::create(path).expect("a log file");
            cmd.stdout(file.try_clone().expect("a log file"))
                .stderr(file);
        }
        if let Some(url) = launch.redis_url {
            cmd.env("REDIS_URL", url);
        }
        for (k, v) in launch.env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the crease binary starts");
        Node {
            base: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .timeout(DEADLINE)
                // The node closes a connection idle for its 10 s header timeout; a pooled
                // connection reused at that moment fails mid-request, so let go sooner.
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .expect("client"),
            child,
            log: launch.log.clone(),
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
                if !crate::port_owner::listens_on(pid, port) {
                    return None;
                }
                let ok = client.get(url).send().await.ok()?.status() == StatusCode::OK;
                ok.then_some(false)
            }
        })
        .await;
        (!exited).then_some(self)
    }

    /// SIGKILL, and the process reaped: a node that dies mid-match.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the node");
        self.child.wait().expect("the node exits");
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
