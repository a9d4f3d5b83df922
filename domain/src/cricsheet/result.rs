//! The result event for the outcomes the balls alone cannot give.

use serde_json::Value;

use super::fields::opt_text;
use super::innings::RawInnings;
use crate::event::{DeclaredOutcome, DeclaredResult};

/// The result event for outcomes the balls cannot decide; `None` when the balls do.
pub(super) fn declared_result(outcome: &Value, innings: &[RawInnings]) -> Option<DeclaredResult> {
    let result = opt_text(outcome, "result");
    let method = opt_text(outcome, "method");
    let winner = opt_text(outcome, "winner");
    let simple = |o| DeclaredResult {
        outcome: o,
        winner: None,
        method: None,
    };
    match result.as_deref() {
        Some("draw") => return Some(simple(DeclaredOutcome::Draw)),
        Some("no result") => return Some(simple(DeclaredOutcome::NoResult)),
        Some("abandoned") => return Some(simple(DeclaredOutcome::Abandoned)),
        _ => {}
    }
    if method
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("awarded"))
    {
        return Some(DeclaredResult {
            outcome: DeclaredOutcome::Awarded,
            winner,
            method,
        });
    }
    if result.as_deref() == Some("tie") {
        if let Some(w) = opt_text(outcome, "bowl_out") {
            return Some(DeclaredResult {
                outcome: DeclaredOutcome::TieBroken,
                winner: Some(w),
                method: Some("bowl-out".into()),
            });
        }
        let eliminator = opt_text(outcome, "eliminator")?;
        let supers: Vec<&RawInnings> = innings.iter().filter(|i| i.super_over).collect();
        let last_pair_tied = match supers.as_slice() {
            [.., x, y] if supers.len().is_multiple_of(2) => x.runs == y.runs,
            _ => true,
        };
        if last_pair_tied {
            return Some(DeclaredResult {
                outcome: DeclaredOutcome::TieBroken,
                winner: Some(eliminator),
                method: Some(
                    if supers.is_empty() {
                        "eliminator"
                    } else {
                        "boundary count"
                    }
                    .into(),
                ),
            });
        }
    }
    None
}
