//! Shared test scaffolding: databases, servers, clients.

pub mod db;
