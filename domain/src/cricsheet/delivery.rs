//! One delivery of the file as the engine's [`Delivery`].

use serde_json::Value;

use super::fields::{array, count, opt_text, shape, text};
use super::CricsheetError;
use crate::event::{Delivery, DismissalKind, Extras, Fielder, Runs, Wicket};

/// The delivery `d`, with its runs, extras and wickets.
pub(super) fn delivery(d: &Value) -> Result<Delivery, CricsheetError> {
    let runs = d
        .get("runs")
        .ok_or_else(|| shape("delivery without runs"))?;
    let ex = d.get("extras").cloned().unwrap_or(Value::Null);
    let mut wickets = vec![];
    for w in array(d, "wickets") {
        let kind_text = text(w, "kind")?;
        let kind: DismissalKind = serde_json::from_value(Value::String(kind_text.clone()))
            .map_err(|_| shape(format!("unknown dismissal kind `{kind_text}`")))?;
        let fielders = array(w, "fielders")
            .iter()
            .map(|f| Fielder {
                name: opt_text(f, "name").unwrap_or_else(|| "unknown".into()),
                substitute: f
                    .get("substitute")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
            .collect();
        wickets.push(Wicket {
            kind,
            player_out: text(w, "player_out")?,
            fielders,
        });
    }
    Ok(Delivery {
        batter: text(d, "batter")?,
        non_striker: text(d, "non_striker")?,
        bowler: text(d, "bowler")?,
        runs: Runs {
            batter: count(runs, "batter")?,
            extras: count(runs, "extras")?,
            total: count(runs, "total")?,
        },
        extras: Extras {
            wides: count(&ex, "wides")?,
            noballs: count(&ex, "noballs")?,
            byes: count(&ex, "byes")?,
            legbyes: count(&ex, "legbyes")?,
            penalty: count(&ex, "penalty")?,
        },
        wickets,
        non_boundary: non_boundary(d, runs)?,
        commentary: None,
    })
}

/// Whether the delivery counts towards the over (not a wide or a no-ball).
pub(super) fn is_legal(d: &Value) -> bool {
    let ex = d.get("extras");
    !ex.is_some_and(|e| e.get("wides").is_some() || e.get("noballs").is_some())
}

/// Cricsheet marks runs that were run, or came from overthrows, with `non_boundary` inside the
/// delivery's `runs`; a flag on the delivery itself is not the format, and is refused rather
/// than guessed at.
fn non_boundary(d: &Value, runs: &Value) -> Result<bool, CricsheetError> {
    if d.get("non_boundary").is_some() {
        return Err(shape(
            "`non_boundary` belongs inside the delivery's `runs`, not on the delivery",
        ));
    }
    match runs.get("non_boundary") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(shape("`runs.non_boundary` is not true or false")),
    }
}
