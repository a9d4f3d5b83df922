//! The OpenAPI document, importable into Postman: kept as a file beside the routes, and a test
//! checks that every route the router serves is described in it.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http::state::AppState;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

async fn document() -> Response {
    let mut res = DOCUMENT.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

#[cfg(test)]
mod tests {
    /// Every route the HTTP modules declare is described in the document.
    #[test]
    fn documents_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).expect("valid JSON");
        let paths = doc["paths"].as_object().expect("paths");
        let sources = [
            include_str!("read.rs"),
            include_str!("ingest.rs"),
            include_str!("admin.rs"),
            include_str!("admin_edits.rs"),
            include_str!("health.rs"),
            include_str!("mod.rs"),
            include_str!("realtime.rs"),
            include_str!("web.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for piece in src.split(".route(\"").skip(1) {
                let path = piece.split('"').next().unwrap_or_default();
                assert!(paths.contains_key(path), "{path} is not in openapi.json");
                seen += 1;
            }
        }
        assert!(
            seen >= 10,
            "found only {seen} routes; did the route syntax change?"
        );
    }
}
