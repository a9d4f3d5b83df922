//! Crease: a live cricket score server.

pub use crease_domain as domain;
pub mod scorecard;
pub mod store;
