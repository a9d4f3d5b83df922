//! What one ball costs at ingest: apply it, derive the live state, serialise the snapshot.
//!
//! Each group also measures serialising the same snapshot alone, in the same run, so the cost
//! of the engine can be quoted as a ratio to pure serialisation rather than as bare times.
//! States are built by replaying real Cricsheet matches bundled in `data/cricsheet/`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crease_domain::cricsheet::{self, CricsheetMatch};
use crease_domain::{LiveState, Match, MatchEvent};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const T20: &str = "t20_2022-04-10_rajasthan_royals_v_lucknow_super_giants.json";
/// Five days, four innings, some 2,000 legal balls: the longest replay we bundle.
const TEST: &str = "test_2024-02-15_india_v_england.json";

/// How many events after the middle ball a running match is timed over before it is rebuilt.
const RUNNING_WINDOW: usize = 60;

/// A bundled match and its events; none of the benchmarked files needs an override, so the
/// events are applied as a scorer's would be, under every check.
fn load(file: &str) -> (CricsheetMatch, Vec<MatchEvent>) {
    let path = format!("{}/../data/cricsheet/{file}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed = cricsheet::parse(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
    let events = parsed.events.iter().map(|r| r.event.clone()).collect();
    (parsed, events)
}

fn replay(parsed: &CricsheetMatch, events: &[MatchEvent]) -> Match {
    let mut m = Match::new(parsed.setup.clone());
    for (i, event) in events.iter().enumerate() {
        if let Err(e) = m.apply(event.clone()) {
            panic!("event {i} refused: {e}");
        }
    }
    m
}

/// The index of the middle ball of the `n`th innings (1-based).
fn middle_ball(events: &[MatchEvent], n: usize) -> usize {
    let starts: Vec<usize> = (0..events.len())
        .filter(|&i| matches!(events[i], MatchEvent::InningsStart(_)))
        .collect();
    let start = starts[n - 1];
    let end = starts.get(n).copied().unwrap_or(events.len());
    let balls: Vec<usize> = (start..end)
        .filter(|&i| matches!(events[i], MatchEvent::Ball(_)))
        .collect();
    balls[balls.len() / 2]
}

/// One ball from the middle of innings `n`, against serialising the state it is bowled into.
fn next_ball(c: &mut Criterion, group: &str, file: &str, innings: usize) {
    let (parsed, events) = load(file);
    let at = middle_ball(&events, innings);
    let before = replay(&parsed, &events[..at]);
    let ball = events[at].clone();

    let mut g = c.benchmark_group(group);
    g.bench_function("baseline: serialise the live state", |b| {
        b.iter(|| serde_json::to_vec(black_box(before.live())).unwrap())
    });
    g.bench_function("apply ball + read live + serialise", |b| {
        b.iter_batched(
            || (before.clone(), ball.clone()),
            |(mut m, ball)| {
                m.apply(ball).unwrap();
                let bytes = serde_json::to_vec(black_box(m.live())).unwrap();
                // Returned, so that dropping the match is not timed.
                (m, bytes)
            },
            // One fresh clone just before each run: a batch of clones made up front would be
            // cold in cache by the time each is used, and the figure would be the cache misses
            // of a state no live server has (its match was touched by the previous ball).
            BatchSize::PerIteration,
        )
    });
    // A clone's event list has no spare capacity, so its first new event copies the whole list;
    // a live match grows its list by doubling. This measures the events that follow `at` in a
    // match replayed up to it, as a server holds one, timing each event alone.
    g.bench_function("running match: one event + read live + serialise", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let mut m = replay(&parsed, &events[..at]);
                for event in events[at..].iter().take(RUNNING_WINDOW) {
                    let event = event.clone();
                    let start = Instant::now();
                    m.apply(event).unwrap();
                    let bytes = serde_json::to_vec(black_box(m.live())).unwrap();
                    total += start.elapsed();
                    drop(bytes);
                    done += 1;
                    if done == iters {
                        break;
                    }
                }
            }
            total
        })
    });
    g.finish();
}

fn t20_second_innings(c: &mut Criterion) {
    next_ball(c, "t20 mid second innings", T20, 2);
}

fn test_fourth_innings(c: &mut Criterion) {
    next_ball(c, "test mid fourth innings", TEST, 4);
}

/// The whole Test ball by ball, as ingest does it, against serialising every state it passes.
fn whole_test(c: &mut Criterion) {
    let (parsed, events) = load(TEST);
    let states: Vec<LiveState> = {
        let mut m = Match::new(parsed.setup.clone());
        let mut states = Vec::with_capacity(events.len());
        for event in &events {
            m.apply(event.clone()).unwrap();
            states.push(m.live().clone());
        }
        states
    };

    let mut g = c.benchmark_group("whole test");
    g.sample_size(10);
    g.bench_function("baseline: serialise every state", |b| {
        b.iter(|| {
            let mut bytes = 0;
            for live in &states {
                bytes += serde_json::to_vec(black_box(live)).unwrap().len();
            }
            bytes
        })
    });
    g.bench_function("replay + serialise after every event", |b| {
        b.iter(|| {
            let mut m = Match::new(parsed.setup.clone());
            let mut bytes = 0;
            for event in &events {
                m.apply(event.clone()).unwrap();
                bytes += serde_json::to_vec(black_box(m.live())).unwrap().len();
            }
            (m, bytes)
        })
    });
    g.finish();
}

criterion_group!(benches, t20_second_innings, test_fourth_innings, whole_test);
criterion_main!(benches);
