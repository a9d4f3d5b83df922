//! Shared test scaffolding: databases, servers, clients.

pub mod app;
pub mod db;
pub mod redis_proxy;
pub mod scorer;
