// The fixtures admin: with the admin token, create tournaments, teams (with players), players,
// matches with both XIs, and scorer tokens; rename or delete what was made. A new token is shown
// once, as the API returns it. What the server keeps (a team with players, a match with events)
// is said in the status line, in its own words. Webhooks and their delivery logs are in
// webhooks.js.

import { request, getJSON, describe } from './api.js';
import { $, el, fill } from './dom.js';
import { renderHooks, wireHooks } from './webhooks.js';

const TOKEN_KEY = 'crease-admin-token';
let token = sessionStorage.getItem(TOKEN_KEY);
let teams = [];
let players = [];

const post = (path, body) => request('POST', path, { body, token });
const put = (path, body) => request('PUT', path, { body, token });
const del = (path) => request('DELETE', path, { token });

function lines(text) {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

function status(text) {
  $('#status').textContent = text;
}

/** Runs a form's action, with its error (in words, from the problem detail) beside it. */
function onSubmit(id, action) {
  const form = $(`#${id}`);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = form.querySelector('.error');
    err.textContent = '';
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await action(form);
      await refresh();
    } catch (x) {
      err.textContent = describe(x);
      if (x.status === 401 || x.status === 403) signOut();
    } finally {
      button.disabled = false;
    }
  });
}

/** Runs a list button's action; its outcome, or the refusal in words, goes to the status line. */
async function act(action) {
  try {
    const done = await action();
    if (done) status(done);
    await refresh();
  } catch (x) {
    status(describe(x));
    if (x.status === 401 || x.status === 403) signOut();
  }
}

/** Rename and Delete buttons for one listed fixture. */
function edits(label, rename, remove) {
  const ask = (current) => {
    const name = window.prompt(`New name for ${current}`, current);
    return name === null || name.trim() === '' || name === current ? null : name;
  };
  return [' ',
    el('button', { type: 'button', class: 'small', 'aria-label': `Rename ${label}`, onclick: () => {
      const name = ask(label);
      if (name !== null) act(() => rename(name));
    } }, 'Rename'), ' ',
    el('button', { type: 'button', class: 'small', 'aria-label': `Delete ${label}`, onclick: () => {
      if (window.confirm(`Delete ${label}?`)) act(() => remove());
    } }, 'Delete')];
}

/** The body that re-creates a match as it stands, from GET /api/matches/{id}. */
function matchRequest(m) {
  const s = m.setup;
  const body = {
    format: s.format,
    teams: s.teams.map((t) => ({ name: t.name, players: t.players })),
    title: m.title,
    balls_per_over: s.balls_per_over,
    free_hit: s.free_hit,
  };
  if (m.venue) body.venue = m.venue;
  if (m.starts_at) body.starts_at = m.starts_at;
  if (m.tournament_id) body.tournament_id = m.tournament_id;
  if (s.overs_per_innings) body.overs = s.overs_per_innings;
  if (s.bowler_quota_overs) body.bowler_quota_overs = s.bowler_quota_overs;
  if (s.noball_runs) body.noball_runs = s.noball_runs;
  if (s.max_consecutive_overs) body.max_consecutive_overs = s.max_consecutive_overs;
  if (s.innings_per_side) body.innings_per_side = s.innings_per_side;
  if (s.follow_on_lead) body.follow_on_lead = s.follow_on_lead;
  return body;
}

/** The match form's fields as a request body; the conditions left blank keep the format's. */
function matchForm() {
  const side = (i) => {
    const team = teams.find((t) => String(t.id) === $(`#m-team${i}`).value);
    return { name: team ? team.name : $(`#m-team${i}`).dataset.name || '', players: lines($(`#m-xi${i}`).value) };
  };
  const format = $('#m-format').value;
  const body = { format, teams: [side(0), side(1)] };
  const num = (id) => ($(id).value.trim() === '' ? null : Number($(id).value));
  if ($('#m-title').value.trim()) body.title = $('#m-title').value;
  if ($('#m-venue').value.trim()) body.venue = $('#m-venue').value;
  if ($('#m-tournament').value) body.tournament_id = Number($('#m-tournament').value);
  if ($('#m-start').value) body.starts_at = new Date($('#m-start').value).toISOString();
  if (format !== 'test') body.overs = Number($('#m-overs').value);
  if (Number($('#m-bpo').value) !== 6) body.balls_per_over = Number($('#m-bpo').value);
  if (num('#m-quota') !== null && format !== 'test') body.bowler_quota_overs = num('#m-quota');
  if ($('#m-freehit').value) body.free_hit = $('#m-freehit').value;
  if ($('#m-nbruns').value) body.noball_runs = Number($('#m-nbruns').value);
  if ($('#m-consec').value) body.max_consecutive_overs = Number($('#m-consec').value);
  if ($('#m-innings').value) body.innings_per_side = Number($('#m-innings').value);
  if (num('#m-followon') !== null) body.follow_on_lead = num('#m-followon');
  return body;
}

/** Fills the match form with a match that has not begun, to change its setup. */
async function editMatch(id) {
  const m = await getJSON(`/api/matches/${id}`);
  const s = m.setup;
  $('#m-editing').value = String(id);
  $('#m-title').value = m.title || '';
  $('#m-venue').value = m.venue || '';
  $('#m-tournament').value = m.tournament_id ? String(m.tournament_id) : '';
  $('#m-format').value = s.format;
  $('#m-overs').value = s.overs_per_innings || '';
  $('#m-overs').disabled = s.format === 'test';
  $('#m-bpo').value = s.balls_per_over;
  $('#m-quota').value = s.bowler_quota_overs || '';
  $('#m-freehit').value = typeof s.free_hit === 'string' ? s.free_hit : s.free_hit ? 'all' : 'none';
  $('#m-nbruns').value = s.noball_runs === 2 ? '2' : '';
  $('#m-consec').value = s.max_consecutive_overs === 2 ? '2' : '';
  $('#m-innings').value = String(s.innings_per_side || '');
  $('#m-followon').value = s.follow_on_lead || '';
  for (const i of [0, 1]) {
    const team = teams.find((t) => t.name === s.teams[i].name);
    $(`#m-team${i}`).value = team ? String(team.id) : '';
    $(`#m-team${i}`).dataset.name = s.teams[i].name;
    $(`#m-xi${i}`).value = s.teams[i].players.join('\n');
  }
  $('#m-submit').textContent = `Save match #${id}`;
  $('#m-cancel-edit').hidden = false;
  $('#match-form').scrollIntoView();
  return `Editing ${m.title}: its setup can change until its first event.`;
}

function stopEditing() {
  $('#m-editing').value = '';
  $('#m-submit').textContent = 'Create match';
  $('#m-cancel-edit').hidden = true;
  for (const i of [0, 1]) delete $(`#m-team${i}`).dataset.name;
  $('#match-form').reset();
}

const when = (t) => (t ? new Date(t).toLocaleString() : 'never');

/** A scorer token as listed: never its secret. */
function tokenLine(t) {
  const state = t.revoked_at ? `revoked ${when(t.revoked_at)}`
    : t.expires_at && new Date(t.expires_at) < new Date() ? `expired ${when(t.expires_at)}`
      : `expires ${when(t.expires_at)}`;
  return el('li', { 'data-token-id': String(t.id) },
    el('strong', {}, t.label), ` · matches ${t.match_ids.map((x) => `#${x}`).join(', ') || 'none'}`,
    ` · created ${when(t.created_at)} · last used ${when(t.last_used_at)} · ${state}`,
    t.revoked_at ? null : [' ', el('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke ${t.label}`,
      onclick: () => {
        if (window.confirm(`Revoke the token of ${t.label}? Its scorer is refused at once.`)) {
          act(async () => { await del(`/api/tokens/${t.id}`); return `Token of ${t.label} revoked.`; });
        }
      } }, 'Revoke')]);
}

async function renameMatch(id, title) {
  const m = await getJSON(`/api/matches/${id}`);
  const saved = await put(`/api/matches/${id}`, { ...matchRequest(m), title });
  return `Match renamed ${saved.title}.`;
}

async function refresh() {
  const [tournaments, t, p, matches, tokens, hooks] = await Promise.all([
    getJSON('/api/tournaments'), getJSON('/api/teams'), getJSON('/api/players'), getJSON('/api/matches'),
    request('GET', '/api/tokens', { token }), request('GET', '/api/webhooks', { token }),
  ]);
  teams = t;
  players = p;
  const opt = (v, text) => el('option', { value: v }, text);
  fill($('#m-tournament'), opt('', 'None'), tournaments.map((x) => opt(x.id, `${x.name}${x.season ? ` ${x.season}` : ''}`)));
  for (const i of [0, 1]) {
    const sel = $(`#m-team${i}`);
    const keep = sel.value;
    fill(sel, opt('', 'Choose a team'), teams.map((x) => opt(x.id, x.name)));
    sel.value = keep;
  }
  fill($('#pl-team'), opt('', 'No team'), teams.map((x) => opt(x.id, x.name)));
  fill($('#t-matches'), matches.map((m) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', value: m.id }), ` ${m.title} (#${m.id})`)));
  fill($('#matches'), matches.map((m) => el('li', {}, el('a', { href: `/matches/${m.id}` }, m.title),
    ` · ${m.format.toUpperCase()} · ${m.summary || m.status} · `, el('a', { href: `/score/${m.id}` }, 'score'),
    edits(m.title, (title) => renameMatch(m.id, title),
      async () => { await del(`/api/matches/${m.id}`); return `Match ${m.title} deleted.`; }),
    // The setup (teams, format, playing conditions) changes only until the first event.
    m.status === 'not_started' ? [' ', el('button', { type: 'button', class: 'small', 'aria-label': `Edit ${m.title}`,
      onclick: () => act(() => editMatch(m.id)) }, 'Edit setup')] : null)));
  fill($('#tokens'), tokens.length ? tokens.map(tokenLine) : el('li', { class: 'muted' }, 'No scorer tokens yet.'));
  fill($('#teams'), teams.map((x) => el('li', {}, `${x.name}${x.short_name ? ` (${x.short_name})` : ''}: `,
    players.filter((pl) => pl.team_id === x.id).map((pl) => pl.name).join(', ') || 'no players',
    edits(x.name,
      async (name) => { await put(`/api/teams/${x.id}`, { name, short_name: x.short_name }); return `Team renamed ${name}.`; },
      async () => { await del(`/api/teams/${x.id}`); return `Team ${x.name} deleted.`; }))));
  fill($('#players'), players.map((x) => el('li', {}, x.name,
    edits(x.name,
      async (name) => { await put(`/api/players/${x.id}`, { name, team_id: x.team_id }); return `Player renamed ${name}.`; },
      async () => { await del(`/api/players/${x.id}`); return `Player ${x.name} deleted.`; }))));
  fill($('#tournaments'), tournaments.map((x) => el('li', {}, `${x.name}${x.season ? ` · ${x.season}` : ''}`,
    edits(x.name,
      async (name) => { await put(`/api/tournaments/${x.id}`, { name, season: x.season }); return `Tournament renamed ${name}.`; },
      async () => { await del(`/api/tournaments/${x.id}`); return `Tournament ${x.name} deleted.`; }))));
  renderHooks(hooks, matches, tournaments);
}

function wire() {
  onSubmit('tournament-form', async () => {
    const body = { name: $('#tn-name').value };
    if ($('#tn-season').value.trim()) body.season = $('#tn-season').value;
    const t = await post('/api/tournaments', body);
    status(`Tournament ${t.name} created.`);
    $('#tournament-form').reset();
  });
  onSubmit('team-form', async () => {
    const body = { name: $('#tm-name').value, players: lines($('#tm-players').value) };
    if ($('#tm-short').value.trim()) body.short_name = $('#tm-short').value;
    const t = await post('/api/teams', body);
    status(`Team ${t.name} created with ${t.players.length} players.`);
    $('#team-form').reset();
  });
  onSubmit('player-form', async () => {
    const body = { name: $('#pl-name').value };
    if ($('#pl-team').value) body.team_id = Number($('#pl-team').value);
    const p = await post('/api/players', body);
    status(`Player ${p.name} added.`);
    $('#player-form').reset();
  });
  onSubmit('match-form', async () => {
    const body = matchForm();
    const editing = $('#m-editing').value;
    if (editing) {
      const m = await put(`/api/matches/${editing}`, body);
      status(`Match ${m.title} saved.`);
      stopEditing();
      return;
    }
    const m = await post('/api/matches', body);
    status(`Match ${m.title} created (#${m.id}).`);
  });
  $('#m-cancel-edit').addEventListener('click', stopEditing);
  onSubmit('token-form', async () => {
    const ids = [...document.querySelectorAll('#t-matches input:checked')].map((c) => Number(c.value));
    const t = await post('/api/tokens', { label: $('#t-label').value, match_ids: ids, expires_in_secs: Number($('#t-expiry').value) });
    $('#token-value').textContent = t.token;
    fill($('#token-links'), 'Scorer pads: ', t.match_ids.map((mid, i) => [i ? ', ' : '', el('a', { href: `/score/${mid}` }, `/score/${mid}`)]));
    $('#new-token').hidden = false;
    $('#token-form').reset();
  });
  // Picking a team fills its XI from the team's players, ready to trim.
  for (const i of [0, 1]) {
    $(`#m-team${i}`).addEventListener('change', () => {
      const id = Number($(`#m-team${i}`).value);
      $(`#m-xi${i}`).value = players.filter((p) => p.team_id === id).map((p) => p.name).join('\n');
    });
  }
  $('#m-format').addEventListener('change', () => {
    const f = $('#m-format').value;
    $('#m-overs').disabled = f === 'test';
    if (f === 'odi') $('#m-overs').value = 50;
    if (f === 't20') $('#m-overs').value = 20;
  });
  wireHooks({ call: (method, path, body) => request(method, path, { body, token }), onSubmit, act, status });
  $('#copy-token').addEventListener('click', () => navigator.clipboard?.writeText($('#token-value').textContent));
  $('#signout').addEventListener('click', signOut);
  $('#signin').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('#admin-token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    show();
  });
}

function signOut() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('#admin').hidden = true;
  $('#signin').hidden = false;
}

async function show() {
  $('#signin').hidden = true;
  $('#admin').hidden = false;
  try {
    await refresh();
  } catch (e) {
    status(describe(e));
  }
}

wire();
if (token) show();
else signOut();
