//! The engine's work counted in instructions rather than timed, for comparing two builds on a
//! machine too noisy for wall-clock figures: run under callgrind with collection on only inside
//! `measured`, so loading and replaying up to the measured point is not counted.
//!
//! ```sh
//! cargo build --release -p crease-domain --example engine_count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
//!   '--toggle-collect=engine_count::measured*' target/release/examples/engine_count CASE
//! ```
//! CASE is `t20-ball` (apply a mid-innings T20 ball, derive and serialise), `t20-serialise`
//! (serialise the same state alone), `test-replay` (a whole Test, serialising after every
//! event) or `test-serialise` (serialising every state it passes alone); each runs 100 times.

use std::hint::black_box;

use crease_domain::cricsheet::{self, CricsheetMatch};
use crease_domain::{LiveState, Match, MatchEvent};

const T20: &str = "t20_2022-04-10_rajasthan_royals_v_lucknow_super_giants.json";
const TEST: &str = "test_2024-02-15_india_v_england.json";
const RUNS: usize = 100;

fn load(file: &str) -> (CricsheetMatch, Vec<MatchEvent>) {
    let path = format!("{}/../data/cricsheet/{file}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed = cricsheet::parse(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
    let events = parsed.events.iter().map(|r| r.event.clone()).collect();
    (parsed, events)
}

fn replay(parsed: &CricsheetMatch, events: &[MatchEvent]) -> Match {
    let mut m = Match::new(parsed.setup.clone());
    for event in events {
        m.apply(event.clone()).expect("a bundled match replays");
    }
    m
}

/// The middle ball of the second innings, as the criterion benchmark picks it.
fn middle_of_second(events: &[MatchEvent]) -> usize {
    let starts: Vec<usize> = (0..events.len())
        .filter(|&i| matches!(events[i], MatchEvent::InningsStart(_)))
        .collect();
    let end = starts.get(2).copied().unwrap_or(events.len());
    let balls: Vec<usize> = (starts[1]..end)
        .filter(|&i| matches!(events[i], MatchEvent::Ball(_)))
        .collect();
    balls[balls.len() / 2]
}

#[inline(never)]
fn measured(work: impl FnOnce() -> usize) -> usize {
    work()
}

fn main() {
    let case = std::env::args().nth(1).unwrap_or_default();
    let mut bytes = 0;
    match case.as_str() {
        "t20-ball" | "t20-serialise" => {
            let (parsed, events) = load(T20);
            let at = middle_of_second(&events);
            let before = replay(&parsed, &events[..at]);
            let ball = events[at].clone();
            for _ in 0..RUNS {
                // Both cases clone the state, so the difference is the ball alone.
                let mut m = before.clone();
                let ball = ball.clone();
                bytes += measured(|| {
                    if case == "t20-ball" {
                        m.apply(ball).expect("the ball is legal");
                    }
                    serde_json::to_vec(black_box(m.live())).unwrap().len()
                });
            }
        }
        "test-replay" => {
            let (parsed, events) = load(TEST);
            for _ in 0..RUNS / 10 {
                bytes += measured(|| {
                    let mut m = Match::new(parsed.setup.clone());
                    let mut n = 0;
                    for event in &events {
                        m.apply(event.clone()).unwrap();
                        n += serde_json::to_vec(black_box(m.live())).unwrap().len();
                    }
                    n
                });
            }
        }
        "test-serialise" => {
            let (parsed, events) = load(TEST);
            let mut m = Match::new(parsed.setup.clone());
            let states: Vec<LiveState> = events
                .iter()
                .map(|e| {
                    m.apply(e.clone()).unwrap();
                    m.live().clone()
                })
                .collect();
            for _ in 0..RUNS / 10 {
                bytes += measured(|| {
                    states
                        .iter()
                        .map(|s| serde_json::to_vec(black_box(s)).unwrap().len())
                        .sum()
                });
            }
        }
        _ => {
            eprintln!("usage: engine_count t20-ball|t20-serialise|test-replay|test-serialise");
            std::process::exit(2);
        }
    }
    println!("{case}: {bytes} bytes serialised");
}
