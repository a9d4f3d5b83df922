//! Cross-cutting layers: requests counted by route and status, and any plain-text refusal
//! (axum's own: a bad path, a body over the limit, a timeout, a wrong method) rewritten as
//! problem+json so that every error a client sees has one shape.

use axum::extract::{MatchedPath, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::error::problem_response;

/// Longest plain-text refusal body carried over as the problem's detail.
const MAX_DETAIL: usize = 1024;

pub async fn count_and_problemize(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| intern(p.as_str()));
    let res = next.run(req).await;
    let status = res.status();
    metrics::counter!(
        "crease_http_requests_total",
        "route" => route,
        "status" => intern(status.as_str())
    )
    .increment(1);
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // Only plain text (or nothing) is axum's own refusal. A problem is already in shape, and
    // JSON is a route's deliberate answer (`/readyz` reports its state with 200 or 503 alike).
    let is_plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|ct| ct.as_bytes().starts_with(b"text/"));
    if !is_plain {
        return res;
    }
    let (parts, body) = res.into_parts();
    let detail = match axum::body::to_bytes(body, MAX_DETAIL).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).into_owned(),
        _ => parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_owned(),
    };
    let code = match parts.status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body-too-large",
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    };
    let mut rewritten = problem_response(parts.status, code, detail, None, None);
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

/// Route templates and status codes as `'static` labels, so counting a request allocates
/// nothing. Both sets are finite (the router's templates, the status codes), so this never grows
/// past a few dozen entries.
fn intern(s: &str) -> &'static str {
    static SEEN: std::sync::OnceLock<dashmap::DashMap<Box<str>, &'static str>> =
        std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(dashmap::DashMap::new);
    if let Some(found) = seen.get(s) {
        return *found;
    }
    *seen
        .entry(s.into())
        .or_insert_with(|| Box::leak(s.to_owned().into_boxed_str()))
}

/// The fallback for unknown routes.
pub async fn not_found(req: Request) -> Response {
    problem_response(
        StatusCode::NOT_FOUND,
        "not-found",
        format!("no route for {} {}", req.method(), req.uri().path()),
        None,
        None,
    )
}
