//! A scorebook kept by hand for the Cricsheet tests: every figure of a match counted from its
//! raw JSON (never through the crate's `cricsheet` importer), set against the engine's live
//! state, with each difference kept as a [`Fault`] of a named kind so a report groups them.
//!
//! The rules, written once for every test that replays real matches:
//! - innings runs: every `runs.total`, plus the innings' `penalty_runs.pre` and `.post`;
//! - innings wickets: every wicket but "retired hurt" and "retired not out";
//! - legal balls: deliveries with neither `extras.wides` nor `extras.noballs`;
//! - a batter: runs off the bat, balls faced (all but wides), and 4s and 6s, which are
//!   `runs.batter` of 4 or 6 unless `runs.non_boundary` says they were run or overthrows;
//! - a bowler: legal balls, runs conceded (bat + wides + no-balls, not byes, leg-byes or
//!   penalties), wickets of the kinds credited to a bowler, and maidens: a Cricsheet over is a
//!   maiden for its bowler when that one bowler bowled every delivery of it, it conceded nothing
//!   to the bowler, and the over was completed — it reached the balls per over, or it is not
//!   the innings' last over (a miscounted short over was still a whole over). The unfinished
//!   last over of an innings is never a maiden;
//! - the result: as [`outcome::check`] reads `info.outcome`.

mod count;
mod outcome;

use std::collections::BTreeMap;
use std::fmt::Debug;

use crease_domain::live::InningsState;
use crease_domain::LiveState;
use serde_json::Value;

pub use count::n;
use count::{count_innings, InningsCount};

/// One figure the engine got wrong, or one match it could not replay.
#[derive(Debug, Clone)]
pub struct Fault {
    /// What went wrong, e.g. "batter 4s" or "refused: not-in-team": the report's grouping key.
    pub kind: String,
    pub file: String,
    /// Where in the match, e.g. "innings 2, batter V Kohli"; empty for the match as a whole.
    pub at: String,
    pub got: String,
    pub want: String,
}

impl Fault {
    pub fn new(kind: &str, file: &str, at: &str, got: String, want: String) -> Self {
        Fault {
            kind: kind.to_string(),
            file: file.to_string(),
            at: at.to_string(),
            got,
            want,
        }
    }
}

/// Every fault, grouped by kind with a count of faults and of files, so the kinds of fault
/// can be read before their instances.
pub fn report(faults: &[Fault]) -> String {
    let mut by_kind: BTreeMap<&str, Vec<&Fault>> = BTreeMap::new();
    for f in faults {
        by_kind.entry(&f.kind).or_default().push(f);
    }
    let mut out = String::new();
    for (kind, list) in &by_kind {
        let mut files: Vec<&str> = list.iter().map(|f| f.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        out += &format!("== {kind}: {} in {} files\n", list.len(), files.len());
        for f in list {
            let at = if f.at.is_empty() {
                String::new()
            } else {
                format!(" {}", f.at)
            };
            out += &format!("  {}{at}: got {}, want {}\n", f.file, f.got, f.want);
        }
    }
    out
}

/// Every figure of the replayed match `live` against those counted from the raw file `raw`.
pub fn check_match(file: &str, raw: &Value, live: &LiveState) -> Vec<Fault> {
    let mut faults = vec![];
    let balls_per_over = match n(raw, &["info", "balls_per_over"]) {
        0 => 6,
        b => b,
    };
    let empty = vec![];
    let raw_innings = raw["innings"].as_array().unwrap_or(&empty);
    if live.innings.len() != raw_innings.len() {
        faults.push(Fault::new(
            "innings count",
            file,
            "",
            live.innings.len().to_string(),
            raw_innings.len().to_string(),
        ));
    }
    for (i, (inn, raw_inn)) in live.innings.iter().zip(raw_innings).enumerate() {
        let want = count_innings(raw_inn, balls_per_over);
        compare_innings(file, i + 1, inn, &want, &mut faults);
    }
    outcome::check(file, live, &raw["info"]["outcome"], &mut faults);
    faults
}

/// Pushes a fault of `kind` when `got` differs from `want`.
fn same<T: PartialEq + Debug>(
    faults: &mut Vec<Fault>,
    kind: &str,
    file: &str,
    at: &str,
    got: T,
    want: T,
) {
    if got != want {
        faults.push(Fault::new(
            kind,
            file,
            at,
            format!("{got:?}"),
            format!("{want:?}"),
        ));
    }
}

fn compare_innings(
    file: &str,
    number: usize,
    inn: &InningsState,
    want: &InningsCount,
    faults: &mut Vec<Fault>,
) {
    let at = format!("innings {number}");
    same(
        faults,
        "innings team",
        file,
        &at,
        inn.team.as_str(),
        want.team.as_str(),
    );
    same(
        faults,
        "innings super over",
        file,
        &at,
        inn.super_over,
        want.super_over,
    );
    same(faults, "innings runs", file, &at, inn.runs, want.runs);
    same(
        faults,
        "innings wickets",
        file,
        &at,
        inn.wickets,
        want.wickets,
    );
    same(
        faults,
        "innings legal balls",
        file,
        &at,
        inn.balls,
        want.balls,
    );

    for (name, w) in &want.bat {
        let at = format!("innings {number}, batter {name}");
        let Some(line) = inn.batting.iter().find(|l| &l.name == name) else {
            faults.push(Fault::new(
                "batter missing",
                file,
                &at,
                "no line".into(),
                format!("{w:?}"),
            ));
            continue;
        };
        same(faults, "batter runs", file, &at, line.runs, w.runs);
        same(faults, "batter balls", file, &at, line.balls, w.balls);
        same(faults, "batter 4s", file, &at, line.fours, w.fours);
        same(faults, "batter 6s", file, &at, line.sixes, w.sixes);
    }
    // A batter who came in and faced nothing (a non-striker run out, say) may have a 0 (0) line.
    for line in &inn.batting {
        if !want.bat.contains_key(&line.name) && (line.runs != 0 || line.balls != 0) {
            let at = format!("innings {number}, batter {}", line.name);
            let got = format!("{} ({})", line.runs, line.balls);
            faults.push(Fault::new(
                "batter who faced nothing has figures",
                file,
                &at,
                got,
                "none".into(),
            ));
        }
    }

    for (name, w) in &want.bowl {
        let at = format!("innings {number}, bowler {name}");
        let Some(line) = inn.bowling.iter().find(|l| &l.name == name) else {
            faults.push(Fault::new(
                "bowler missing",
                file,
                &at,
                "no line".into(),
                format!("{w:?}"),
            ));
            continue;
        };
        same(faults, "bowler legal balls", file, &at, line.balls, w.balls);
        same(faults, "bowler maidens", file, &at, line.maidens, w.maidens);
        same(faults, "bowler runs", file, &at, line.runs, w.runs);
        same(faults, "bowler wickets", file, &at, line.wickets, w.wickets);
    }
    for line in &inn.bowling {
        if !want.bowl.contains_key(&line.name) {
            let at = format!("innings {number}, bowler {}", line.name);
            let got = format!("{} balls, {} runs", line.balls, line.runs);
            faults.push(Fault::new(
                "bowler who bowled nothing is on the card",
                file,
                &at,
                got,
                "none".into(),
            ));
        }
    }
}
