// The admin page's webhooks: register a URL for a match or a tournament with the kinds of notice
// it wants (its signing secret shown once, as the API returns it), list and delete hooks, and
// read each hook's delivery log. The page's own form and list plumbing is passed in, so errors
// and refreshes behave as for every other fixture.

import { describe } from './api.js';
import { $, el, fill } from './dom.js';

/** The API's kinds of notice, in the order it documents them, as an admin would name them. */
export const KINDS = [
  ['wicket', 'Wickets'],
  ['boundary', 'Fours and sixes'],
  ['milestone', 'Milestones (50s, 100s, 5 wickets)'],
  ['innings_end', 'End of an innings'],
  ['result', 'Results'],
  ['correction', 'Corrections'],
];
const KIND_NAME = new Map([...KINDS, ['retraction', 'Retraction']]);
const kindName = (k) => KIND_NAME.get(k) || k;

/** Deliveries shown per log: the latest ones are what an admin checks a receiver by. */
const LOG_LIMIT = 50;

const STATUS_NAME = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

let call;
let act;
let status;
// Hooks whose log is open; kept across the page's refreshes, which rebuild the list.
const open = new Set();
const names = { match: new Map(), tournament: new Map() };
// The hook whose secret is on show, so that deleting it also takes the secret off the page.
let shownSecretOf = null;

const at = (ms) => new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });

function target(h) {
  if (h.match_id) return `${names.match.get(h.match_id) || 'match'} (#${h.match_id})`;
  const t = names.tournament.get(h.tournament_id);
  return `every match of ${t || `tournament #${h.tournament_id}`}`;
}

/** What the form's "For" picks, as the request's `match_id` or `tournament_id`. */
function targetField(value) {
  const [what, id] = value.split(':');
  if (what === 'match') return { match_id: Number(id) };
  if (what === 'tournament') return { tournament_id: Number(id) };
  // Neither: the API says what is missing, in its own words beside the form.
  return {};
}

async function register() {
  const kinds = [...document.querySelectorAll('#h-kinds input:checked')].map((c) => c.value);
  const body = { url: $('#h-url').value.trim(), kinds, ...targetField($('#h-target').value) };
  const hook = await call('POST', '/api/webhooks', body);
  $('#hook-secret').textContent = hook.secret;
  $('#new-hook').hidden = false;
  shownSecretOf = hook.id;
  status(`Webhook #${hook.id} registered for ${target(hook)}.`);
  $('#hook-form').reset();
}

function badge(status) {
  return el('span', { class: `pill ${status}`, 'data-status': status }, STATUS_NAME[status] || status);
}

function kindCell(d, rows) {
  if (d.kind !== 'retraction') return kindName(d.kind);
  // A retraction names the delivery it takes back, and that one's kind while it is in view.
  const taken = rows.find((r) => r.id === d.retracts);
  return `Retraction of #${d.retracts}${taken ? ` (${kindName(taken.kind)})` : ''}`;
}

function logRow(d, rows) {
  const num = (x) => el('td', { class: 'num' }, x);
  return el('tr', { 'data-delivery-id': String(d.id) },
    num(`#${d.id}`),
    el('td', {}, at(d.created_ms)),
    el('td', { 'data-col': 'kind' }, kindCell(d, rows)),
    el('td', {}, `${names.match.get(d.match_id) || 'match'} (#${d.match_id})`),
    num(String(d.seq)),
    el('td', { 'data-col': 'status' }, badge(d.status)),
    el('td', { class: 'num', 'data-col': 'attempts' }, String(d.attempts)),
    el('td', { class: 'num', 'data-col': 'http' }, d.last_status === null || d.last_status === undefined ? '–' : String(d.last_status)),
    el('td', { class: 'err', 'data-col': 'error' }, d.last_error || '–'),
    el('td', { 'data-col': 'next' }, d.status === 'pending' ? at(d.next_ms) : '–'));
}

function logTable(hook, rows) {
  const th = (text, cls) => el('th', { scope: 'col', class: cls }, text);
  return el('div', { class: 'scroll-x', role: 'region', tabindex: '0', 'aria-label': `Deliveries to ${hook.url}` },
    el('table', { class: 'card log' },
      el('thead', {}, el('tr', {},
        th('Delivery', 'num'), th('Queued'), th('Kind'), th('Match'), th('Seq', 'num'), th('Status'),
        th('Attempts', 'num'), th('HTTP', 'num'), th('Last error'), th('Next try'))),
      el('tbody', {}, rows.map((d) => logRow(d, rows)))));
}

/** Loads a hook's log into its box; a slower earlier load never overwrites a later one. */
async function loadLog(hook, box) {
  const gen = String(Number(box.dataset.gen || 0) + 1);
  box.dataset.gen = gen;
  box.setAttribute('aria-busy', 'true');
  const err = box.querySelector('.error');
  try {
    const rows = await call('GET', `/api/webhooks/${hook.id}/deliveries?limit=${LOG_LIMIT}`);
    if (box.dataset.gen !== gen) return;
    err.textContent = '';
    fill(box.querySelector('.log-body'), rows.length
      ? logTable(hook, rows)
      : el('p', { class: 'muted' }, 'No deliveries yet: one is queued when an event scored is of a kind this hook wants.'));
  } catch (x) {
    if (box.dataset.gen === gen) err.textContent = describe(x);
  } finally {
    if (box.dataset.gen === gen) box.removeAttribute('aria-busy');
  }
}

function hookItem(h) {
  const logId = `hook-log-${h.id}`;
  const box = el('div', { class: 'hook-log', id: logId, 'data-testid': 'hook-log', hidden: !open.has(h.id) },
    el('div', { class: 'log-head' },
      el('span', { class: 'hint' }, `The latest ${LOG_LIMIT} deliveries, newest first.`),
      el('button', { type: 'button', class: 'small', 'aria-label': `Refresh deliveries to ${h.url}`,
        onclick: () => loadLog(h, box) }, 'Refresh')),
    el('p', { class: 'error', role: 'alert' }),
    el('div', { class: 'log-body' }));
  const toggle = el('button', { type: 'button', class: 'small', 'aria-expanded': String(open.has(h.id)),
    'aria-controls': logId, 'aria-label': `Deliveries to ${h.url}`,
    onclick: () => {
      const show = !open.has(h.id);
      if (show) open.add(h.id);
      else open.delete(h.id);
      toggle.setAttribute('aria-expanded', String(show));
      box.hidden = !show;
      if (show) loadLog(h, box);
    } }, 'Deliveries');
  const remove = el('button', { type: 'button', class: 'small danger', 'aria-label': `Delete webhook to ${h.url}`,
    onclick: () => {
      if (!window.confirm(`Delete the webhook to ${h.url}? Its delivery log goes with it, and deliveries still queued are not sent.`)) return;
      act(async () => {
        await call('DELETE', `/api/webhooks/${h.id}`);
        open.delete(h.id);
        if (shownSecretOf === h.id) $('#new-hook').hidden = true;
        return `Webhook to ${h.url} deleted.`;
      });
    } }, 'Delete');
  if (open.has(h.id)) loadLog(h, box);
  return el('li', { 'data-hook-id': String(h.id) },
    el('code', {}, h.url), ` · for ${target(h)} · ${h.kinds.map(kindName).join(', ')}`,
    ` · registered ${at(h.created_ms)} `, toggle, ' ', remove, box);
}

/** Redraws the "For" choices and the list of hooks from what the page has just loaded. */
export function renderHooks(hooks, matches, tournaments) {
  names.match = new Map(matches.map((m) => [m.id, m.title]));
  names.tournament = new Map(tournaments.map((t) => [t.id, `${t.name}${t.season ? ` ${t.season}` : ''}`]));
  const pick = $('#h-target');
  const keep = pick.value;
  fill(pick, el('option', { value: '' }, 'Choose a match or a tournament'),
    el('optgroup', { label: 'One match' }, matches.map((m) => el('option', { value: `match:${m.id}` }, `${m.title} (#${m.id})`))),
    el('optgroup', { label: 'Every match of a tournament' },
      tournaments.map((t) => el('option', { value: `tournament:${t.id}` }, names.tournament.get(t.id)))));
  pick.value = keep;
  if (pick.value !== keep) pick.value = '';
  const ids = new Set(hooks.map((h) => h.id));
  for (const id of open) if (!ids.has(id)) open.delete(id);
  fill($('#hooks'), hooks.length
    ? [...hooks].sort((a, b) => a.id - b.id).map(hookItem)
    : el('li', { class: 'muted' }, 'No webhooks yet.'));
}

/**
 * Wires the form. `deps.call(method, path, body)` is the API as the admin; `deps.onSubmit`,
 * `deps.act` and `deps.status` are the page's own runners of a form and of a list button, and
 * its status line.
 */
export function wireHooks(deps) {
  ({ call, act, status } = deps);
  // Every kind is ticked to start with: a receiver usually wants all of a match's news.
  fill($('#h-kinds'), KINDS.map(([value, label]) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'kinds', value, checked: true }), ` ${label}`)));
  deps.onSubmit('hook-form', register);
  $('#copy-secret').addEventListener('click', () => navigator.clipboard?.writeText($('#hook-secret').textContent));
}
