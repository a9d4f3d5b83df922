//! Integration tests: one binary, real servers.

mod api;
mod bus;
mod cluster;
mod edges;
mod faults;
mod read_path;
mod realtime;
mod redis_fault;
mod security;
mod store;
mod support;
mod webhooks;
mod ws_fuzz;
