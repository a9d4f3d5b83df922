//! The `line` of a `ball` message: only what a ball changes, under short names that are part
//! of the protocol (README, "The ball message"). A ball is the message every viewer gets most
//! often, so its bytes are its cost; figures a client can work out (rates) are left to it, and
//! a field whose value is nothing (no target, no free hit, nothing due, no result) is left out.

use crease_domain::live::{BattingLine, BowlingLine, CommentaryLine, Due, InningsState};
use crease_domain::LiveState;
use serde::Serialize;

#[derive(Serialize)]
pub struct BallLine<'a> {
    /// The match's status.
    st: crease_domain::live::MatchStatus,
    /// The one-line summary, as in lists and the ticker.
    sum: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    innings: Option<Innings<'a>>,
    /// Striker and non-striker.
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<Batter<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<Batter<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bowl: Option<Bowler<'a>>,
    /// The next ball is a free hit.
    #[serde(skip_serializing_if = "is_false")]
    fh: bool,
    #[serde(skip_serializing_if = "<[Due]>::is_empty")]
    due: &'a [Due],
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<Commentary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    res: Option<&'a str>,
}

/// The innings in progress: number, runs, wickets, legal balls, overs and this over; target,
/// runs needed and balls left while chasing; `cl` once it has closed.
#[derive(Serialize)]
struct Innings<'a> {
    inn: u8,
    r: u32,
    w: u32,
    b: u32,
    ov: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tgt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    need: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    left: Option<u32>,
    #[serde(skip_serializing_if = "is_false")]
    cl: bool,
    this: &'a [String],
}

/// A batter's figures: name, runs, balls faced, fours, sixes.
#[derive(Serialize)]
struct Batter<'a> {
    n: &'a str,
    r: u32,
    b: u32,
    #[serde(rename = "4s")]
    fours: u32,
    #[serde(rename = "6s")]
    sixes: u32,
}

/// A bowler's figures: name, legal balls, overs, maidens, runs, wickets, wides, no-balls, dots.
#[derive(Serialize)]
struct Bowler<'a> {
    n: &'a str,
    b: u32,
    ov: &'a str,
    m: u32,
    r: u32,
    w: u32,
    wd: u32,
    nb: u32,
    #[serde(rename = "0s")]
    dots: u32,
}

/// The ball's commentary: where in the over, and the words.
#[derive(Serialize)]
struct Commentary<'a> {
    at: &'a str,
    text: &'a str,
}

fn is_false(b: &bool) -> bool {
    !*b
}

pub fn ball_line(live: &LiveState) -> BallLine<'_> {
    let at = super::at_crease(live);
    BallLine {
        st: live.status,
        sum: &live.summary,
        innings: at.innings.map(innings_figures),
        s: at.striker.map(batter),
        ns: at.non_striker.map(batter),
        bowl: at.bowler.map(bowler),
        fh: live.free_hit,
        due: &live.due,
        c: live.commentary.last().map(commentary),
        res: live.result.as_deref(),
    }
}

fn innings_figures(inn: &InningsState) -> Innings<'_> {
    Innings {
        inn: inn.number,
        r: inn.runs,
        w: inn.wickets,
        b: inn.balls,
        ov: &inn.overs,
        tgt: inn.target,
        need: inn.runs_needed,
        left: inn.balls_remaining,
        cl: inn.closed,
        this: &inn.this_over,
    }
}

fn batter(b: &BattingLine) -> Batter<'_> {
    Batter {
        n: &b.name,
        r: b.runs,
        b: b.balls,
        fours: b.fours,
        sixes: b.sixes,
    }
}

fn bowler(b: &BowlingLine) -> Bowler<'_> {
    Bowler {
        n: &b.name,
        b: b.balls,
        ov: &b.overs,
        m: b.maidens,
        r: b.runs,
        w: b.wickets,
        wd: b.wides,
        nb: b.noballs,
        dots: b.dots,
    }
}

fn commentary(c: &CommentaryLine) -> Commentary<'_> {
    Commentary {
        at: &c.ball,
        text: &c.text,
    }
}
