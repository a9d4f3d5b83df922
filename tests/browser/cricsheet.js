// A real Cricsheet match for the browser tests: the API requests that score it as its file
// records it (toss, each innings' start, each delivery), and the figures a scoreboard must
// show after any delivery, counted from the file's own fields (never from the server's code).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.js';

/** Dismissals the bowler is credited with (the Laws; Cricsheet's spellings). */
const BOWLERS_WICKETS = new Set(['bowled', 'caught', 'caught and bowled', 'lbw', 'stumped', 'hit wicket']);
const NOT_A_WICKET = new Set(['retired hurt', 'retired not out']);

export function readMatch(file) {
  return JSON.parse(readFileSync(join(ROOT, 'data/cricsheet', file), 'utf8'));
}

/** The `POST /api/matches` body: the file's teams, players, overs and venue. */
export function createBody(m) {
  const teams = m.info.teams.map((name) => ({ name, players: m.info.players[name] }));
  return {
    title: `${m.info.teams[0]} v ${m.info.teams[1]}`,
    venue: m.info.venue,
    format: m.info.match_type.toLowerCase(),
    overs: m.info.overs,
    balls_per_over: m.info.balls_per_over,
    teams,
  };
}

/** An innings' deliveries in order, each with its over number. */
export function deliveries(m, innings) {
  return m.innings[innings].overs.flatMap((o) => o.deliveries.map((d) => ({ over: o.over, d })));
}

/** The `POST …/balls` body for one delivery: Cricsheet's own shape, less what the API keeps elsewhere. */
export function ballBody(d) {
  const { non_boundary: nonBoundary, ...runs } = d.runs;
  const body = { batter: d.batter, non_striker: d.non_striker, bowler: d.bowler, runs };
  if (d.extras) body.extras = d.extras;
  if (d.wickets) body.wickets = d.wickets;
  if (nonBoundary) body.non_boundary = true;
  for (const k of Object.keys(d)) {
    if (!['batter', 'non_striker', 'bowler', 'runs', 'extras', 'wickets', 'review'].includes(k)) {
      throw new Error(`this delivery needs more than a ball to score: ${k}`);
    }
  }
  return body;
}

export function tossEvent(m) {
  return { kind: 'toss', data: { winner: m.info.toss.winner, decision: m.info.toss.decision } };
}

export function inningsStartEvent(m, innings) {
  const first = deliveries(m, innings)[0].d;
  return {
    kind: 'innings_start',
    data: { batting_team: m.innings[innings].team, striker: first.batter, non_striker: first.non_striker, bowler: first.bowler },
  };
}

const legal = (d) => !(d.extras && (d.extras.wides || d.extras.noballs));

/** "14.3": completed overs and legal balls of the next. */
function oversText(balls, bpo) {
  return `${Math.floor(balls / bpo)}.${balls % bpo}`;
}

/** The "this over" chip, as the README's scoreboard shows a delivery: 0, 4, W, 1wd, 2nb, 1lb, 3b. */
function chip(d) {
  const e = d.extras || {};
  let c;
  if (e.wides) c = `${e.wides}wd`;
  else if (e.noballs) c = `${d.runs.total - (e.penalty || 0)}nb`;
  else if (e.legbyes) c = `${e.legbyes}lb`;
  else if (e.byes) c = `${e.byes}b`;
  else if (d.runs.non_boundary && (d.runs.batter === 4 || d.runs.batter === 6)) c = `${d.runs.batter}r`;
  else c = String(d.runs.batter);
  if ((d.wickets || []).some((w) => !NOT_A_WICKET.has(w.kind))) c = c === '0' ? 'W' : `${c}W`;
  return c;
}

/**
 * The board after the first `n` deliveries of an innings: score, overs, each batter's runs
 * and balls, each bowler's wickets, runs and overs, this over's chips, and the chase.
 */
export function boardAfter(m, innings, n) {
  const bpo = m.info.balls_per_over;
  const list = deliveries(m, innings).slice(0, n);
  let runs = 0;
  let wickets = 0;
  let balls = 0;
  const batters = new Map();
  const bowlers = new Map();
  for (const { d } of list) {
    const e = d.extras || {};
    runs += d.runs.total;
    if (legal(d)) balls += 1;
    const bat = batters.get(d.batter) || { runs: 0, balls: 0 };
    bat.runs += d.runs.batter;
    if (!e.wides) bat.balls += 1;
    batters.set(d.batter, bat);
    const bowl = bowlers.get(d.bowler) || { runs: 0, wickets: 0, balls: 0 };
    bowl.runs += d.runs.batter + (e.wides || 0) + (e.noballs || 0);
    if (legal(d)) bowl.balls += 1;
    for (const w of d.wickets || []) {
      if (!NOT_A_WICKET.has(w.kind)) wickets += 1;
      if (BOWLERS_WICKETS.has(w.kind)) bowl.wickets += 1;
    }
    bowlers.set(d.bowler, bowl);
  }
  const last = list[list.length - 1];
  const thisOver = last ? list.filter((x) => x.over === last.over).map((x) => chip(x.d)) : [];
  const overRuns = last ? list.filter((x) => x.over === last.over).reduce((a, x) => a + x.d.runs.total, 0) : 0;
  const target = m.innings[innings].target ? m.innings[innings].target.runs : null;
  const maxBalls = m.info.overs * bpo;
  const chase = target == null ? null : {
    target,
    need: target - runs,
    left: maxBalls - balls,
    rrr: (Math.round(((target - runs) * bpo * 100) / (maxBalls - balls)) / 100).toFixed(2),
  };
  return {
    score: `${runs}/${wickets}`,
    overs: oversText(balls, bpo),
    batters,
    bowlers: new Map([...bowlers].map(([k, v]) => [k, { ...v, overs: oversText(v.balls, bpo) }])),
    thisOver,
    overRuns,
    chase,
  };
}
