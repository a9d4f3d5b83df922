// The overlay's drawing: the lower third (score, batters, bowler, this over, and the chase or
// the run rate beneath) and the panel on air. Names come from outside, so they are set as text.

import { el, fill, rate, shortTeam } from './dom.js';
import { currentInnings } from './scorecard.js';

function chipKind(c) {
  if (c.includes('W')) return 'wicket';
  if (c === '4') return 'four';
  if (c === '6') return 'six';
  if (/wd|nb|lb|b|p/.test(c)) return 'extra';
  return c === '0' ? 'dot' : 'run';
}

function batter(inn, name, striker) {
  const card = inn.batting.find((x) => x.name === name);
  return el('p', { class: striker ? 'batter striker' : 'batter', 'data-testid': striker ? 'striker' : 'non-striker' },
    el('span', { class: 'name' }, name),
    striker ? el('span', { class: 'mark', 'aria-label': 'on strike' }, '*') : null,
    el('span', { class: 'fig' }, card ? card.runs : 0),
    el('span', { class: 'balls' }, `(${card ? card.balls : 0})`));
}

function bowler(inn, name) {
  const card = inn.bowling.find((x) => x.name === name);
  return el('div', { class: 'bowling' }, el('p', { class: 'bowler', 'data-testid': 'bowler' },
    el('span', { class: 'name' }, name),
    el('span', { class: 'fig' }, card ? `${card.wickets}-${card.runs}` : '0-0'),
    el('span', { class: 'balls' }, `(${card ? card.overs : '0'})`)));
}

/** Beneath the bar: the chase when there is one, else the run rate; the result once known. */
function strip(state, inn, open) {
  const items = [];
  if (!open) {
    const words = state.result || state.summary;
    if (words) items.push(el('span', { 'data-testid': 'summary' }, words));
  } else if (inn.target != null) {
    items.push(el('span', { 'data-testid': 'target' }, `Target ${inn.target}`));
    if (inn.runs_needed != null) {
      const from = inn.balls_remaining != null
        ? ` from ${inn.balls_remaining} ball${inn.balls_remaining === 1 ? '' : 's'}` : '';
      items.push(el('span', { 'data-testid': 'need' }, `Need ${inn.runs_needed}${from}`));
    }
    if (inn.required_rate != null) items.push(el('span', { 'data-testid': 'rrr' }, `RRR ${rate(inn.required_rate)}`));
  } else {
    items.push(el('span', {}, inn.team));
    items.push(el('span', { 'data-testid': 'crr' }, `CRR ${rate(inn.run_rate)}`));
  }
  if (open && state.free_hit) items.push(el('span', { class: 'flag' }, 'FREE HIT'));
  if (state.interruption) items.push(el('span', { class: 'flag', 'data-testid': 'stopped' }, state.interruption.text));
  return items.length ? el('p', { class: 'strip', 'data-testid': 'strip' }, items) : null;
}

export function renderLowerThird(root, state) {
  const inn = currentInnings(state);
  if (!inn) {
    fill(root, el('div', { class: 'bar' },
      el('p', { class: 'score-box' }, el('span', { class: 'team' }, state.teams.map(shortTeam).join(' v '))),
      el('p', { class: 'idle', 'data-testid': 'summary' }, state.summary || '')));
    root.hidden = false;
    return;
  }
  const open = !inn.closed;
  fill(root,
    el('div', { class: 'bar' },
      el('p', { class: 'score-box' },
        el('span', { class: 'team', title: inn.team }, shortTeam(inn.team)),
        el('span', { class: 'runs', 'data-testid': 'score' }, `${inn.runs}/${inn.wickets}`),
        el('span', { class: 'overs', 'data-testid': 'overs' }, `(${inn.overs})`),
        inn.super_over ? el('span', { class: 'tag' }, 'SUPER OVER') : null),
      open ? el('div', { class: 'batters', 'data-testid': 'batters' },
        state.striker ? batter(inn, state.striker, true) : null,
        state.non_striker ? batter(inn, state.non_striker, false) : null) : el('div', { class: 'batters' }),
      open && state.bowler ? bowler(inn, state.bowler) : null,
      el('ol', { class: 'over', 'data-testid': 'this-over', 'aria-label': 'This over' },
        (inn.this_over || []).map((c) => el('li', { class: chipKind(c) }, c)))),
    strip(state, inn, open));
  root.hidden = false;
}

/** Fills the panel with `p`'s words; the caller puts it on and off air. */
export function renderPanel(root, p) {
  root.dataset.kind = p.kind;
  fill(root,
    el('p', { class: 'p-title' }, p.title),
    el('p', { class: 'p-name' }, p.name),
    p.detail ? el('p', { class: 'p-detail' }, p.detail) : null,
    p.foot ? el('p', { class: 'p-foot' }, p.foot) : null);
}
