//! What every handler shares. Every extractor and middleware clones it per request, so it is
//! one `Arc`: a clone is one atomic increment, not one per piece.

use std::sync::Arc;

use crate::bus::{Bus, BusInUse};
use crate::cache::SnapshotCache;
use crate::config::ServeConfig;
use crate::hub::Hubs;
use crate::ingest::Scoring;
use crate::redis_link::RedisLink;
use crate::shutdown::Shutdown;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

pub struct Shared {
    pub config: Arc<ServeConfig>,
    pub store: Store,
    pub cache: Arc<SnapshotCache>,
    pub bus: Bus,
    /// Which bus is carrying messages right now, as `/readyz` reports it.
    pub bus_in_use: Arc<BusInUse>,
    pub redis: Option<Arc<RedisLink>>,
    pub scoring: Arc<Scoring>,
    pub hubs: Arc<Hubs>,
    /// Only its digest is kept, compared in constant time.
    pub admin_token: crate::http::auth::SecretDigest,
    /// Failed authentications per client address, for the 429 past the limit.
    pub auth_failures: Arc<crate::http::auth_failures::AuthFailures>,
    pub origins: crate::http::origins::AllowedOrigins,
    /// When set, `/metrics` wants it as a bearer token.
    pub metrics_token: Option<crate::http::auth::SecretDigest>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub shutdown: Shutdown,
}
