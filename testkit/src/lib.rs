//! One way for every test of the workspace to get a Crease node: the server's own integration
//! tests, its command-line tests and the load instrument's tests all start theirs here.
//!
//! - [`db`]: a fresh Postgres database or SQLite file per test, removed on drop.
//! - [`app`]: a node in the test's own process (`App`), with a client and scoring helpers.
//! - [`on_both_stores!`]: one test body run on Postgres and on SQLite, as two named tests.
//! - [`process`]: the built `crease serve` binary as a child process, on a port of its own.
//! - [`scorer`]: a model of an innings that writes legal balls without asking the server.
//! - [`wait`]: the one deadline a test waits under, and polling until something holds.
//! - [`metrics`]: a metric's value read from Prometheus text.
//! - [`redis`]: where the test Redis is, and cleaning a node's keys out of it.
//! - [`redis_cluster`]: the shared Redis Cluster, and private ones for tests that break theirs.
//! - [`port_owner`]: whether a process is the one listening on a port.

pub mod app;
pub mod db;
mod dialects;
pub mod metrics;
pub mod port_owner;
pub mod process;
pub mod redis;
pub mod redis_cluster;
pub mod scorer;
pub mod wait;

/// The admin token every node started here is given.
pub const ADMIN_TOKEN: &str = "test-admin-token";
