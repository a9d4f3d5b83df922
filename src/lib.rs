//! Crease: a live cricket score server.
//!
//! Data flows one way: a scorer's POST → [`ingest`] → [`domain`] (the Laws, pure) → [`store`]
//! (events and snapshot, one transaction) → [`cache`] (L1 and Redis) → [`bus`] (every node) →
//! clients.
//!
//! - [`config`]: flags and environment, one struct per command.
//! - [`startup`]: [`startup::App`], a node built from its config, run until stopped.
//! - [`state`]: what every handler shares.
//! - [`ingest`]: a scorer's event loaded, applied and appended once, in seq order per match.
//! - [`message`]: snapshot bodies and realtime messages, serialized once.
//! - [`store`]: PostgreSQL or SQLite: fixtures, tokens, the event log.
//! - [`cache`]: snapshot tiers with single-flight misses and Redis repair.
//! - [`bus`]: how events reach every node (in-process or Redis pub/sub).
//! - [`redis_link`]: one managed Redis connection and its health.
//! - [`http`]: the routes, and [`http::error`]: problem+json.
//! - [`cli`]: the `crease` subcommands apart from the node, one file each.
//! - [`fixtures`]: Cricsheet matches checked, cut and stored through ingest; the bundled ones.
//! - [`demo`]: `crease serve --demo`, a bundled match kept going live, ball by ball.
//! - [`replay`]: a match posted ball by ball through the public HTTP API.

pub use crease_domain as domain;

pub mod bus;
pub mod cache;
pub mod cli;
pub mod config;
pub mod demo;
pub mod fixtures;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod message;
pub mod redis_link;
pub mod replay;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
