// The viewer's rendering: the scoreboard (score, overs, rates, target, the batters in, the
// bowler, this over), the full cards of every innings and the umpires' decisions that overruled
// the Laws checks; and applyBall, which folds a `ball` message's line into the state so the page
// updates without fetching a snapshot.

import { el, fill, rate, statusText } from './dom.js';

export function currentInnings(state) {
  const i = state.current_innings;
  return typeof i === 'number' ? state.innings[i] || null : null;
}

function chipClass(c) {
  if (c === 'W' || c.includes('W')) return 'chip wicket';
  if (c === '4') return 'chip boundary';
  if (c === '6') return 'chip six';
  if (/wd|nb|lb|b|p/.test(c)) return 'chip extra';
  return c === '0' ? 'chip dot' : 'chip';
}

export function chips(list) {
  const ol = el('ol', { class: 'chips', 'aria-label': 'This over' });
  for (const c of list || []) ol.append(el('li', { class: chipClass(c) }, c));
  if (!(list || []).length) ol.append(el('li', { class: 'chip empty' }, '–'));
  return ol;
}

function batterRow(inn, name, striker) {
  const b = inn && inn.batting.find((x) => x.name === name);
  return el('tr', {},
    el('th', { scope: 'row' }, name, striker ? el('span', { class: 'on-strike', title: 'on strike' }, ' *') : null),
    el('td', { class: 'num strong' }, b ? b.runs : 0),
    el('td', { class: 'num' }, b ? b.balls : 0),
    el('td', { class: 'num wide-only' }, b ? b.fours : 0),
    el('td', { class: 'num wide-only' }, b ? b.sixes : 0),
    el('td', { class: 'num' }, b ? b.strike_rate.toFixed(1) : '–'));
}

/** The target line: "Target 142 · need 111 from 93 balls · RRR 7.16". */
function chase(inn) {
  if (!inn || inn.target == null) return null;
  const parts = [`Target ${inn.target}`];
  if (inn.runs_needed != null && !inn.closed) {
    const from = inn.balls_remaining != null ? ` from ${inn.balls_remaining} ball${inn.balls_remaining === 1 ? '' : 's'}` : '';
    parts.push(`need ${inn.runs_needed}${from}`);
  }
  return el('p', { class: 'chase', 'data-testid': 'chase' }, parts.join(' · '));
}

export function renderBoard(root, state) {
  const inn = currentInnings(state);
  const score = inn
    ? [el('span', { class: 'team' }, inn.team, inn.super_over ? ' (super over)' : ''),
      el('span', { class: 'runs', 'data-testid': 'score' }, `${inn.runs}/${inn.wickets}`),
      el('span', { class: 'overs', 'data-testid': 'overs' }, `(${inn.overs} ov)`)]
    : [el('span', { class: 'team' }, statusText(state.status))];
  const rates = inn ? el('dl', { class: 'rates' },
    el('div', {}, el('dt', {}, 'Run rate'), el('dd', {}, rate(inn.run_rate))),
    inn.required_rate != null ? el('div', {}, el('dt', {}, 'Required'), el('dd', {}, rate(inn.required_rate))) : null,
    inn.projected != null && inn.target == null && !inn.closed
      ? el('div', {}, el('dt', {}, 'Projected'), el('dd', {}, inn.projected)) : null,
    el('div', {}, el('dt', {}, 'Extras'), el('dd', {}, inn.extras.total))) : null;
  const open = inn && !inn.closed;
  const bowler = open && state.bowler && inn.bowling.find((b) => b.name === state.bowler);
  fill(root,
    el('h2', { class: 'sr-only' }, 'Score'),
    el('p', { class: 'score' }, ...score),
    state.free_hit ? el('p', { class: 'badge' }, 'Free hit') : null,
    chase(inn),
    rates,
    open ? el('table', { class: 'card batters', 'aria-label': 'Batters at the crease' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Batter'), el('th', { scope: 'col', class: 'num' }, 'R'),
        el('th', { scope: 'col', class: 'num' }, 'B'), el('th', { scope: 'col', class: 'num wide-only' }, '4s'),
        el('th', { scope: 'col', class: 'num wide-only' }, '6s'), el('th', { scope: 'col', class: 'num' }, 'SR'))),
      el('tbody', { 'data-testid': 'batters' },
        state.striker ? batterRow(inn, state.striker, true) : null,
        state.non_striker ? batterRow(inn, state.non_striker, false) : null)) : null,
    open ? el('p', { class: 'bowler', 'data-testid': 'bowler' },
      el('span', { class: 'label' }, 'Bowling '),
      state.bowler
        ? [el('strong', {}, state.bowler), bowler ? ` ${bowler.overs}-${bowler.maidens}-${bowler.runs}-${bowler.wickets}` : '']
        : 'new bowler due') : null,
    inn ? el('div', { class: 'this-over' }, el('span', { class: 'label' }, 'This over'), chips(inn.this_over)) : null,
    // A stoppage is news: "Rain: play suspended since 14:05".
    state.interruption ? el('p', { class: 'stopped', 'data-testid': 'stopped', role: 'status' }, state.interruption.text) : null,
    // The summary repeats the score while an innings is open; otherwise it says what is next.
    el('p', { class: 'summary', 'data-testid': 'summary' }, state.result || (open ? '' : state.summary || '')));
}

function table(caption, head, rows, cls) {
  return el('table', { class: `card ${cls || ''}` },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, head.map(([t, c]) => el('th', { scope: 'col', class: c || null }, t)))),
    el('tbody', {}, rows));
}

function inningsCard(inn, open) {
  const ex = inn.extras;
  const extras = `${ex.total} (b ${ex.byes}, lb ${ex.legbyes}, w ${ex.wides}, nb ${ex.noballs}${ex.penalty ? `, pen ${ex.penalty}` : ''})`;
  const title = `${inn.team}${inn.super_over ? ' super over' : ''}${inn.follow_on ? ' (following on)' : ''}`;
  const state = inn.declared ? ' dec' : inn.forfeited ? ' forfeited' : '';
  return el('details', { class: 'innings', open: open || null, 'data-number': inn.number },
    el('summary', {}, el('h3', {}, `${title}: ${inn.runs}/${inn.wickets}${state} (${inn.overs} ov)`)),
    el('div', { class: 'innings-body' }, el('div', {}, table('Batting', [['Batter'], ['R', 'num'], ['B', 'num'], ['4s', 'num'], ['6s', 'num'], ['SR', 'num']],
      inn.batting.map((b) => el('tr', { class: b.out ? 'out' : 'in' },
        el('th', { scope: 'row' }, el('span', { class: 'name' }, b.name), el('span', { class: 'how' }, b.dismissal)),
        el('td', { class: 'num strong' }, b.runs), el('td', { class: 'num' }, b.balls),
        el('td', { class: 'num' }, b.fours), el('td', { class: 'num' }, b.sixes),
        el('td', { class: 'num' }, b.strike_rate.toFixed(1)))), 'batting'),
    el('p', { class: 'extras' }, el('span', { class: 'label' }, 'Extras '), extras,
      el('span', { class: 'label' }, ' · Total '), `${inn.runs}/${inn.wickets} (${inn.overs} ov, RR ${rate(inn.run_rate)})`)),
    el('div', {}, table('Bowling', [['Bowler'], ['O', 'num'], ['M', 'num'], ['R', 'num'], ['W', 'num'], ['Econ', 'num'],
      ['Wd', 'num wide-only'], ['NB', 'num wide-only'], ['0s', 'num wide-only']],
    inn.bowling.map((b) => el('tr', {},
      el('th', { scope: 'row' }, b.name), el('td', { class: 'num' }, b.overs), el('td', { class: 'num' }, b.maidens),
      el('td', { class: 'num' }, b.runs), el('td', { class: 'num strong' }, b.wickets),
      el('td', { class: 'num' }, rate(b.economy)), el('td', { class: 'num wide-only' }, b.wides),
      el('td', { class: 'num wide-only' }, b.noballs), el('td', { class: 'num wide-only' }, b.dots))), 'bowling'),
    inn.fall_of_wickets.length ? el('div', { class: 'fow' }, el('h4', {}, 'Fall of wickets'),
      el('p', {}, inn.fall_of_wickets.map((f) => `${f.wicket}-${f.runs} (${f.batter}, ${f.overs} ov)`).join(', '))) : null,
    inn.partnerships.length ? table('Partnerships', [['Wkt', 'num'], ['Batters'], ['Runs', 'num'], ['Balls', 'num']],
      inn.partnerships.map((p) => el('tr', {}, el('td', { class: 'num' }, p.wicket),
        el('td', {}, p.batters.join(' & ')), el('td', { class: 'num strong' }, p.runs),
        el('td', { class: 'num' }, p.balls))), 'partnerships') : null)));
}

/** Every innings, the latest first; open as the reader left them (at first, the current one). */
export function renderInnings(root, state) {
  const cur = state.current_innings;
  const was = new Map([...root.querySelectorAll('details[data-number]')].map((d) => [d.dataset.number, d.open]));
  const order = state.innings.map((inn, i) => [inn, i]).reverse();
  fill(root, order.map(([inn, i]) => inningsCard(inn, was.get(String(inn.number)) ?? i === cur)));
}

/**
 * How the server words an event that stands by the umpires' decision: a ball's line ends with
 * it, any other event gets a line of its own. A ball message carries only the line, so the
 * marker shows at once rather than with the next snapshot's `overrides`.
 */
const UMPIRES = /\(umpires' decision: .*\)$|^Umpires' decision: /;

function commentaryLine(c) {
  const umpires = UMPIRES.test(c.text);
  return el('li', { class: umpires ? 'umpires' : null },
    el('span', { class: 'ball-no' }, c.ball), ' ',
    // The words are in the line already; the tag is for the eye.
    umpires ? el('span', { class: 'tag', 'aria-hidden': 'true' }, 'Umpires') : null, umpires ? ' ' : null,
    c.text);
}

/**
 * The latest deliveries' commentary, newest first, after the corrections this page saw made
 * (each in the words the server gives: "14.3: FOUR → SIX, Kohli 48* → 50*").
 */
export function renderCommentary(root, state, corrections = []) {
  const lines = [...(state.commentary || [])].reverse().map(commentaryLine);
  const told = [...corrections].reverse().map((c) => el('li', { class: 'correction' },
    el('span', { class: 'tag' }, 'Correction'), ' ', c.text));
  const all = [...told, ...lines];
  fill(root, all.length ? all : el('li', { class: 'muted' }, 'No balls yet.'));
}

/** Every correction made to the match's past, oldest first, for the record. */
export function renderCorrections(root, state) {
  const list = state.corrections || [];
  root.hidden = !list.length;
  fill(root.querySelector('ol'), list.map((c) => el('li', {}, c.text)));
}

const FATES = { undone: 'Undone', amended: 'Corrected', deleted: 'Deleted' };

/** One delivery of the whole history: those no longer standing struck through, and why. */
export function historyLine(h) {
  const gone = h.status !== 'stands';
  return el('li', { class: gone ? 'gone' : null, 'data-status': h.status },
    el('span', { class: 'ball-no' }, h.over_ball || ''), ' ',
    gone ? el('span', { class: 'tag' }, FATES[h.status] || h.status) : null, gone ? ' ' : null,
    gone ? el('s', {}, h.text) : h.text);
}

/** Every event recorded although the Laws checks refused it, with the umpires' reason. */
export function renderOverrides(root, state) {
  const list = state.overrides || [];
  root.hidden = !list.length;
  fill(root.querySelector('ol'), list.map((o) => {
    const inn = o.innings ? state.innings[o.innings - 1] : null;
    const where = inn ? `${inn.team}${inn.super_over ? ' super over' : ''}${o.ball ? `, ${o.ball}` : ''}` : 'Before play';
    return el('li', {},
      el('span', { class: 'label' }, where), ' ',
      el('span', { class: 'refused' }, `Refused: ${o.refused}.`), ' ',
      el('span', { class: 'reason' }, `Umpires' reason: ${o.reason}`));
  }));
}

/** Merges a card's line into its list by name: the figures a ball message carries replace
 * those held, and whatever it leaves out (a dismissal's text) stays. */
function upsert(list, line) {
  if (!line) return;
  const i = list.findIndex((x) => x.name === line.name);
  if (i >= 0) Object.assign(list[i], line);
  else list.push(line);
}

/** Runs per `per` balls, to two places, as the server works it out (`per_over`). */
function perOver(runs, balls, per) {
  return balls ? Math.round(((runs * per) / balls) * 100) / 100 : 0;
}

function batterLine(b) {
  if (!b) return null;
  const strike_rate = perOver(b.r, b.b, 100);
  return { name: b.n, runs: b.r, balls: b.b, fours: b['4s'], sixes: b['6s'], strike_rate };
}

function bowlerLine(b, bpo) {
  if (!b) return null;
  return {
    name: b.n, balls: b.b, overs: b.ov, maidens: b.m, runs: b.r, wickets: b.w,
    wides: b.wd, noballs: b.nb, dots: b['0s'], economy: perOver(b.r, b.b, bpo),
  };
}

/**
 * Folds a `ball` message into the state. Its `line` is compact (README, "The ball message"):
 * a field it leaves out has no value (no target, no free hit, nothing due), and the rates are
 * worked out here. Cards of the batters and bowler involved, the score, this over, charts and
 * commentary are exact; a dismissal's text and the partnership are approximated here and made
 * exact by the next snapshot.
 */
export function applyBall(state, msg) {
  const L = msg.line;
  const b = msg.ball;
  const bpo = state.balls_per_over || 6;
  Object.assign(state, {
    status: L.st, summary: L.sum, free_hit: !!L.fh, due: L.due || [], result: L.res ?? null,
    striker: L.s ? L.s.n : null,
    non_striker: L.ns ? L.ns.n : null,
    bowler: L.bowl ? L.bowl.n : null,
  });
  const inn = L.inn && state.innings[L.inn - 1];
  if (inn) {
    const chasing = L.need != null && L.left > 0 && !L.cl;
    Object.assign(inn, {
      runs: L.r, wickets: L.w, balls: L.b, overs: L.ov, this_over: L.this || [],
      target: L.tgt ?? null, runs_needed: L.need ?? null, balls_remaining: L.left ?? null,
      closed: !!L.cl,
      run_rate: perOver(L.r, L.b, bpo),
      required_rate: chasing ? perOver(L.need, L.left, bpo) : null,
    });
    const ex = b.extras || {};
    const legal = !(ex.wides || ex.noballs);
    const over = legal ? Math.floor((inn.balls - 1) / bpo) : Math.floor(inn.balls / bpo);
    for (let i = 0; i <= over; i++) {
      inn.over_runs[i] = inn.over_runs[i] || 0;
      if (inn.worm[i] === undefined) inn.worm[i] = i ? inn.worm[i - 1] : 0;
    }
    inn.over_runs[over] += b.runs.total;
    inn.worm[over] = inn.runs;
    for (const k of ['wides', 'noballs', 'byes', 'legbyes', 'penalty']) inn.extras[k] += ex[k] || 0;
    inn.extras.total += b.runs.extras;
    for (const line of [batterLine(L.s), batterLine(L.ns)]) {
      if (line && !inn.batting.some((x) => x.name === line.name)) {
        Object.assign(line, { dismissal: 'not out', out: false });
      }
      upsert(inn.batting, line);
    }
    upsert(inn.bowling, bowlerLine(L.bowl, bpo));
    for (const w of b.wickets || []) {
      const out = inn.batting.find((x) => x.name === w.player_out);
      if (out) Object.assign(out, { out: true, dismissal: w.kind });
      inn.fall_of_wickets.push({ wicket: inn.wickets, runs: inn.runs, batter: w.player_out, overs: inn.overs });
    }
    const p = inn.partnerships[inn.partnerships.length - 1];
    if (p && !(b.wickets || []).length) {
      p.runs += b.runs.total;
      if (legal || ex.noballs) p.balls += 1;
    }
  }
  if (L.c) {
    const line = { innings: L.inn, ball: L.c.at, text: L.c.text };
    state.commentary = [...(state.commentary || []), line].slice(-24);
  }
}
