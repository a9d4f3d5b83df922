//! `crease scorecard` as a user runs it: the built binary on real Cricsheet files and on files
//! that are not matches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn cricsheet(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/cricsheet")
        .join(file)
}

fn scorecard(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crease"))
        .arg("scorecard")
        .arg(path)
        .output()
        .expect("the crease binary runs")
}

/// A scratch file unique to this test process and test.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("crease-scorecard-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

/// The counts `expected_totals.json` holds for `file`, counted from the deliveries by hand.
fn expected(file: &str) -> Value {
    let all = std::fs::read_to_string(cricsheet("expected_totals.json")).unwrap();
    serde_json::from_str::<Value>(&all).unwrap()[file].clone()
}

#[track_caller]
fn assert_scores(file: &str, result_contains: &str) {
    let out = scorecard(&cricsheet(file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{file}: {stderr}");
    let live: Value = serde_json::from_slice(&out.stdout).expect("stdout is the live JSON");
    let want = expected(file);
    let innings = live["innings"].as_array().expect("innings");
    let want_innings = want["innings"].as_array().unwrap();
    assert_eq!(innings.len(), want_innings.len(), "{file}");
    for (got, want) in innings.iter().zip(want_innings) {
        for key in ["team", "runs", "wickets", "balls"] {
            assert_eq!(
                got[key], want[key],
                "{file}: innings {} {key}",
                got["number"]
            );
        }
        let balls = want["balls"].as_u64().unwrap();
        assert_eq!(
            got["overs"],
            format!("{}.{}", balls / 6, balls % 6),
            "{file}"
        );
        assert!(
            !got["batting"].as_array().unwrap().is_empty(),
            "{file}: batting card"
        );
        assert!(
            !got["bowling"].as_array().unwrap().is_empty(),
            "{file}: bowling card"
        );
    }
    let result = live["result"].as_str().unwrap_or_default();
    assert!(
        result.contains(result_contains),
        "{file}: result {result:?}"
    );
    assert_eq!(live["winner"], want["winner"], "{file}");
}

#[test]
fn scores_a_t20_won_by_wickets() {
    assert_scores(
        "t20_2018-06-10_india_v_bangladesh.json",
        "Bangladesh won by 3 wickets",
    );
}

#[test]
fn scores_a_test_won_by_runs() {
    assert_scores(
        "test_2024-02-15_india_v_england.json",
        "India won by 434 runs",
    );
}

#[test]
fn scores_an_odi_won_by_runs() {
    assert_scores(
        "odi_2015-09-05_england_v_australia.json",
        "Australia won by 64 runs",
    );
}

#[track_caller]
fn assert_refused(path: &Path) {
    let out = scorecard(path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(stderr.contains(&*name), "names the file: {stderr}");
}

#[test]
fn a_missing_file_exits_2() {
    assert_refused(&std::env::temp_dir().join("crease-scorecard-no-such-match.json"));
}

#[test]
fn invalid_json_exits_2() {
    let path = scratch("invalid.json", "{\"info\": {\"teams\": [\"A\", ");
    assert_refused(&path);
    std::fs::remove_file(path).ok();
}

#[test]
fn json_that_is_not_a_match_exits_2() {
    let path = scratch("not-a-match.json", "{\"hello\": [\"world\"]}");
    assert_refused(&path);
    std::fs::remove_file(path).ok();
}
