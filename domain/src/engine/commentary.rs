//! Words for a delivery: the card's dismissal text, the "this over" chip and a generated
//! commentary line for when the scorer gives none.

use crate::event::{Delivery, DismissalKind, Fielder, Wicket};

fn fielder_name(f: &Fielder) -> String {
    if f.substitute {
        format!("sub ({})", f.name)
    } else {
        f.name.clone()
    }
}

/// "c Smith b Cummins", "run out (Jadeja)", "st Carey b Lyon", "retired hurt".
pub(super) fn dismissal_text(w: &Wicket, bowler: &str) -> String {
    let first = w.fielders.first().map(fielder_name);
    match w.kind {
        DismissalKind::Bowled => format!("b {bowler}"),
        DismissalKind::CaughtAndBowled => format!("c & b {bowler}"),
        DismissalKind::Caught => match first {
            Some(f) if f == bowler => format!("c & b {bowler}"),
            Some(f) => format!("c {f} b {bowler}"),
            None => format!("c ? b {bowler}"),
        },
        DismissalKind::Lbw => format!("lbw b {bowler}"),
        DismissalKind::Stumped => match first {
            Some(f) => format!("st {f} b {bowler}"),
            None => format!("st ? b {bowler}"),
        },
        DismissalKind::RunOut => {
            let names: Vec<String> = w.fielders.iter().map(fielder_name).collect();
            if names.is_empty() {
                "run out".into()
            } else {
                format!("run out ({})", names.join("/"))
            }
        }
        DismissalKind::HitWicket => format!("hit wicket b {bowler}"),
        DismissalKind::HitTheBallTwice => "hit the ball twice".into(),
        DismissalKind::HandledTheBall => "handled the ball".into(),
        DismissalKind::ObstructingTheField => "obstructing the field".into(),
        DismissalKind::TimedOut => "timed out".into(),
        DismissalKind::RetiredHurt => "retired hurt".into(),
        DismissalKind::RetiredOut => "retired out".into(),
        DismissalKind::RetiredNotOut => "retired not out".into(),
    }
}

/// The "this over" chip: "0", "4", "W", "1wd", "2nb", "1lb", "3b", "5p"; "4r" for four runs
/// that were run or overthrown, so a page colours only real boundaries as boundaries.
pub(super) fn chip(d: &Delivery) -> String {
    let e = &d.extras;
    let mut chip = if e.wides > 0 {
        format!("{}wd", e.wides)
    } else if e.noballs > 0 {
        format!("{}nb", d.runs.total.saturating_sub(e.penalty))
    } else if e.legbyes > 0 {
        format!("{}lb", e.legbyes)
    } else if e.byes > 0 {
        format!("{}b", e.byes)
    } else if d.non_boundary && matches!(d.runs.batter, 4 | 6) {
        format!("{}r", d.runs.batter)
    } else {
        d.runs.batter.to_string()
    };
    if e.penalty > 0 {
        chip.push_str(&format!("+{}p", e.penalty));
    }
    if d.wickets.iter().any(|w| w.kind.counts_as_wicket()) {
        if chip == "0" {
            chip = "W".into();
        } else {
            chip.push('W');
        }
    }
    chip
}

fn runs_word(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "Cummins to Kohli, FOUR", "… 1 run", "… OUT, c Smith b Cummins", "… wide".
pub(super) fn generate(d: &Delivery) -> String {
    format!("{} to {}, {}", d.bowler, d.batter, outcome(d))
}

/// What a delivery brought: "FOUR", "1 run", "OUT, c Smith b Cummins", "wide", "no run".
pub(super) fn outcome(d: &Delivery) -> String {
    let e = &d.extras;
    let mut parts: Vec<String> = Vec::new();
    if let Some(w) = d.wickets.iter().find(|w| w.kind.counts_as_wicket()) {
        parts.push(format!("OUT, {}", dismissal_text(w, &d.bowler)));
    }
    if e.wides > 0 {
        parts.push(if e.wides == 1 {
            "wide".into()
        } else {
            runs_word(e.wides, "wide", "wides")
        });
    } else {
        if e.noballs > 0 {
            parts.push("no ball".into());
        }
        let bat = d.runs.batter;
        if bat == 4 && !d.non_boundary {
            parts.push("FOUR".into());
        } else if bat == 6 && !d.non_boundary {
            parts.push("SIX".into());
        } else if bat == 4 || bat == 6 {
            // Run, or overthrows: the batter's runs, but not a boundary on the card.
            parts.push(format!("{bat} runs, not a boundary"));
        } else if bat > 0 {
            parts.push(runs_word(bat, "run", "runs"));
        }
        if e.byes > 0 {
            parts.push(runs_word(e.byes, "bye", "byes"));
        }
        if e.legbyes > 0 {
            parts.push(runs_word(e.legbyes, "leg bye", "leg byes"));
        }
    }
    if e.penalty > 0 {
        parts.push(runs_word(e.penalty, "penalty run", "penalty runs"));
    }
    for w in &d.wickets {
        if !w.kind.counts_as_wicket() {
            parts.push(format!("{} {}", w.player_out, dismissal_text(w, &d.bowler)));
        }
    }
    if parts.is_empty() {
        parts.push("no run".into());
    }
    parts.join(", ")
}
