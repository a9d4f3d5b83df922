//! One innings' figures counted by hand from its raw Cricsheet JSON, by the format's documented
//! fields only, so that nothing the importer or the engine believes can leak into the answer.

use std::collections::BTreeMap;

use serde_json::Value;

/// Dismissals the bowler is credited with; run outs, obstructing, timed out, handled the ball
/// and the retirements go to nobody.
const CREDITED: [&str; 6] = [
    "bowled",
    "caught",
    "caught and bowled",
    "lbw",
    "stumped",
    "hit wicket",
];

/// Retirements that leave the batter not out, and so are no wicket ("retired out" is one).
const NOT_A_WICKET: [&str; 2] = ["retired hurt", "retired not out"];

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Bat {
    pub runs: u32,
    pub balls: u32,
    pub fours: u32,
    pub sixes: u32,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Bowl {
    pub balls: u32,
    pub maidens: u32,
    pub runs: u32,
    pub wickets: u32,
}

#[derive(Debug, Default)]
pub struct InningsCount {
    pub team: String,
    pub super_over: bool,
    pub runs: u32,
    pub wickets: u32,
    pub balls: u32,
    pub bat: BTreeMap<String, Bat>,
    pub bowl: BTreeMap<String, Bowl>,
}

/// The number at `path`, 0 when any step of it is absent: Cricsheet omits zero extras.
pub fn n(v: &Value, path: &[&str]) -> u32 {
    path.iter()
        .try_fold(v, |cur, p| cur.get(p))
        .and_then(Value::as_u64)
        .map_or(0, |x| u32::try_from(x).expect("a count that fits in u32"))
}

fn name(d: &Value, key: &str) -> String {
    d[key]
        .as_str()
        .unwrap_or_else(|| panic!("a delivery without `{key}`: {d}"))
        .to_string()
}

fn kind(wicket: &Value) -> &str {
    wicket["kind"].as_str().unwrap_or("")
}

pub fn count_innings(inn: &Value, balls_per_over: u32) -> InningsCount {
    let mut c = InningsCount {
        team: inn["team"].as_str().unwrap_or("").to_string(),
        super_over: inn["super_over"].as_bool().unwrap_or(false),
        // Penalty runs awarded outside any delivery (Law 41) belong to the innings alone.
        runs: n(inn, &["penalty_runs", "pre"]) + n(inn, &["penalty_runs", "post"]),
        ..InningsCount::default()
    };
    let empty = vec![];
    let overs = inn["overs"].as_array().unwrap_or(&empty);
    for (oi, over) in overs.iter().enumerate() {
        let mut bowlers: Vec<String> = vec![];
        let mut conceded = 0;
        let mut legal = 0;
        for d in over["deliveries"].as_array().unwrap_or(&empty) {
            let wide = d["extras"].get("wides").is_some();
            let noball = d["extras"].get("noballs").is_some();
            let off_bat = n(d, &["runs", "batter"]);
            // Run, or overthrows added to a run: the batter scored them, but no boundary was hit.
            let boundary = !d["runs"]["non_boundary"].as_bool().unwrap_or(false);
            let wickets = d["wickets"].as_array().unwrap_or(&empty);

            c.runs += n(d, &["runs", "total"]);
            c.wickets += wickets
                .iter()
                .filter(|w| !NOT_A_WICKET.contains(&kind(w)))
                .count() as u32;

            let b = c.bat.entry(name(d, "batter")).or_default();
            b.runs += off_bat;
            b.fours += u32::from(boundary && off_bat == 4);
            b.sixes += u32::from(boundary && off_bat == 6);
            // A no-ball is a ball faced; a wide never reaches the striker.
            b.balls += u32::from(!wide);

            let bowler = name(d, "bowler");
            let charged = off_bat + n(d, &["extras", "wides"]) + n(d, &["extras", "noballs"]);
            let w = c.bowl.entry(bowler.clone()).or_default();
            w.runs += charged;
            w.wickets += wickets
                .iter()
                .filter(|wk| CREDITED.contains(&kind(wk)))
                .count() as u32;
            if !wide && !noball {
                w.balls += 1;
                c.balls += 1;
                legal += 1;
            }
            if !bowlers.contains(&bowler) {
                bowlers.push(bowler);
            }
            conceded += charged;
        }
        // A miscounted short over was still a whole over; only the innings' last can be cut short.
        let complete = legal >= balls_per_over || oi + 1 < overs.len();
        if let [only] = bowlers.as_slice() {
            if conceded == 0 && complete {
                c.bowl.entry(only.clone()).or_default().maidens += 1;
            }
        }
    }
    c
}
