//! Every real match the repository holds — the 30 files of `data/cricsheet/` and the 325 of the
//! packed `data/cricsheet-corpus/` — replayed through the importer and the engine, with every
//! figure held against the hand-kept scorebook (`scorebook/`, where the counting rules live).
//!
//! It prints `corpus: N matches, N innings, N exact, N overrides used`, where "exact" counts
//! the matches that replayed with every figure right, and one line per match that needed an
//! override of the Laws checks to replay. The 30 hand-picked files must need none.

mod real_matches;
mod scorebook;

use std::panic::{catch_unwind, AssertUnwindSafe};

use crease_domain::{cricsheet, Match};
use real_matches::{bundled, corpus, BUNDLED_FILES, CORPUS_FILES};
use scorebook::{check_match, report, Fault};
use serde_json::Value;

/// Why a match could not be replayed: `kind` is what the report groups by.
struct NotReplayed {
    kind: String,
    detail: String,
}

/// The one place this test meets the engine's API, so that a change of that API is one edit.
/// Returns the match and how many of its events were let through by an override.
fn replay(json: &str) -> Result<(Match, usize), NotReplayed> {
    let parsed = cricsheet::parse(json).map_err(|e| NotReplayed {
        kind: "import failed".into(),
        detail: e.to_string(),
    })?;
    // The importer marks the events that the Laws checks refuse but the file shows happened.
    let overrides = parsed
        .events
        .iter()
        .filter(|e| e.overridden.is_some())
        .count();
    let m = Match::replay(parsed.setup, parsed.events.clone()).map_err(|(i, err)| NotReplayed {
        kind: format!("refused: {}", err.code()),
        detail: format!("event {i} refused: {err}: {:?}", parsed.events[i]),
    })?;
    Ok((m, overrides))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

struct Checked {
    innings: usize,
    faults: Vec<Fault>,
    overrides: usize,
}

/// One match replayed and checked against its own file.
fn check_one(file: &str, json: &str) -> Checked {
    let raw: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: {e}"));
    let innings = raw["innings"].as_array().map_or(0, Vec::len);
    // A panic is a fault of this match, not the end of the run: the other matches still count.
    let checked = catch_unwind(AssertUnwindSafe(|| {
        replay(json).map(|(m, overrides)| (check_match(file, &raw, m.live()), overrides))
    }));
    let alone = |kind: &str, got: String, want: &str| {
        (vec![Fault::new(kind, file, "", got, want.into())], 0)
    };
    let (faults, overrides) = match checked {
        Ok(Ok(done)) => done,
        Ok(Err(not)) => alone(&not.kind, not.detail, "replayed"),
        Err(payload) => alone("panicked", panic_message(payload.as_ref()), "no panic"),
    };
    Checked {
        innings,
        faults,
        overrides,
    }
}

#[test]
fn every_real_match_replays_to_its_figures() {
    let bundled = bundled();
    let corpus = corpus();
    assert_eq!(bundled.len(), BUNDLED_FILES, "files in data/cricsheet/");
    assert_eq!(corpus.len(), CORPUS_FILES, "files in the packed corpus");

    let mut faults = vec![];
    let (mut innings, mut exact, mut overrides) = (0, 0, 0);
    let mut overridden = vec![];
    let mut picked_overridden = vec![];
    let all = bundled.iter().map(|f| (f, true));
    for ((file, json), picked) in all.chain(corpus.iter().map(|f| (f, false))) {
        let checked = check_one(file, json);
        innings += checked.innings;
        exact += usize::from(checked.faults.is_empty());
        faults.extend(checked.faults);
        if checked.overrides > 0 {
            overrides += checked.overrides;
            overridden.push((file.as_str(), checked.overrides));
            if picked {
                picked_overridden.push(file.as_str());
            }
        }
    }

    let mut summary = format!(
        "corpus: {} matches, {innings} innings, {exact} exact, {overrides} overrides used\n",
        bundled.len() + corpus.len()
    );
    for (file, used) in &overridden {
        summary += &format!("{file}: {used} overrides\n");
    }
    // stderr, so that nextest shows it with a failure and `--no-capture` shows it always.
    eprint!("{summary}");

    assert!(
        faults.is_empty() && picked_overridden.is_empty(),
        "{} mismatches:\n{}the hand-picked matches that needed an override: {picked_overridden:?}",
        faults.len(),
        report(&faults)
    );
}
