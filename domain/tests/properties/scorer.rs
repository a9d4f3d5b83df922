//! The scorer model behind the properties: random choices in, a legal limited-overs event list
//! out, following the Laws without asking the engine.

use std::collections::HashMap;

use crease_domain::event::{InningsStart, Toss, TossDecision};
use crease_domain::{
    Delivery, DismissalKind, Extras, Fielder, MatchEvent, MatchFormat, MatchSetup, Runs, TeamSheet,
    Wicket,
};
use proptest::prelude::*;

const TEAMS: [&str; 2] = ["Eastholm", "Westray"];

fn player(team: usize, n: usize) -> String {
    format!(
        "{} {}",
        ["East", "West"][team],
        ["Ash", "Bay", "Cole", "Dane", "Esk", "Fell", "Gill", "Holt", "Ives", "Jory", "Keld"][n]
    )
}

fn setup(overs: u16) -> MatchSetup {
    let sheet = |t: usize| TeamSheet {
        name: TEAMS[t].into(),
        players: (0..11).map(|n| player(t, n)).collect(),
    };
    MatchSetup::limited_overs(MatchFormat::Other, [sheet(0), sheet(1)], overs)
}

/// One random choice per delivery; the scorer model turns it into a legal ball.
#[derive(Debug, Clone)]
struct Choice {
    /// What happens: 0–59 runs off the bat, then wides, no-balls, byes, leg-byes, wickets.
    kind: u8,
    /// How many runs, which batter, which fielder or which bowler next: reused as a dice.
    dice: u8,
    /// Whether to check undo∘apply on this event (checking every one is quadratic).
    check_undo: bool,
}

fn choice() -> impl Strategy<Value = Choice> {
    (0u8..100, any::<u8>(), prop::bool::weighted(0.3)).prop_map(|(kind, dice, check_undo)| Choice {
        kind,
        dice,
        check_undo,
    })
}

/// A whole scenario: the setup, then each event with whether to check undo after it.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub setup: MatchSetup,
    pub events: Vec<(MatchEvent, bool)>,
    /// The model's runs, wickets and legal balls for each innings played or begun.
    pub totals: Vec<(u32, u32, u32)>,
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    (1u16..=20, prop::collection::vec(choice(), 1..320))
        .prop_map(|(overs, choices)| Scorer::new(setup(overs)).play(&choices))
}

/// The scorer's own reading of the Laws for the sequences it generates.
struct Scorer {
    setup: MatchSetup,
    events: Vec<(MatchEvent, bool)>,
    innings: usize,
    striker: String,
    non_striker: String,
    next_in: usize,
    bowler: Option<String>,
    last_over_bowler: Option<String>,
    overs_by: HashMap<String, u16>,
    legal: u32,
    in_over: u8,
    runs: u32,
    wickets: u32,
    target: Option<u32>,
    free_hit: bool,
    totals: Vec<(u32, u32, u32)>,
}

impl Scorer {
    fn new(setup: MatchSetup) -> Self {
        Self {
            setup,
            events: vec![],
            innings: 0,
            striker: String::new(),
            non_striker: String::new(),
            next_in: 2,
            bowler: None,
            last_over_bowler: None,
            overs_by: HashMap::new(),
            legal: 0,
            in_over: 0,
            runs: 0,
            wickets: 0,
            target: None,
            free_hit: false,
            totals: vec![],
        }
    }

    fn batting(&self) -> usize {
        self.innings
    }

    fn bowling(&self) -> usize {
        1 - self.innings
    }

    fn play(mut self, choices: &[Choice]) -> Scenario {
        let toss = Toss {
            winner: TEAMS[0].into(),
            decision: TossDecision::Bat,
        };
        self.events.push((MatchEvent::Toss(toss), false));
        self.start_innings(0);
        for c in choices {
            if self.innings == 2 {
                break;
            }
            self.deliver(c);
        }
        if self.innings < 2 {
            self.totals.push((self.runs, self.wickets, self.legal));
        }
        Scenario {
            setup: self.setup,
            events: self.events,
            totals: self.totals,
        }
    }

    fn start_innings(&mut self, dice: u8) {
        let t = self.batting();
        self.striker = player(t, 0);
        self.non_striker = player(t, 1);
        self.next_in = 2;
        (self.legal, self.in_over, self.runs, self.wickets) = (0, 0, 0, 0);
        self.last_over_bowler = None;
        self.overs_by.clear();
        self.free_hit = false;
        let bowler = self.pick_bowler(dice);
        let start = InningsStart {
            batting_team: TEAMS[t].into(),
            striker: self.striker.clone(),
            non_striker: self.non_striker.clone(),
            bowler: bowler.clone(),
            super_over: false,
        };
        self.bowler = Some(bowler);
        self.events.push((MatchEvent::InningsStart(start), true));
    }

    /// Any of six bowlers who did not bowl the last over and has overs left. Six bowlers with
    /// a fifth of the overs each can never all be barred, so this always finds one.
    fn pick_bowler(&self, dice: u8) -> String {
        let quota = self.setup.bowler_quota_overs.unwrap_or(u16::MAX);
        let free: Vec<String> = (5..11)
            .map(|n| player(self.bowling(), n))
            .filter(|p| Some(p) != self.last_over_bowler.as_ref())
            .filter(|p| self.overs_by.get(p).copied().unwrap_or(0) < quota)
            .collect();
        free[dice as usize % free.len()].clone()
    }

    fn deliver(&mut self, c: &Choice) {
        let bowler = match self.bowler.clone() {
            Some(b) => b,
            None => {
                let b = self.pick_bowler(c.dice);
                self.bowler = Some(b.clone());
                b
            }
        };
        let runs_off_bat = [0, 1, 2, 3, 4, 6, 0, 1][c.dice as usize % 8];
        let mut extras = Extras::default();
        let mut batter = 0;
        let mut wicket = None;
        match c.kind {
            0..=59 => batter = runs_off_bat,
            60..=66 => extras.wides = [1, 1, 2, 5][c.dice as usize % 4],
            67..=73 => (extras.noballs, batter) = (1, runs_off_bat),
            74..=78 => extras.byes = 1 + u32::from(c.dice % 4),
            79..=83 => extras.legbyes = 1 + u32::from(c.dice % 4),
            _ => {
                let fielder = player(self.bowling(), usize::from(c.dice % 11));
                let (kind, out, fielder) = match c.kind {
                    // Bowled and caught are not possible on a free hit; a run out still is.
                    84..=89 if !self.free_hit => {
                        (DismissalKind::Bowled, self.striker.clone(), None)
                    }
                    90..=94 if !self.free_hit => {
                        (DismissalKind::Caught, self.striker.clone(), Some(fielder))
                    }
                    _ if c.dice & 1 == 0 => {
                        (DismissalKind::RunOut, self.striker.clone(), Some(fielder))
                    }
                    _ => (
                        DismissalKind::RunOut,
                        self.non_striker.clone(),
                        Some(fielder),
                    ),
                };
                let fielders = fielder.map(|name| Fielder {
                    name,
                    substitute: false,
                });
                wicket = Some(Wicket {
                    kind,
                    player_out: out,
                    fielders: fielders.into_iter().collect(),
                });
            }
        }
        let delivery = Delivery {
            batter: self.striker.clone(),
            non_striker: self.non_striker.clone(),
            bowler: bowler.clone(),
            runs: Runs {
                batter,
                extras: extras.total(),
                total: batter + extras.total(),
            },
            extras,
            wickets: wicket.iter().cloned().collect(),
            non_boundary: false,
            commentary: None,
        };
        self.events.push((MatchEvent::Ball(delivery), c.check_undo));
        self.runs += batter + extras.total();

        // Runs actually run change ends; boundaries (4, 6, and 4 wides) are even anyway.
        let ran = batter + extras.byes + extras.legbyes + extras.wides.saturating_sub(1);
        if ran % 2 == 1 {
            std::mem::swap(&mut self.striker, &mut self.non_striker);
        }
        if let Some(w) = wicket {
            self.wickets += 1;
            if self.wickets < 10 {
                // The incoming batter takes the dismissed batter's place (Law 18.11).
                let new = player(self.batting(), self.next_in);
                self.next_in += 1;
                if w.player_out == self.striker {
                    self.striker = new;
                } else {
                    self.non_striker = new;
                }
            }
        }
        let legal = extras.wides == 0 && extras.noballs == 0;
        if legal {
            self.legal += 1;
            self.in_over += 1;
            self.free_hit = false;
        } else if extras.noballs > 0 {
            self.free_hit = self.setup.free_hit.shown();
        }
        if legal && self.in_over == self.setup.balls_per_over {
            *self.overs_by.entry(bowler.clone()).or_default() += 1;
            self.in_over = 0;
            self.last_over_bowler = Some(bowler);
            self.bowler = None;
            std::mem::swap(&mut self.striker, &mut self.non_striker);
        }
        let max =
            u32::from(self.setup.overs_per_innings.unwrap()) * u32::from(self.setup.balls_per_over);
        let chased = self.target.is_some_and(|t| self.runs >= t);
        if self.wickets == 10 || self.legal == max || chased {
            self.totals.push((self.runs, self.wickets, self.legal));
            self.target = Some(self.runs + 1);
            self.innings += 1;
            if self.innings < 2 {
                self.start_innings(c.dice);
            }
        }
    }
}
