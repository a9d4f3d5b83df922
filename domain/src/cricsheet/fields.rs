//! Reading the JSON fields the engine depends on: a missing or mistyped one is an error that
//! names it, never a panic; an absent optional one is its default.

use serde_json::Value;

use super::CricsheetError;

pub(super) fn shape(msg: impl Into<String>) -> CricsheetError {
    CricsheetError::Shape(msg.into())
}

pub(super) fn text(v: &Value, key: &str) -> Result<String, CricsheetError> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| shape(format!("missing text field `{key}`")))
}

pub(super) fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

pub(super) fn count(v: &Value, key: &str) -> Result<u32, CricsheetError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| shape(format!("`{key}` is not a count"))),
    }
}

pub(super) fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}
