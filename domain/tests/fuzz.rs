//! Bounded fuzzing of the engine's two doors, seeded with real matches: a Cricsheet file changed
//! at random (a field replaced or removed, the text cut or a byte flipped), and deliveries and
//! events of any shape sent to a match in progress, with or without an override. Neither may
//! panic, and a refused event leaves the match exactly as it was.
//!
//! Proptest keeps each failing case in `fuzz.proptest-regressions` beside this file, so a crash
//! found once is replayed first on every later run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;

use crease_domain::cricsheet;
use crease_domain::{Match, MatchEvent, Recorded};
use proptest::prelude::*;
use serde_json::{json, Value};

const SEEDS: [&str; 3] = [
    "t20_2022-11-22_new_zealand_v_india.json",
    "odi_2019-07-14_england_v_new_zealand.json",
    "test_2005-08-04_england_v_australia.json",
];

fn data(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/cricsheet")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn seeds() -> &'static [(String, Value)] {
    static SEEDS_READ: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS_READ.get_or_init(|| {
        SEEDS
            .iter()
            .map(|f| {
                let text = data(f);
                let value = serde_json::from_str(&text).expect("a bundled file is JSON");
                (text, value)
            })
            .collect()
    })
}

/// A value of any JSON type, with the numbers that break arithmetic.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(7),
            Just(i64::from(u32::MAX)),
            Just(i64::MAX),
            Just(i64::MIN),
            any::<i64>()
        ]
        .prop_map(Value::from),
        prop_oneof![Just(0.5f64), Just(1e300), Just(-0.0)].prop_map(Value::from),
        "[a-zA-Z ]{0,12}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!([{}])),
    ]
}

/// Walks to a node chosen by `picks` (each pick chooses a child) and replaces it, or removes it
/// from its parent.
fn mutate(node: &mut Value, picks: &[usize], replacement: Option<Value>) {
    if let Some((pick, rest)) = picks.split_first() {
        let remove = rest.is_empty() && replacement.is_none();
        match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(pick % map.len())
                    .cloned()
                    .unwrap_or_default();
                if remove {
                    map.remove(&key);
                    return;
                }
                if let Some(child) = map.get_mut(&key) {
                    return mutate(child, rest, replacement);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let i = pick % items.len();
                if remove {
                    items.remove(i);
                    return;
                }
                return mutate(&mut items[i], rest, replacement);
            }
            _ => {}
        }
    }
    if let Some(v) = replacement {
        *node = v;
    }
}

#[derive(Debug, Clone)]
enum Change {
    Replace(Vec<usize>, Value),
    Remove(Vec<usize>),
    Cut(usize),
    Flip(usize, u8),
}

fn change() -> impl Strategy<Value = Change> {
    let path = prop::collection::vec(any::<usize>(), 1..9);
    prop_oneof![
        4 => (path.clone(), any_value()).prop_map(|(p, v)| Change::Replace(p, v)),
        2 => path.prop_map(Change::Remove),
        1 => any::<usize>().prop_map(Change::Cut),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Change::Flip(at, b)),
    ]
}

/// Parses and replays `text`, turning a panic into a test failure naming it.
fn import_survives(text: &str) -> Result<(), TestCaseError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(parsed) = cricsheet::parse(text) {
            let _ = Match::replay(parsed.setup, parsed.events);
        }
    }));
    prop_assert!(outcome.is_ok(), "the importer or engine panicked");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_changed_cricsheet_file_is_an_error_not_a_panic(
        seed in 0..SEEDS.len(),
        changes in prop::collection::vec(change(), 1..4),
    ) {
        let (text, value) = &seeds()[seed];
        let mut value = value.clone();
        let mut bytes: Option<Vec<u8>> = None;
        for c in changes {
            match c {
                Change::Replace(p, v) => mutate(&mut value, &p, Some(v)),
                Change::Remove(p) => mutate(&mut value, &p, None),
                Change::Cut(at) => {
                    let b = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
                    let at = at % (b.len() + 1);
                    b.truncate(at);
                }
                Change::Flip(at, x) => {
                    let b = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
                    if !b.is_empty() {
                        let at = at % b.len();
                        b[at] ^= x;
                    }
                }
            }
        }
        import_survives(&value.to_string())?;
        if let Some(b) = bytes {
            import_survives(&String::from_utf8_lossy(&b))?;
        }
    }
}

/// A T20 in its second innings, and the names that can appear in it.
fn match_in_progress() -> &'static (Match, Vec<String>) {
    static GAME: OnceLock<(Match, Vec<String>)> = OnceLock::new();
    GAME.get_or_init(|| {
        let parsed = cricsheet::parse(&data(SEEDS[0])).expect("a bundled file parses");
        let half = parsed.events.len() * 3 / 4;
        let names = parsed
            .setup
            .teams
            .iter()
            .flat_map(|t| t.players.clone())
            .collect();
        let m = Match::replay(parsed.setup, parsed.events[..half].to_vec())
            .expect("a bundled match replays");
        (m, names)
    })
}

/// An event body of any shape the API's JSON could carry: the kinds the engine knows, with
/// fields from the match's own names, strangers and numbers at the edges.
fn any_event(names: Vec<String>) -> impl Strategy<Value = Value> {
    let mut pool: Vec<Value> = names.into_iter().map(Value::from).collect();
    pool.push(Value::from("Nobody Atall"));
    pool.push(Value::from(""));
    let name = prop::sample::select(pool);
    let runs = prop_oneof![0u64..8, Just(u64::from(u32::MAX)), any::<u64>()];
    let delivery = (
        name.clone(),
        name.clone(),
        name.clone(),
        runs.clone(),
        prop::collection::vec(
            (
                prop::sample::select(vec!["wides", "noballs", "byes", "legbyes", "penalty"]),
                runs.clone(),
            ),
            0..3,
        ),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "bowled",
                    "caught",
                    "run out",
                    "stumped",
                    "retired hurt",
                    "lbw",
                    "vanished",
                ]),
                name.clone(),
            ),
            0..3,
        ),
        any::<bool>(),
        runs,
    )
        .prop_map(|(batter, non_striker, bowler, bat, extras, wickets, nb, total)| {
            let extras: serde_json::Map<String, Value> =
                extras.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
            let extra_sum: u64 = extras.values().filter_map(Value::as_u64).fold(0, u64::saturating_add);
            let total = if total % 2 == 0 { bat.saturating_add(extra_sum) } else { total };
            let wickets: Vec<Value> = wickets
                .into_iter()
                .map(|(kind, out)| json!({ "kind": kind, "player_out": out }))
                .collect();
            json!({ "kind": "ball", "data": {
                "batter": batter, "non_striker": non_striker, "bowler": bowler,
                "runs": { "batter": bat, "extras": extra_sum, "total": total, "non_boundary": nb },
                "extras": extras, "wickets": wickets,
            }})
        });
    let other = prop_oneof![
        name.clone().prop_map(|n| json!({ "kind": "new_batter", "data": { "batter": n } })),
        name.clone().prop_map(|n| json!({ "kind": "bowler_change", "data": { "bowler": n } })),
        name.clone().prop_map(|n| json!({ "kind": "retirement", "data": { "batter": n, "kind": "hurt" } })),
        (any::<u64>(), any::<bool>()).prop_map(|(r, first)| json!({ "kind": "penalty_runs", "data": {
            "team": if first { "New Zealand" } else { "India" }, "runs": r } })),
        (0u32..400).prop_map(|o| json!({ "kind": "reduced_overs", "data": { "overs": f64::from(o) / 10.0 } })),
        (0u32..12).prop_map(|b| json!({ "kind": "miscounted_over", "data": { "balls": b } })),
        prop::collection::vec(name, 0..3).prop_map(|b| json!({ "kind": "no_further_batter", "data": { "reason": "absent_hurt", "batters": b } })),
        (any::<u64>(), 0u32..60).prop_map(|(r, o)| json!({ "kind": "revised_target", "data": { "runs": r, "overs": o } })),
        Just(json!({ "kind": "declaration" })),
        Just(json!({ "kind": "undo" })),
    ];
    prop_oneof![3 => delivery, 1 => other]
}

fn events_and_overrides() -> impl Strategy<Value = Vec<(Value, bool)>> {
    let names = match_in_progress().1.clone();
    prop::collection::vec((any_event(names), prop::bool::weighted(0.3)), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_event_is_recorded_or_refused_without_a_trace(events in events_and_overrides()) {
        let mut m = match_in_progress().0.clone();
        for (body, overridden) in events {
            // What the API would take: a body that does not deserialise never reaches the engine.
            let Ok(event) = serde_json::from_value::<MatchEvent>(body) else { continue };
            let rec = if overridden {
                Recorded::overriding(event, "fuzz")
            } else {
                Recorded::from(event)
            };
            let before = serde_json::to_string(m.live()).unwrap();
            let events_before = m.events().len();
            let outcome = catch_unwind(AssertUnwindSafe(|| m.record(rec.clone())));
            prop_assert!(outcome.is_ok(), "the engine panicked on {:?}", rec);
            if let Ok(Err(_)) = outcome {
                prop_assert_eq!(serde_json::to_string(m.live()).unwrap(), before);
                prop_assert_eq!(m.events().len(), events_before);
            }
        }
    }
}
