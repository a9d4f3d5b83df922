//! The bytes that leave a node: snapshot bodies and realtime messages, each serialized once.
//!
//! Every message opens with `type`, `match_id`, `seq` and `epoch`, in that order, so a client
//! (or the bus router) can read its seq and epoch from the first `"seq"` and `"epoch"` keys
//! without parsing the rest. Snapshot bodies open the same way, without `type`.

use bytes::Bytes;
use crease_domain::live::{BattingLine, BowlingLine, CorrectionNote, InningsState};
use crease_domain::{LiveState, Match, MatchEvent};
use serde::Serialize;

mod ball_line;

#[derive(Serialize)]
struct SnapshotBody<'a> {
    match_id: i64,
    seq: i64,
    epoch: i64,
    #[serde(flatten)]
    live: &'a LiveState,
}

/// What `/live` serves: the derived state with `match_id`, `seq` and `epoch` first.
pub fn snapshot_body(match_id: i64, seq: i64, epoch: i64, live: &LiveState) -> Bytes {
    to_bytes(&SnapshotBody {
        match_id,
        seq,
        epoch,
        live,
    })
}

/// A full-state message: the live state's fields at top level, after `type`, `match_id`,
/// `seq` (and, for `event`, the event), so a snapshot message is a snapshot body with a type.
#[derive(Serialize)]
struct StateMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    match_id: i64,
    seq: i64,
    epoch: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a MatchEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction: Option<&'a CorrectionNote>,
    #[serde(flatten)]
    state: &'a LiveState,
}

#[derive(Serialize)]
struct BallMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    match_id: i64,
    seq: i64,
    epoch: i64,
    ball: &'a crease_domain::Delivery,
    line: ball_line::BallLine<'a>,
}

/// Enough of the state after a ball for a client to update its scoreboard without a snapshot:
/// the scorer's reply to a scoring request (the realtime `ball` message carries the compact
/// [`ball_line::BallLine`]).
#[derive(Serialize)]
pub struct Line<'a> {
    pub status: crease_domain::live::MatchStatus,
    pub summary: &'a str,
    pub innings: Option<InningsLine<'a>>,
    pub striker: Option<&'a BattingLine>,
    pub non_striker: Option<&'a BattingLine>,
    pub bowler: Option<&'a BowlingLine>,
    pub free_hit: bool,
    pub due: &'a [crease_domain::live::Due],
    pub commentary: Option<&'a crease_domain::live::CommentaryLine>,
    pub result: Option<&'a str>,
}

#[derive(Serialize)]
pub struct InningsLine<'a> {
    pub number: u8,
    pub team: &'a str,
    pub runs: u32,
    pub wickets: u32,
    pub balls: u32,
    pub overs: &'a str,
    pub run_rate: f64,
    pub target: Option<u32>,
    pub runs_needed: Option<u32>,
    pub balls_remaining: Option<u32>,
    pub required_rate: Option<f64>,
    pub this_over: &'a [String],
}

/// The innings in progress and the cards of the players a ball involves, found once for
/// either form of a ball's line.
struct AtCrease<'a> {
    innings: Option<&'a InningsState>,
    striker: Option<&'a BattingLine>,
    non_striker: Option<&'a BattingLine>,
    bowler: Option<&'a BowlingLine>,
}

fn at_crease(live: &LiveState) -> AtCrease<'_> {
    let innings = live.current_innings.and_then(|i| live.innings.get(i));
    let batter = |name: &Option<String>| -> Option<&BattingLine> {
        let (inn, name) = (innings?, name.as_deref()?);
        inn.batting.iter().find(|b| b.name == name)
    };
    AtCrease {
        innings,
        striker: batter(&live.striker),
        non_striker: batter(&live.non_striker),
        bowler: innings.and_then(|inn| {
            let name = live.bowler.as_deref()?;
            inn.bowling.iter().find(|b| b.name == name)
        }),
    }
}

pub fn line(live: &LiveState) -> Line<'_> {
    let at = at_crease(live);
    Line {
        status: live.status,
        summary: &live.summary,
        innings: at.innings.map(innings_line),
        striker: at.striker,
        non_striker: at.non_striker,
        bowler: at.bowler,
        free_hit: live.free_hit,
        due: &live.due,
        commentary: live.commentary.last(),
        result: live.result.as_deref(),
    }
}

fn innings_line(inn: &InningsState) -> InningsLine<'_> {
    InningsLine {
        number: inn.number,
        team: &inn.team,
        runs: inn.runs,
        wickets: inn.wickets,
        balls: inn.balls,
        overs: &inn.overs,
        run_rate: inn.run_rate,
        target: inn.target,
        runs_needed: inn.runs_needed,
        balls_remaining: inn.balls_remaining,
        required_rate: inn.required_rate,
        this_over: &inn.this_over,
    }
}

/// The realtime message for a stored event, from the match that applied it: `ball` carries the
/// ball and its line; `undo`, `correction` (with what it changed, in words and figures) and
/// every other event carry the full state, since they can change anything.
pub fn event_message(
    match_id: i64,
    seq: i64,
    epoch: i64,
    event: &MatchEvent,
    game: &Match,
) -> Bytes {
    let live = game.live();
    match event {
        MatchEvent::Ball(ball) => to_bytes(&BallMessage {
            kind: "ball",
            match_id,
            seq,
            epoch,
            ball,
            line: ball_line::ball_line(live),
        }),
        MatchEvent::Undo => state_message("undo", match_id, seq, epoch, None, live),
        MatchEvent::Correction(_) => to_bytes(&StateMessage {
            kind: "correction",
            match_id,
            seq,
            epoch,
            event: None,
            correction: game.last_correction(),
            state: live,
        }),
        other => state_message("event", match_id, seq, epoch, Some(other), live),
    }
}

/// A full-state message: `snapshot` on connect and resync, or `undo`/`event`.
pub fn state_message(
    kind: &'static str,
    match_id: i64,
    seq: i64,
    epoch: i64,
    event: Option<&MatchEvent>,
    live: &LiveState,
) -> Bytes {
    to_bytes(&StateMessage {
        kind,
        match_id,
        seq,
        epoch,
        event,
        correction: None,
        state: live,
    })
}

/// A `snapshot` message from a stored snapshot body (`{"match_id":…,"seq":…,…}`), without
/// parsing it: the body with `"type":"snapshot",` spliced in after its opening brace.
pub fn snapshot_message_from_body(body: &[u8]) -> Bytes {
    const TYPE: &[u8] = br#"{"type":"snapshot","#;
    let mut out = Vec::with_capacity(body.len() + TYPE.len());
    out.extend_from_slice(TYPE);
    out.extend_from_slice(body.get(1..).unwrap_or_default());
    Bytes::from(out)
}

/// Reads the number after the first `key` (such as `"seq":`) in a message's or body's opening
/// bytes, without parsing the JSON: the leading keys come first, so their first occurrence is
/// the top-level one.
pub fn number_after(payload: &[u8], key: &[u8]) -> Option<i64> {
    let head = &payload[..payload.len().min(256)];
    let at = head.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = &head[at..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// The top-level `seq` of a message or snapshot body.
pub fn seq_of(payload: &[u8]) -> Option<i64> {
    number_after(payload, b"\"seq\":")
}

/// Where a message goes: its `match_id` and `seq`.
pub fn route_of(payload: &[u8]) -> Option<(i64, i64)> {
    Some((number_after(payload, b"\"match_id\":")?, seq_of(payload)?))
}

/// The top-level `epoch` of a message or snapshot body; 0 for one written before epochs.
pub fn epoch_of(payload: &[u8]) -> i64 {
    number_after(payload, b"\"epoch\":").unwrap_or(0)
}

/// The body with its top-level `epoch` set to `epoch`: replaced where it follows the seq,
/// inserted after the seq where it is missing (a body stored before epochs). Only the opening
/// bytes are touched; the rest is copied as it is.
pub fn with_epoch(body: &[u8], epoch: i64) -> Bytes {
    const SEQ: &[u8] = b"\"seq\":";
    const EPOCH: &[u8] = b",\"epoch\":";
    let head = &body[..body.len().min(256)];
    let Some(at) = head.windows(SEQ.len()).position(|w| w == SEQ) else {
        return Bytes::copy_from_slice(body);
    };
    let seq_end = at
        + SEQ.len()
        + head[at + SEQ.len()..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(head.len() - at - SEQ.len());
    let rest = &body[seq_end..];
    let rest = match rest.strip_prefix(EPOCH) {
        Some(after) => {
            let digits = after
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(after.len());
            &after[digits..]
        }
        None => rest,
    };
    let mut out = Vec::with_capacity(body.len() + 24);
    out.extend_from_slice(&body[..seq_end]);
    out.extend_from_slice(EPOCH);
    out.extend_from_slice(epoch.to_string().as_bytes());
    out.extend_from_slice(rest);
    Bytes::from(out)
}

fn to_bytes<T: Serialize>(value: &T) -> Bytes {
    // Serializing these plain structs into a Vec cannot fail (no maps with non-string keys).
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::{epoch_of, route_of, seq_of, with_epoch};

    #[test]
    fn the_seq_and_route_are_the_top_level_ones() {
        assert_eq!(
            seq_of(br#"{"match_id":4,"seq":17,"x":{"seq":3}}"#),
            Some(17)
        );
        assert_eq!(seq_of(b"{}"), None);
        assert_eq!(seq_of(br#"{"seq":"x"}"#), None);
        let msg = br#"{"type":"ball","match_id":12,"seq":345,"ball":{"seq":1}}"#;
        assert_eq!(route_of(msg), Some((12, 345)));
        assert_eq!(route_of(b"garbage"), None);
    }

    #[test]
    fn the_epoch_is_read_and_set_in_the_opening_bytes() {
        let body = br#"{"match_id":1,"seq":12,"epoch":1700,"x":{"epoch":3}}"#;
        assert_eq!(epoch_of(body), 1700);
        assert_eq!(
            &with_epoch(body, 1800)[..],
            br#"{"match_id":1,"seq":12,"epoch":1800,"x":{"epoch":3}}"#
        );
        let old = br#"{"match_id":1,"seq":12,"x":1}"#;
        assert_eq!(epoch_of(old), 0);
        assert_eq!(
            &with_epoch(old, 5)[..],
            br#"{"match_id":1,"seq":12,"epoch":5,"x":1}"#
        );
    }
}
