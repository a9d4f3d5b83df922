//! Webhooks, for the admin: a URL registered for one match or a tournament's matches with the
//! kinds of notice it wants (its signing secret returned once), listed, deleted, and each
//! hook's delivery log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use crease_domain::notice::NoticeKind;
use serde::{Deserialize, Serialize};

use super::admin::created;
use super::auth::require_admin;
use super::extract::{ApiJson, ApiQuery, BearerToken};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::{NewWebhook, Webhook};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/webhooks/{id}", delete(delete_webhook))
        .route("/api/webhooks/{id}/deliveries", get(deliveries))
}

/// A URL longer than this is not a receiver anyone typed.
const MAX_URL: usize = 2048;
const DEFAULT_LOG: i64 = 100;
const MAX_LOG: i64 = 500;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct WebhookRequest {
    url: String,
    #[serde(default)]
    match_id: Option<i64>,
    #[serde(default)]
    tournament_id: Option<i64>,
    kinds: Vec<String>,
}

/// A hook as the admin sees it: its kinds as a list, never its secret.
#[derive(Serialize)]
struct HookView {
    #[serde(flatten)]
    hook: Webhook,
    kinds: Vec<String>,
}

impl From<Webhook> for HookView {
    fn from(hook: Webhook) -> Self {
        let kinds = hook.kind_list().into_iter().map(str::to_owned).collect();
        HookView { hook, kinds }
    }
}

/// The URL as given: `http://` or `https://` and at most [`MAX_URL`] characters, or 400;
/// of that shape but not a URL a request can be sent to (a port past 65535, no host), 422.
fn checked_url(raw: &str) -> Result<String, ApiError> {
    let http = raw.starts_with("http://") || raw.starts_with("https://");
    if !http || raw.chars().count() > MAX_URL {
        return Err(ApiError::invalid_field(
            "url",
            format!("url starts with http:// or https:// and has at most {MAX_URL} characters"),
        ));
    }
    match reqwest::Url::parse(raw) {
        Ok(url) if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url.to_string()),
        _ => Err(ApiError::inconsistent(
            "url",
            "url is not a URL a request can be sent to",
        )),
    }
}

fn checked_kinds(raw: &[String]) -> Result<Vec<&'static str>, ApiError> {
    let all: Vec<&str> = NoticeKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut kinds = vec![];
    for (i, k) in raw.iter().enumerate() {
        let kind = NoticeKind::parse(k).ok_or_else(|| {
            ApiError::invalid_field(
                format!("kinds[{i}]"),
                format!("a kind is one of {}", all.join(", ")),
            )
        })?;
        if !kinds.contains(&kind.as_str()) {
            kinds.push(kind.as_str());
        }
    }
    if kinds.is_empty() {
        return Err(ApiError::invalid_field("kinds", "name at least one kind"));
    }
    Ok(kinds)
}

async fn create_webhook(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(req): ApiJson<WebhookRequest>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let url = checked_url(&req.url)?;
    let kinds = checked_kinds(&req.kinds)?;
    match (req.match_id, req.tournament_id) {
        (Some(id), None) => {
            if state.store.get_match(id).await?.is_none() {
                return Err(ApiError::NotFound("match"));
            }
        }
        (None, Some(id)) => {
            if state.store.get_tournament(id).await?.is_none() {
                return Err(ApiError::NotFound("tournament"));
            }
        }
        _ => {
            return Err(ApiError::inconsistent(
                "match_id",
                "a hook is for one match (match_id) or one tournament (tournament_id)",
            ))
        }
    }
    let secret = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
    let hook = state
        .store
        .create_webhook(&NewWebhook {
            url: &url,
            secret: &secret,
            match_id: req.match_id,
            tournament_id: req.tournament_id,
            kinds: &kinds,
            created_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await?;
    let mut view = serde_json::to_value(HookView::from(hook))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    view["secret"] = serde_json::Value::String(secret);
    Ok(created(view))
}

async fn list_webhooks(
    State(state): State<AppState>,
    token: BearerToken,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let hooks: Vec<HookView> = state
        .store
        .list_webhooks()
        .await?
        .into_iter()
        .map(HookView::from)
        .collect();
    Ok(Json(hooks).into_response())
}

fn hook_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound("webhook"))
}

/// Deletes the hook and its log; deliveries still queued for it are not sent.
async fn delete_webhook(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    if state.store.delete_webhook(hook_id(&raw)?).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound("webhook"))
    }
}

#[derive(Deserialize)]
struct LogQuery {
    #[serde(default)]
    limit: Option<i64>,
}

async fn deliveries(
    State(state): State<AppState>,
    token: BearerToken,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Response, ApiError> {
    require_admin(&state, &token).await?;
    let id = hook_id(&raw)?;
    let limit = q.limit.unwrap_or(DEFAULT_LOG);
    if !(1..=MAX_LOG).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("limit is 1 to {MAX_LOG}"),
        ));
    }
    if state.store.get_webhook(id).await?.is_none() {
        return Err(ApiError::NotFound("webhook"));
    }
    Ok(Json(state.store.webhook_deliveries(id, limit).await?).into_response())
}
