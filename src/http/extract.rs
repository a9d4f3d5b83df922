//! Request extractors that refuse in problem+json: a JSON body naming the offending field,
//! a query string, a match id, and the bearer token.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts, StatusCode};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::http::error::ApiError;

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
    let parsed: T = match parse_fields(&mut serde_json::Deserializer::from_slice(bytes)) {
        Ok(parsed) => parsed,
        Err(refusal) => reparse_integral_floats(bytes).unwrap_or(Err(refusal))?,
    };
    // A body without an array cannot have filled a struct from one.
    if bytes.contains(&b'[') {
        let sent: Value = parse_fields(&mut serde_json::Deserializer::from_slice(bytes))?;
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

/// JSON has one number type, so `2.0` is the integer 2 (JSON Schema's `integer` says so too),
/// but serde reads a number written with a point only into a float. A body refused for that is
/// read again with every integral float within 64 bits written as an integer; `None` when the
/// body holds no such float, so that the first refusal stands.
fn reparse_integral_floats<T: DeserializeOwned>(bytes: &[u8]) -> Option<Result<T, ApiError>> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    if !integral_floats_to_integers(&mut value) {
        return None;
    }
    Some(parse_fields(value))
}

/// Rewrites every float with no fractional part that fits an `i64` or a `u64` as an integer;
/// true when it rewrote any.
fn integral_floats_to_integers(value: &mut Value) -> bool {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // 2^63 and 2^64 are exact as floats; the bounds are exclusive.
            let integer = if f.fract() != 0.0 {
                None
            } else if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
                Some(serde_json::Number::from(f as i64))
            } else if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                Some(serde_json::Number::from(f as u64))
            } else {
                None
            };
            match integer {
                Some(i) => {
                    *n = i;
                    true
                }
                None => false,
            }
        }
        // Every member is visited: stopping at the first rewrite would leave the rest floats.
        Value::Array(items) => {
            let mut any = false;
            for v in items {
                any |= integral_floats_to_integers(v);
            }
            any
        }
        Value::Object(members) => {
            let mut any = false;
            for v in members.values_mut() {
                any |= integral_floats_to_integers(v);
            }
            any
        }
        _ => false,
    }
}

fn parse_fields<'de, T: DeserializeOwned, D>(de: D) -> Result<T, ApiError>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
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
