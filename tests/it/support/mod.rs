//! Shared test scaffolding: databases, servers, clients.

pub mod app;
pub mod db;
pub mod live_client;
pub mod node_process;
pub mod port_owner;
pub mod redis_proxy;
pub mod redis_server;
pub mod scorer;
