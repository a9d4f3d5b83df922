//! Which web origins may use this node from a browser: the WebSocket and SSE streams refuse any
//! other `Origin` with 403, and the read API's CORS answers name allowed origins only.
//!
//! With none configured, only the node's own origin (the `Host` it was asked under) is allowed,
//! which is all the bundled pages need. A request without `Origin` is not from a page (a browser
//! sends one on every cross-origin request and every WebSocket), so it is not refused: the
//! header protects users' browsers, not the server, and any other client can forge it.

use axum::http::{header, HeaderMap, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::http::error::ApiError;

#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    /// `*` was configured: any origin.
    any: bool,
    /// Normalized `scheme://host[:port]`, lowercase, default ports dropped.
    listed: Vec<String>,
}

impl AllowedOrigins {
    pub fn new(configured: &[String]) -> Self {
        let mut this = Self::default();
        for o in configured
            .iter()
            .map(|o| o.trim())
            .filter(|o| !o.is_empty())
        {
            if o == "*" {
                this.any = true;
            } else {
                this.listed.push(normalize(o));
            }
        }
        this
    }

    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if self.any {
            return true;
        }
        let origin = normalize(origin);
        self.listed.contains(&origin) || same_origin(&origin, headers)
    }

    /// 403 for a page from an origin not allowed.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.allows(headers) {
            Ok(())
        } else {
            metrics::counter!("crease_origin_refused_total").increment(1);
            Err(ApiError::OriginNotAllowed)
        }
    }

    /// CORS for reads only: no credentials and no `Authorization`, so a page elsewhere can show
    /// the score but never write. `None` when only the node's own origin is allowed (which
    /// needs no CORS).
    pub fn cors(&self) -> Option<CorsLayer> {
        let allow = if self.any {
            AllowOrigin::any()
        } else if self.listed.is_empty() {
            return None;
        } else {
            let listed = self.listed.clone();
            AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                origin
                    .to_str()
                    .is_ok_and(|o| listed.contains(&normalize(o)))
            })
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::HEAD])
                .allow_headers([
                    header::IF_NONE_MATCH,
                    "last-event-id".parse().expect("name"),
                ])
                .expose_headers([
                    header::ETAG,
                    header::RETRY_AFTER,
                    "x-cache".parse().expect("name"),
                ])
                .max_age(std::time::Duration::from_secs(600)),
        )
    }
}

/// `Scheme://Host:443/` → `scheme://host`: the forms one origin can be written in compare equal.
fn normalize(origin: &str) -> String {
    let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if o.starts_with(scheme) {
            if let Some(bare) = o.strip_suffix(port) {
                return bare.to_owned();
            }
        }
    }
    o
}

/// Whether the origin's host and port are those the request was sent to. The scheme is not
/// compared: a proxy that ends TLS asks the node over plain HTTP under the same `Host`.
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let Some(authority) = origin.split_once("://").map(|(_, a)| a) else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.trim().to_ascii_lowercase();
    let bare = |h: &str| {
        h.strip_suffix(":80")
            .or_else(|| h.strip_suffix(":443"))
            .map(str::to_owned)
            .unwrap_or_else(|| h.to_owned())
    };
    bare(authority) == bare(&host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, origin.parse().unwrap());
        h.insert(header::HOST, host.parse().unwrap());
        h
    }

    #[test]
    fn by_default_only_the_nodes_own_origin() {
        let o = AllowedOrigins::new(&[]);
        assert!(o.allows(&headers(
            "http://scores.example:8080",
            "scores.example:8080"
        )));
        assert!(o.allows(&headers("https://Scores.Example", "scores.example")));
        assert!(o.allows(&headers("https://scores.example:443", "scores.example")));
        assert!(!o.allows(&headers("https://evil.example", "scores.example")));
        assert!(!o.allows(&headers(
            "http://scores.example:9000",
            "scores.example:8080"
        )));
        assert!(!o.allows(&headers("null", "scores.example")));
        assert!(o.allows(&HeaderMap::new()), "no Origin: not a page");
        assert!(o.cors().is_none());
    }

    #[test]
    fn listed_origins_and_any() {
        let o = AllowedOrigins::new(&["https://club.example/".into(), " ".into()]);
        assert!(o.allows(&headers("https://club.example", "scores.example")));
        assert!(o.allows(&headers("https://CLUB.example:443", "scores.example")));
        assert!(!o.allows(&headers("http://club.example", "scores.example")));
        assert!(o.cors().is_some());
        let any = AllowedOrigins::new(&["*".into()]);
        assert!(any.allows(&headers("https://anyone.example", "scores.example")));
    }
}
