//! Request extractors that refuse in problem+json: a JSON body naming the offending field,
//! a query string, a match id, and the bearer token.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts, StatusCode};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

/// Like `axum::Json`, but a refusal says which field was wrong, as a problem document.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Serialize,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let ct = ct.trim_start().to_ascii_lowercase();
                ct.starts_with("application/json") || ct.starts_with("application/problem+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::bad_request("unreadable-body", rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON, reporting the path of the field at fault (`wickets[0].kind`).
///
/// serde's derived structs also accept a JSON array, filling fields by position; a body that
/// did so is refused, since a client sending one has not said which value is which.
pub fn parse_json<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, ApiError> {
    let parsed: T = parse_fields(bytes)?;
    // A body without an array cannot have filled a struct from one.
    if bytes.contains(&b'[') {
        let sent: Value = parse_fields(bytes)?;
        let read = serde_json::to_value(&parsed).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(path) = array_read_as_object(&sent, &read, String::new()) {
            let (field, detail) = if path.is_empty() {
                (
                    None,
                    "the body must be a JSON object, not an array".to_owned(),
                )
            } else {
                let detail = format!("{path} must be a JSON object, not an array");
                (Some(path), detail)
            };
            return Err(ApiError::BadRequest {
                code: "invalid-field",
                detail,
                field,
            });
        }
    }
    Ok(parsed)
}

/// The path of the first place where the client sent an array and the value read from it is
/// an object: a struct filled by position.
fn array_read_as_object(sent: &Value, read: &Value, path: String) -> Option<String> {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Some(path),
        (Value::Array(sent), Value::Array(read)) => sent
            .iter()
            .zip(read)
            .enumerate()
            .find_map(|(i, (s, r))| array_read_as_object(s, r, format!("{path}[{i}]"))),
        (Value::Object(sent), Value::Object(read)) => sent.iter().find_map(|(k, s)| {
            let r = read.get(k)?;
            let path = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            array_read_as_object(s, r, path)
        }),
        _ => None,
    }
}

fn parse_fields<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() {
            "malformed-json"
        } else {
            "invalid-field"
        };
        let field = (path != "." && code == "invalid-field").then_some(path);
        ApiError::BadRequest {
            code,
            detail: inner.to_string(),
            field,
        }
    })
}

/// Like `axum::extract::Query`, but a refusal is an `invalid-field` problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(q) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::BadRequest {
                code: "invalid-field",
                detail: rejection.body_text(),
                field: None,
            })?;
        Ok(ApiQuery(q))
    }
}

/// The `{id}` of a match route. A segment that is not a positive 64-bit integer (`abc`, an id
/// past `i64`) names no match that can exist: 404, as an unknown id is, not 400.
pub struct MatchId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for MatchId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("match"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(MatchId)
            .ok_or(ApiError::NotFound("match"))
    }
}

/// The `Authorization: Bearer …` token, if any.
pub struct BearerToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        Ok(BearerToken(token))
    }
}
