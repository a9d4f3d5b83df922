//! What a delivery's body says: the notice, or the retraction of one, with where in the match
//! it happened. The notice's own fields are kept as the engine wrote them when the event was
//! stored.

use serde_json::{json, Value};

use crate::store::Claimed;

pub fn delivery_body(c: &Claimed) -> Vec<u8> {
    let data: Value = serde_json::from_str(&c.payload).unwrap_or(Value::Null);
    let body = match c.retracts {
        Some(retracted) => json!({
            "id": c.id,
            "type": "retraction",
            "match_id": c.match_id,
            "seq": c.seq,
            "retracts": { "id": retracted, "type": c.retracted_kind, "data": data },
        }),
        None => json!({
            "id": c.id,
            "type": c.kind,
            "match_id": c.match_id,
            "seq": c.seq,
            "data": data,
        }),
    };
    body.to_string().into_bytes()
}
