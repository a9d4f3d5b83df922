//! Real Redis Clusters for the tests: the shared one the test command starts (three primaries,
//! three replicas, on loopback ports), and private ones a test starts for itself when it kills a
//! primary or moves a slot, so that no other test sees the fault.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The shared cluster's seed nodes unless `CREASE_TEST_REDIS_CLUSTER` says otherwise (the test
/// command starts it there).
pub const DEFAULT_CLUSTER: &str =
    "redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103";

/// The shared cluster's URLs, comma-separated, as `REDIS_URL` takes them. A cluster that is not
/// there fails the test, saying so; it is never skipped.
pub async fn shared_cluster() -> String {
    let urls =
        std::env::var("CREASE_TEST_REDIS_CLUSTER").unwrap_or_else(|_| DEFAULT_CLUSTER.to_owned());
    let first = urls.split(',').next().unwrap_or_default().to_owned();
    let state = tokio::task::spawn_blocking(move || cluster_state(&first))
        .await
        .expect("probe");
    if state.as_deref() != Some("ok") {
        panic!(
            "no Redis Cluster answers at {urls} (cluster_state {state:?}). These tests need a \
             real one: ./scripts/test.sh starts it (scripts/redis-cluster.sh), or point \
             CREASE_TEST_REDIS_CLUSTER at one."
        );
    }
    urls
}

/// How many clients Redis itself holds subscribed to the sharded `channel`, summed over every
/// node of the cluster that `url` belongs to (`PUBSUB SHARDNUMSUB` answers for one node).
pub async fn shard_subscribers(url: &str, channel: &str) -> i64 {
    let (url, channel) = (url.to_owned(), channel.to_owned());
    tokio::task::spawn_blocking(move || {
        let conn = |u: &str| {
            redis::Client::open(u)
                .expect("redis URL")
                .get_connection_with_timeout(Duration::from_secs(2))
                .expect("a cluster node answers")
        };
        let nodes: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut conn(&url))
            .expect("CLUSTER NODES");
        nodes
            .lines()
            .filter_map(|l| l.split(' ').nth(1)?.split('@').next().map(str::to_owned))
            .map(|addr| {
                let (_, n): (String, i64) = redis::cmd("PUBSUB")
                    .arg("SHARDNUMSUB")
                    .arg(&channel)
                    .query(&mut conn(&format!("redis://{addr}")))
                    .expect("PUBSUB SHARDNUMSUB");
                n
            })
            .sum()
    })
    .await
    .expect("probe")
}

fn cluster_state(url: &str) -> Option<String> {
    let client = redis::Client::open(url).ok()?;
    let mut c = client
        .get_connection_with_timeout(Duration::from_secs(1))
        .ok()?;
    let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut c).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("cluster_state:"))
        .map(|s| s.trim().to_owned())
}

/// One node of a private cluster.
pub struct Node {
    pub port: u16,
    child: Option<Child>,
}

/// A cluster of its own for one test: three primaries with a replica each, removed on drop.
pub struct PrivateCluster {
    pub nodes: Vec<Node>,
    dir: PathBuf,
}

/// Ports of six nodes whose cluster-bus ports (+10000) are free too.
fn free_ports(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    while ports.len() < n {
        let port = 20_000 + (rand::random::<u16>() % 20_000);
        let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
        if !ports.contains(&port) && free(port) && free(port + 10_000) {
            ports.push(port);
        }
    }
    ports
}

fn start_node(dir: &std::path::Path, port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", &format!("nodes-{port}.conf")])
        // Failover within a couple of seconds of a primary going, for a test's sake.
        .args(["--cluster-node-timeout", "1000"])
        .args(["--cluster-replica-validity-factor", "0"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts (is it installed?)")
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl PrivateCluster {
    /// Starts six nodes and joins them as three primaries with a replica each; returns once
    /// every slot is served and every replica has synced.
    pub async fn start() -> PrivateCluster {
        tokio::task::spawn_blocking(Self::start_blocking)
            .await
            .expect("cluster start")
    }

    fn start_blocking() -> PrivateCluster {
        let dir = std::env::temp_dir().join(format!("crease-cluster-{:x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("cluster dir");
        let ports = free_ports(6);
        let nodes: Vec<Node> = ports
            .iter()
            .map(|&port| Node {
                port,
                child: Some(start_node(&dir, port)),
            })
            .collect();
        let cluster = PrivateCluster { nodes, dir };
        for &port in &ports {
            cluster.wait(&format!("node {port} answers"), || {
                cli(port, &["PING"]).trim() == "PONG"
            });
        }
        let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        cluster.wait("every node says the cluster is ok", || {
            ports
                .iter()
                .all(|&p| cli(p, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
        });
        cluster.wait("three replicas in sync", || {
            ports
                .iter()
                .filter(|&&p| {
                    let info = cli(p, &["INFO", "replication"]);
                    info.contains("role:slave") && info.contains("master_link_status:up")
                })
                .count()
                == 3
        });
        cluster
    }

    fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok() {
            assert!(
                Instant::now() < deadline,
                "cluster: waited too long for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// As `wait`, but sleeping on the runtime: the nodes under test run on it meanwhile. Each
    /// check is a `redis-cli` call of a few milliseconds.
    async fn wait_async(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok() {
            assert!(
                Instant::now() < deadline,
                "cluster: waited too long for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `REDIS_URL` for a node: every primary and replica, comma-separated.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn alive(&self) -> impl Iterator<Item = u16> + '_ {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| n.port)
    }

    /// The port of the primary serving `key`'s slot now.
    pub fn primary_of(&self, key: &str) -> u16 {
        let slot = self.slot_of(key);
        self.owner_of_slot(slot)
            .unwrap_or_else(|| panic!("no primary serves slot {slot}"))
    }

    pub fn slot_of(&self, key: &str) -> u16 {
        let port = self.alive().next().expect("a live node");
        cli(port, &["CLUSTER", "KEYSLOT", key])
            .trim()
            .parse()
            .expect("slot")
    }

    fn owner_of_slot(&self, slot: u16) -> Option<u16> {
        let port = self.alive().next().expect("a live node");
        for line in cli(port, &["CLUSTER", "NODES"]).lines() {
            let f: Vec<&str> = line.split(' ').collect();
            if f.len() < 9 || !f[2].contains("master") || f[2].contains("fail") {
                continue;
            }
            let owns = f[8..].iter().any(|range| match range.split_once('-') {
                Some((a, b)) => {
                    a.parse::<u16>().is_ok_and(|a| a <= slot)
                        && b.parse::<u16>().is_ok_and(|b| slot <= b)
                }
                None => range.parse::<u16>().is_ok_and(|s| s == slot),
            });
            if owns {
                let addr = f[1].split('@').next().unwrap_or_default();
                return addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
            }
        }
        None
    }

    /// Kills the primary serving `key` (SIGKILL: no goodbye to anyone) and waits until its
    /// replica has been promoted and the cluster is ok again; returns the dead node's port.
    pub async fn kill_primary_of(&mut self, key: &str) -> u16 {
        let port = self.primary_of(key);
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("node");
        let mut child = node.child.take().expect("alive");
        child.kill().expect("kill");
        child.wait().expect("reaped");
        let slot = self.slot_of(key);
        self.wait_async("a replica promoted in the dead primary's place", || {
            self.alive()
                .all(|p| cli(p, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
                && self.owner_of_slot(slot).is_some_and(|owner| owner != port)
        })
        .await;
        port
    }

    /// Moves `key`'s slot, with its keys, to another primary, as `redis-cli --cluster reshard`
    /// does one slot at a time; returns the new owner's port.
    pub async fn migrate_slot_of(&self, key: &str) -> u16 {
        let slot = self.slot_of(key).to_string();
        let from = self.primary_of(key);
        let id = |port: u16| cli(port, &["CLUSTER", "MYID"]).trim().to_owned();
        let to = self
            .alive()
            .find(|&p| p != from && cli(p, &["ROLE"]).starts_with("master"))
            .expect("another primary");
        let (from_id, to_id) = (id(from), id(to));
        cli(to, &["CLUSTER", "SETSLOT", &slot, "IMPORTING", &from_id]);
        cli(from, &["CLUSTER", "SETSLOT", &slot, "MIGRATING", &to_id]);
        loop {
            let keys = cli(from, &["CLUSTER", "GETKEYSINSLOT", &slot, "100"]);
            let keys: Vec<&str> = keys.lines().filter(|k| !k.is_empty()).collect();
            if keys.is_empty() {
                break;
            }
            let port = to.to_string();
            let mut args = vec!["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS"];
            args.extend(keys);
            let out = cli(from, &args);
            assert!(
                out.contains("OK") || out.contains("NOKEY"),
                "MIGRATE: {out}"
            );
        }
        let primaries: Vec<u16> = self
            .alive()
            .filter(|&p| cli(p, &["ROLE"]).starts_with("master"))
            .collect();
        cli(to, &["CLUSTER", "SETSLOT", &slot, "NODE", &to_id]);
        cli(from, &["CLUSTER", "SETSLOT", &slot, "NODE", &to_id]);
        for p in primaries {
            cli(p, &["CLUSTER", "SETSLOT", &slot, "NODE", &to_id]);
        }
        to
    }
}

impl PrivateCluster {
    /// Stops (SIGSTOP) or continues (SIGCONT) every node at once: a cluster that hangs, with
    /// its sockets open, and then comes back as it was.
    pub fn signal_all(&self, stop: bool) {
        for n in &self.nodes {
            if let Some(child) = &n.child {
                let sig = if stop { "-STOP" } else { "-CONT" };
                let _ = Command::new("kill")
                    .args([sig, &child.id().to_string()])
                    .status();
            }
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.signal_all(false);
        for n in &mut self.nodes {
            if let Some(mut c) = n.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
