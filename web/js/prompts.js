// What the scorer must say before the next ball, from the state's `due`: the toss, the start of
// an innings, the new batter after a wicket (or that none is left to come in), the bowler of a
// new over, or a result the balls cannot give. Each prompt is a small form that posts the
// matching event.

import { el, fill } from './dom.js';

let shown = '';

function field(id, label, input) {
  input.id = id;
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

/** Options are values, or [value, words] pairs when the value is not for reading. */
function select(options, value) {
  const s = el('select', {});
  for (const o of options) {
    const [v, words] = Array.isArray(o) ? o : [o, o];
    s.append(el('option', { value: v, selected: v === value || null }, words));
  }
  return s;
}

function nameInput(list, value) {
  return el('input', { list, autocomplete: 'off', value: value || '', required: true });
}

function prompt(title, hint, fields, onSubmit, testid, button = 'Confirm') {
  const form = el('form', { class: 'panel prompt', 'data-testid': testid },
    el('h2', {}, title), hint ? el('p', { class: 'hint' }, hint) : null, ...fields,
    el('button', { type: 'submit', class: 'primary' }, button));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(form);
  });
  return form;
}

/**
 * @param {HTMLElement} root
 * @param {object} state the live state
 * @param {object} setup the match setup (teams with players)
 * @param {(kind: string, data: object|undefined, label: string) => void} post
 */
export function renderPrompts(root, state, setup, post) {
  const due = state.due || [];
  const key = `${state.seq}:${due.join(',')}`;
  if (key === shown) return;
  shown = key;
  const teams = setup.teams.map((t) => t.name);
  const forms = [];
  const inn = typeof state.current_innings === 'number' ? state.innings[state.current_innings] : null;
  if (due.includes('toss')) {
    forms.push(prompt('Toss', null, [
      field('toss-winner', 'Won by', select(teams)),
      field('toss-decision', 'Chose to', select(['bat', 'field'])),
    ], (f) => post('toss', { winner: f.querySelector('#toss-winner').value, decision: f.querySelector('#toss-decision').value }, 'Toss'), 'prompt-toss'));
  }
  if (due.includes('innings_start')) {
    const next = guessBattingSide(state, teams);
    forms.push(prompt('Start the innings', 'Who bats, the opening pair and the opening bowler.', [
      field('is-team', 'Batting', select(teams, next)),
      field('is-striker', 'Striker', nameInput('batters')),
      field('is-non-striker', 'Non-striker', nameInput('batters')),
      field('is-bowler', 'Bowler', nameInput('bowlers')),
      el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'is-super' }), ' Super over'),
    ], (f) => post('innings_start', {
      batting_team: f.querySelector('#is-team').value,
      striker: f.querySelector('#is-striker').value.trim(),
      non_striker: f.querySelector('#is-non-striker').value.trim(),
      bowler: f.querySelector('#is-bowler').value.trim(),
      super_over: f.querySelector('#is-super').checked,
    }, 'Innings start'), 'prompt-innings'));
  }
  if (due.includes('new_batter')) {
    forms.push(prompt('New batter', 'A batter is out: who comes in?', [field('nb-name', 'Batter', nameInput('batters'))],
      (f) => post('new_batter', { batter: f.querySelector('#nb-name').value.trim() }, 'New batter'), 'prompt-batter'));
    forms.push(noFurtherBatter(post));
  }
  if (due.includes('new_bowler')) {
    forms.push(prompt('New over', `Who bowls${inn ? ` over ${Math.floor(inn.balls / (state.balls_per_over || 6)) + 1}` : ''}?`,
      [field('bc-name', 'Bowler', nameInput('bowlers'))],
      (f) => post('bowler_change', { bowler: f.querySelector('#bc-name').value.trim() }, 'Bowler change'), 'prompt-bowler'));
  }
  if (due.includes('result')) {
    forms.push(prompt('Result', 'Every innings is over; record how the match ended.', [
      field('res-outcome', 'Outcome', select(['draw', 'no_result', 'abandoned', 'awarded', 'tie_broken'])),
      field('res-winner', 'Winner (awarded or tie broken)', select(['', ...teams])),
      field('res-method', 'Method (e.g. boundary count)', el('input', { autocomplete: 'off' })),
    ], (f) => {
      const data = { outcome: f.querySelector('#res-outcome').value };
      const w = f.querySelector('#res-winner').value;
      const m = f.querySelector('#res-method').value.trim();
      if (w) data.winner = w;
      if (m) data.method = m;
      post('result', data, 'Result');
    }, 'prompt-result'));
  }
  fill(root, forms);
  const first = root.querySelector('input, select');
  if (first && !(document.activeElement && document.activeElement.closest('.players'))) first.focus();
}

/** The rarer answer to "who comes in?": nobody can, which closes the innings. */
function noFurtherBatter(post) {
  const form = prompt('No further batter', 'Nobody is left to come in: this closes the innings.', [
    field('nfb-reason', 'Why', select([['absent_hurt', 'absent hurt'], ['absent', 'absent']])),
    field('nfb-names', 'Batters who did not come in (optional, comma-separated)', el('input', { autocomplete: 'off' })),
  ], (f) => {
    const data = { reason: f.querySelector('#nfb-reason').value };
    const names = f.querySelector('#nfb-names').value.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length) data.batters = names;
    post('no_further_batter', data, 'No further batter');
  }, 'prompt-no-batter', 'Close the innings');
  return el('details', { class: 'alt-prompt' }, el('summary', {}, 'No further batter?'), form);
}

/** The side to bat next: the toss decides the first innings, then the sides alternate. */
function guessBattingSide(state, teams) {
  const last = state.innings[state.innings.length - 1];
  if (last) return teams.find((t) => t !== last.team);
  if (state.toss) {
    const other = teams.find((t) => t !== state.toss.winner);
    return state.toss.decision === 'bat' ? state.toss.winner : other;
  }
  return teams[0];
}

/** Forget what was shown, so the next render rebuilds the prompts. */
export function resetPrompts() {
  shown = '';
}
