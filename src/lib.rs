//! Crease: a live cricket score server.
//!
//! The modules in the order a ball flows through them:
//!
//! - [`server`]: the accept loop; [`server::Admission`] takes or refuses each connection.
//! - [`http`]: the routes, extractors and pages, sharing [`http::state`]; [`http::error`] turns
//!   every refusal into problem+json.
//! - [`ingest`]: a scorer's event loaded, applied and appended once, in seq order per match.
//! - [`domain`]: the Laws of cricket, pure: the engine that applies an event to a match.
//! - [`store`]: PostgreSQL or SQLite: fixtures, tokens, the event log and its snapshots.
//! - [`cache`]: snapshot tiers (L1 in memory, Redis) with single-flight misses and repair.
//! - [`message`]: snapshot bodies and realtime messages, serialized once, and the readers of
//!   their opening bytes.
//! - [`bus`]: how a stored event reaches every node (in-process, Redis pub/sub, or Postgres
//!   NOTIFY while Redis is away); [`redis_link`]: one managed Redis connection and its health.
//! - [`hub`]: each match's fan-out on a node, to its WebSocket and SSE sockets, with a ring of
//!   recent messages for clients that resume.
//! - [`webhooks`]: notices a stored event queued for subscribers, signed and sent from the
//!   database's queue by whichever node leases them.
//!
//! Around them, the node itself: [`config`] (flags and environment), [`startup`] (a node built
//! from its config and run until stopped), [`shutdown`]
//! (the graceful drain) and [`telemetry`] (logs and metrics). And the commands: [`cli`] (the
//! `crease` subcommands, one file each), [`fixtures`] (Cricsheet matches checked, cut and
//! stored through ingest; the bundled ones), [`demo`] (a bundled match kept going live) and
//! [`replay`] (a match posted ball by ball through the public HTTP API).

pub use crease_domain as domain;

pub mod allocator;
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
pub mod redis_conn;
pub mod redis_link;
pub mod replay;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;
