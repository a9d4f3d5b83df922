//! Cross-cutting layers: requests counted by route and status, and any plain-text refusal
//! (axum's own: a bad path, a body over the limit, a timeout, a wrong method) rewritten as
//! problem+json so that every error a client sees has one shape.

use axum::extract::{MatchedPath, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{problem_response, PROBLEM_JSON};

/// Longest plain-text refusal body carried over as the problem's detail.
const MAX_DETAIL: usize = 1024;

pub async fn count_and_problemize(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let res = next.run(req).await;
    let status = res.status();
    metrics::counter!(
        "crease_http_requests_total",
        "route" => route.unwrap_or_else(|| "unmatched".into()),
        "status" => status.as_str().to_owned()
    )
    .increment(1);
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
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
