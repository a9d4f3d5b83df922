//! The web pages (viewer, scorer pad, fixtures admin, broadcast overlay) and their CSS and JS,
//! embedded in the binary at compile time so that it serves them from any working directory.
//!
//! Asset URLs carry a version (a hash of every asset) in their path, so CSS and JS can be cached
//! for a long time and a new build is still picked up at once: pages are revalidated on every
//! load, and relative `import`s inside modules keep the versioned directory.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;
use crate::http::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/matches/{id}", get(viewer))
        .route("/score/{id}", get(scorer))
        .route("/admin", get(admin))
        .route("/overlay/{id}", get(overlay))
        .route("/static/{version}/{file}", get(style))
        .route("/static/{version}/js/{file}", get(script))
}

/// Where in a page the asset version goes: `/static/__V__/app.css`.
const VERSION_MARK: &str = "__V__";

const INDEX: &str = include_str!("../../web/index.html");
const MATCH: &str = include_str!("../../web/match.html");
const SCORE: &str = include_str!("../../web/score.html");
const ADMIN: &str = include_str!("../../web/admin.html");
const OVERLAY: &str = include_str!("../../web/overlay.html");

const STYLES: &[(&str, &str)] = &[
    ("app.css", include_str!("../../web/app.css")),
    ("overlay.css", include_str!("../../web/overlay.css")),
];

const SCRIPTS: &[(&str, &str)] = &[
    ("admin.js", include_str!("../../web/js/admin.js")),
    ("api.js", include_str!("../../web/js/api.js")),
    ("ball.js", include_str!("../../web/js/ball.js")),
    ("charts.js", include_str!("../../web/js/charts.js")),
    (
        "corrections.js",
        include_str!("../../web/js/corrections.js"),
    ),
    ("dom.js", include_str!("../../web/js/dom.js")),
    ("feed.js", include_str!("../../web/js/feed.js")),
    ("index.js", include_str!("../../web/js/index.js")),
    ("lock.js", include_str!("../../web/js/lock.js")),
    ("match.js", include_str!("../../web/js/match.js")),
    ("overlay.js", include_str!("../../web/js/overlay.js")),
    (
        "overlay_board.js",
        include_str!("../../web/js/overlay_board.js"),
    ),
    (
        "overlay_panels.js",
        include_str!("../../web/js/overlay_panels.js"),
    ),
    (
        "overlay_queue.js",
        include_str!("../../web/js/overlay_queue.js"),
    ),
    (
        "overlay_theme.js",
        include_str!("../../web/js/overlay_theme.js"),
    ),
    ("past.js", include_str!("../../web/js/past.js")),
    ("queue.js", include_str!("../../web/js/queue.js")),
    ("scorecard.js", include_str!("../../web/js/scorecard.js")),
    ("score.js", include_str!("../../web/js/score.js")),
    ("scrubber.js", include_str!("../../web/js/scrubber.js")),
    ("stops.js", include_str!("../../web/js/stops.js")),
    ("prompts.js", include_str!("../../web/js/prompts.js")),
    ("webhooks.js", include_str!("../../web/js/webhooks.js")),
];

/// A page is revalidated on every load (a cheap 304), so a new build shows at once.
const PAGE_CACHE: &str = "no-cache";
/// Versioned assets never change under their URL.
const ASSET_CACHE: &str = "public, max-age=31536000, immutable";
/// An asset asked for under another build's version: serve what we have, but do not pin it.
const STALE_ASSET_CACHE: &str = "no-cache";

/// Only our own scripts, styles and API.
macro_rules! own_sources_only {
    () => {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; base-uri 'none'; form-action 'self'"
    };
}

/// No framing: the scorer pad holds a token, and no page but the overlay is meant to be embedded.
const CSP: &str = concat!(own_sources_only!(), "; frame-ancestors 'none'");

/// The overlay is made to be framed (vMix, OBS docks, a producer's web page), from origins we
/// cannot list, some of them `file:` or `about:blank` pages that `frame-ancestors *` would not
/// match: so no `frame-ancestors` at all. It holds no token and takes no input but its theme.
const OVERLAY_CSP: &str = own_sources_only!();

/// Whether a response may be shown inside another site's frame.
#[derive(Clone, Copy)]
enum Framing {
    Denied,
    Allowed,
}

/// A short hash of every embedded asset: changes whenever any of them does.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for (name, body) in STYLES.iter().chain(SCRIPTS) {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(body.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..6])
});

/// A page with its asset version filled in, and its ETag; built once per page.
struct Page {
    body: String,
    etag: HeaderValue,
    framing: Framing,
}

fn build(source: &str) -> Page {
    build_framed(source, Framing::Denied)
}

fn build_framed(source: &str, framing: Framing) -> Page {
    let body = source.replace(VERSION_MARK, &VERSION);
    let etag = etag_of(body.as_bytes());
    Page {
        body,
        etag,
        framing,
    }
}

fn etag_of(bytes: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let tag = format!("\"{}\"", hex::encode(&digest[..8]));
    // Hex digits and quotes are always a valid header value.
    HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""))
}

static PAGES: LazyLock<[Page; 5]> = LazyLock::new(|| {
    [
        build(INDEX),
        build(MATCH),
        build(SCORE),
        build(ADMIN),
        build_framed(OVERLAY, Framing::Allowed),
    ]
});

async fn index(headers: HeaderMap) -> Response {
    page(&PAGES[0], &headers)
}

async fn viewer(Path(id): Path<String>, headers: HeaderMap) -> Response {
    match_page(&PAGES[1], &id, &headers)
}

async fn scorer(Path(id): Path<String>, headers: HeaderMap) -> Response {
    match_page(&PAGES[2], &id, &headers)
}

async fn admin(headers: HeaderMap) -> Response {
    page(&PAGES[3], &headers)
}

async fn overlay(Path(id): Path<String>, headers: HeaderMap) -> Response {
    match_page(&PAGES[4], &id, &headers)
}

/// The page reads the match id from its own path; one that could never be a match is a 404
/// here rather than a page that can only fail.
fn match_page(p: &Page, id: &str, headers: &HeaderMap) -> Response {
    if id.parse::<i64>().is_ok_and(|n| n > 0) {
        page(p, headers)
    } else {
        ApiError::NotFound("match").into_response()
    }
}

fn page(p: &Page, headers: &HeaderMap) -> Response {
    respond(
        p.body.clone(),
        "text/html; charset=utf-8",
        &p.etag,
        PAGE_CACHE,
        p.framing,
        headers,
    )
}

async fn style(Path((version, file)): Path<(String, String)>, headers: HeaderMap) -> Response {
    asset(STYLES, &version, &file, "text/css; charset=utf-8", &headers)
}

async fn script(Path((version, file)): Path<(String, String)>, headers: HeaderMap) -> Response {
    asset(
        SCRIPTS,
        &version,
        &file,
        "text/javascript; charset=utf-8",
        &headers,
    )
}

fn asset(
    table: &'static [(&'static str, &'static str)],
    version: &str,
    file: &str,
    content_type: &'static str,
    headers: &HeaderMap,
) -> Response {
    let Some((_, body)) = table.iter().find(|(name, _)| *name == file) else {
        return ApiError::NotFound("file").into_response();
    };
    let cache = if version == VERSION.as_str() {
        ASSET_CACHE
    } else {
        STALE_ASSET_CACHE
    };
    // Every asset shares the build's version; the file name makes each tag distinct.
    let etag = etag_of(format!("{}/{file}", VERSION.as_str()).as_bytes());
    // A stylesheet or script is never a frame's document, so framing rules are moot; keep
    // the strict ones.
    respond(*body, content_type, &etag, cache, Framing::Denied, headers)
}

fn respond(
    body: impl IntoResponse,
    content_type: &'static str,
    etag: &HeaderValue,
    cache: &'static str,
    framing: Framing,
    headers: &HeaderMap,
) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    match framing {
        Framing::Denied => {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            // For browsers that predate CSP's frame-ancestors: the scorer pad must not be framed.
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        Framing::Allowed => {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(OVERLAY_CSP),
            );
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_name_only_embedded_assets() {
        for page in PAGES.iter() {
            assert!(!page.body.contains(VERSION_MARK));
            for piece in page.body.split("/static/").skip(1) {
                let path = piece.split('"').next().unwrap_or_default();
                let (version, file) = path.split_once('/').expect("versioned path");
                assert_eq!(version, VERSION.as_str());
                let known = match file.strip_prefix("js/") {
                    Some(js) => SCRIPTS.iter().any(|(n, _)| *n == js),
                    None => STYLES.iter().any(|(n, _)| *n == file),
                };
                assert!(known, "{file} is not embedded");
            }
        }
    }

    #[tokio::test]
    async fn only_the_overlay_may_be_framed() {
        let headers = HeaderMap::new();
        let viewer = viewer(Path("7".into()), headers.clone()).await;
        let csp = viewer.headers()[header::CONTENT_SECURITY_POLICY].to_str();
        assert!(csp.is_ok_and(|c| c.contains("frame-ancestors 'none'")));
        assert_eq!(viewer.headers()[header::X_FRAME_OPTIONS], "DENY");

        let res = overlay(Path("7".into()), headers.clone()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get(header::X_FRAME_OPTIONS).is_none());
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or_default();
        assert!(!csp.contains("frame-ancestors"), "{csp}");
        // The rest of the policy is the other pages' own.
        assert_eq!(format!("{csp}; frame-ancestors 'none'"), CSP);

        let bad = overlay(Path("0".into()), headers).await;
        assert_eq!(bad.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn modules_import_only_embedded_modules() {
        for (name, body) in SCRIPTS {
            for piece in body.split(" from './").skip(1) {
                let file = piece.split('\'').next().unwrap_or_default();
                assert!(
                    SCRIPTS.iter().any(|(n, _)| *n == file),
                    "{name} imports {file}, which is not embedded"
                );
            }
        }
    }
}
