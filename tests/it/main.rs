//! Integration tests: one binary, real servers.

mod store;
mod support;
