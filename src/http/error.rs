//! The one error type at the HTTP edge, answered as RFC 9457 `application/problem+json`.
//!
//! Every refusal names a stable `type`, a human `detail` and, where one is at fault, the
//! offending `field`. Internal failures are logged here, once, and never sent to the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use crease_domain::LawViolation;
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client is asked to wait (`Retry-After`) after any 503: long enough for a pool to
/// free a connection or a database to fail over, short enough for a scorer's next try.
pub const RETRY_AFTER_SECS: &str = "5";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        code: &'static str,
        detail: String,
        field: Option<String>,
    },
    #[error("missing or invalid token")]
    Unauthorized,
    /// A token that was real once: expired or revoked. Still 401, as signing in again (with a
    /// new token) is the remedy; the detail says which.
    #[error("{0}")]
    TokenRefused(&'static str),
    #[error("this token may not do that")]
    Forbidden,
    /// A page from an origin the node does not serve (`--allowed-origins`).
    #[error("pages from this Origin may not use this server")]
    OriginNotAllowed,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A seq after the match's last event (`/live?at=`): 404, with where the match is.
    #[error("no event with that seq yet: the match is at seq {current}")]
    SeqNotYet { current: i64 },
    /// Fields each well formed that do not fit together (two teams of one name, a Test given an
    /// over limit): 422, since the request's shape was right and a schema cannot say this.
    #[error("{detail}")]
    Inconsistent { detail: String, field: String },
    #[error("stale expected_seq: the match is at seq {current}")]
    StaleSeq { current: i64 },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A key reused with a different request: 422, as the IETF Idempotency-Key draft and
    /// payment APIs answer it.
    #[error("this Idempotency-Key was already used for a different request; use a new key for a new request")]
    IdempotencyKeyReused,
    #[error(transparent)]
    Law(#[from] LawViolation),
    #[error("request body is too large")]
    TooLarge,
    /// The body is not JSON (RFC 9110 §15.5.16: 415, so clients can tell it from a bad field).
    #[error("send the body as Content-Type: application/json")]
    UnsupportedMediaType,
    /// The cause is logged; the client is told only to come back.
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_seq: Option<i64>,
    /// On a Laws refusal: whether the same request with `override: {reason}` would be recorded
    /// as the umpires' decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    overridable: Option<bool>,
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code: "invalid-field",
            detail: detail.into(),
            field: Some(field.into()),
        }
    }

    pub fn inconsistent(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Inconsistent {
            detail: detail.into(),
            field: field.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::TokenRefused(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::SeqNotYet { .. } => StatusCode::NOT_FOUND,
            Self::StaleSeq { .. } | Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Law(_) | Self::IdempotencyKeyReused | Self::Inconsistent { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable last segment of the problem `type`.
    pub fn code(&self) -> String {
        match self {
            Self::BadRequest { code, .. } | Self::Conflict { code, .. } => (*code).to_owned(),
            Self::Unauthorized | Self::TokenRefused(_) => "unauthorized".into(),
            Self::Forbidden => "forbidden".into(),
            Self::OriginNotAllowed => "origin-not-allowed".into(),
            Self::NotFound(_) | Self::SeqNotYet { .. } => "not-found".into(),
            Self::Inconsistent { .. } => "inconsistent-fields".into(),
            Self::StaleSeq { .. } => "stale-seq".into(),
            Self::IdempotencyKeyReused => "idempotency-key-reused".into(),
            Self::Law(v) => format!("law/{}", v.code()),
            Self::TooLarge => "body-too-large".into(),
            Self::UnsupportedMediaType => "unsupported-media-type".into(),
            Self::Unavailable(_) => "unavailable".into(),
            Self::Internal(_) => "internal".into(),
        }
    }
}

/// Builds a problem response; also used by the layer that rewrites axum's plain-text refusals.
pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: String,
    field: Option<&str>,
    current_seq: Option<i64>,
) -> Response {
    problem_body(Problem {
        kind: format!("/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        field,
        current_seq,
        overridable: None,
    })
}

fn problem_body(body: Problem) -> Response {
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, bytes).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Law(v) = &self {
            return problem_body(Problem {
                kind: format!("/problems/{}", self.code()),
                title: status.canonical_reason().unwrap_or("Error"),
                status: status.as_u16(),
                detail: v.to_string(),
                field: v.field(),
                current_seq: None,
                overridable: Some(v.overridable()),
            });
        }
        let (detail, field, current_seq) = match &self {
            Self::BadRequest { detail, field, .. } => (detail.clone(), field.clone(), None),
            Self::Inconsistent { detail, field } => (detail.clone(), Some(field.clone()), None),
            Self::Law(v) => (v.to_string(), v.field().map(str::to_owned), None),
            Self::StaleSeq { current } | Self::SeqNotYet { current } => {
                (self.to_string(), None, Some(*current))
            }
            Self::Internal(why) => {
                tracing::error!(error = %why, "internal error");
                ("internal error".to_owned(), None, None)
            }
            Self::Unavailable(why) => {
                tracing::warn!(error = %why, "unavailable");
                (self.to_string(), None, None)
            }
            _ => (self.to_string(), None, None),
        };
        let mut res = problem_response(status, &self.code(), detail, field.as_deref(), current_seq);
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: say which scheme is wanted.
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            S::NotFound => ApiError::NotFound("referenced row"),
            S::Duplicate { what } => ApiError::Conflict {
                code: "duplicate",
                detail: format!("a {what} with that name already exists"),
            },
            S::SeqConflict { current } => ApiError::StaleSeq { current },
            S::IdempotencyReplay => ApiError::Conflict {
                code: "idempotency-replay",
                detail: "idempotency key already used".into(),
            },
            S::Unavailable(why) => ApiError::Unavailable(why),
            S::Other(why) => ApiError::Internal(why),
        }
    }
}

/// Ingest's refusals and failures as the scoring routes have always answered them.
impl From<crate::ingest::IngestError> for ApiError {
    fn from(e: crate::ingest::IngestError) -> Self {
        use crate::ingest::IngestError as I;
        match e {
            I::MatchNotFound => ApiError::NotFound("match"),
            I::Refused(v) => ApiError::Law(v),
            I::StaleSeq { current } => ApiError::StaleSeq { current },
            I::KeyReused => ApiError::IdempotencyKeyReused,
            I::Unavailable(why) => ApiError::Unavailable(why),
            I::Store(e) => e.into(),
            I::Internal(why) => ApiError::Internal(why),
        }
    }
}

/// Why a replay of the log (a past state, an export) gives nothing.
impl From<crate::ingest::PastError> for ApiError {
    fn from(e: crate::ingest::PastError) -> Self {
        use crate::ingest::PastError as P;
        match e {
            P::MatchNotFound => ApiError::NotFound("match"),
            P::NotYet { current } => ApiError::SeqNotYet { current },
            P::Busy => ApiError::Unavailable("too many replays of match logs are waiting".into()),
            P::Ingest(e) => e.into(),
        }
    }
}
