//! How a recorded event is posted to the scoring API: the route under `/api/matches/{id}/` and
//! the JSON body, written once for every client that replays a log (`crease replay`, the load
//! generator). Shapes only: sending is the caller's business.

use serde_json::{json, Value};

use crate::event::{MatchEvent, Recorded};

/// The route segment (`balls`, `undo`, `events`, `corrections`) and body for `rec`, with `expected_seq` set.
pub fn scoring_request(rec: &Recorded, expected_seq: i64) -> (&'static str, Value) {
    let (route, mut body) = match &rec.event {
        // A delivery's fields are the ball route's body, as Cricsheet spells them.
        MatchEvent::Ball(ball) => ("balls", json!(ball)),
        MatchEvent::Undo => ("undo", json!({})),
        MatchEvent::Correction(c) => {
            let mut body = json!({ "seq": c.seq, "action": c.action });
            if let Some(put_in) = &c.event {
                // The event put in as `/events` takes one, with only the umpires' reason.
                let mut event = json!(put_in.event);
                if let (Value::Object(map), Some(o)) = (&mut event, &put_in.overridden) {
                    map.insert("override".into(), json!({ "reason": o.reason }));
                }
                body["event"] = event;
            }
            ("corrections", body)
        }
        // Adjacently tagged: `{"kind": ..., "data": ...}` is the events route's body.
        other => ("events", json!(other)),
    };
    if let Value::Object(map) = &mut body {
        map.insert("expected_seq".into(), json!(expected_seq));
        if let Some(o) = &rec.overridden {
            map.insert("override".into(), json!({ "reason": o.reason }));
        }
    }
    (route, body)
}
