//! The engine's result line and winner set against Cricsheet's `info.outcome`: the winner by
//! name, the margin in the words a scorecard uses, and the kind of a match with no winner.

use crease_domain::LiveState;
use serde_json::Value;

use super::Fault;

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

pub fn check(file: &str, live: &LiveState, outcome: &Value, faults: &mut Vec<Fault>) {
    let mut fault = |kind: &str, got: String, want: String| {
        faults.push(Fault::new(kind, file, "", got, want));
    };
    let Some(result) = live.result.as_deref() else {
        fault(
            "result: missing",
            format!("none (summary {:?})", live.summary),
            format!("{outcome}"),
        );
        return;
    };
    // A tie settled by a super over names the team that won it as the eliminator, and a tie
    // settled by a bowl-out the team that won that.
    let winner = outcome
        .get("winner")
        .or_else(|| outcome.get("eliminator"))
        .or_else(|| outcome.get("bowl_out"))
        .and_then(Value::as_str);
    let named = winner.is_none_or(|w| result.contains(w));
    if live.winner.as_deref() != winner || !named {
        fault(
            "result: winner",
            format!("{:?} / {result:?}", live.winner),
            format!("{winner:?}"),
        );
    }

    let by = &outcome["by"];
    let innings = by.get("innings").is_some();
    let mut wants = vec![];
    if let Some(runs) = by["runs"].as_u64() {
        // "by an innings and 12 runs": the runs follow the innings, not "by".
        let lead = if innings { "an innings and" } else { "by" };
        wants.push((
            "result: margin in runs",
            format!("{lead} {}", plural(runs, "run")),
        ));
    } else if innings {
        wants.push(("result: innings win", "an innings".to_string()));
    }
    if let Some(wickets) = by["wickets"].as_u64() {
        wants.push((
            "result: margin in wickets",
            format!("by {}", plural(wickets, "wicket")),
        ));
    }
    let word = match outcome["result"].as_str() {
        Some("tie") => Some("tied"),
        Some("draw") => Some("drawn"),
        Some("no result") => Some("no result"),
        _ => None,
    };
    if let Some(word) = word {
        wants.push(("result: kind", word.to_string()));
    }
    if outcome["method"].as_str() == Some("D/L") {
        wants.push(("result: method", "DLS".to_string()));
    }
    let lower = result.to_lowercase();
    for (kind, want) in wants {
        if !lower.contains(&want.to_lowercase()) {
            fault(kind, format!("{result:?}"), format!("{want:?}"));
        }
    }
}
