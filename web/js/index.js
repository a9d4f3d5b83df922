// The front page: the match list (live first, as the API orders it) and the ticker, which
// keeps each live match's summary current. A match the list has not seen, or one whose
// status changes, reloads the list so it moves to its section.

import { getJSON, describe } from './api.js';
import { $, el, fill, statusText } from './dom.js';

const rows = new Map();
const lastPos = new Map();

function card(m) {
  return el('li', { class: `match-card ${m.live ? 'is-live' : ''}`, 'data-match': m.id },
    el('a', { href: `/matches/${m.id}` },
      el('span', { class: 'title' }, m.title),
      el('span', { class: 'meta' },
        m.live ? el('span', { class: 'pill live' }, 'Live') : el('span', { class: 'pill' }, statusText(m.status)),
        ` ${m.format.toUpperCase()}${m.venue ? ` · ${m.venue}` : ''}`),
      el('span', { class: 'summary', 'data-testid': 'summary' }, m.summary || 'Not started')));
}

let loading = null;
async function load() {
  if (loading) return loading;
  loading = (async () => {
    try {
      const list = await getJSON('/api/matches');
      rows.clear();
      const live = [];
      const other = [];
      for (const m of list) {
        const li = card(m);
        rows.set(m.id, { li, status: m.status });
        lastPos.set(m.id, { epoch: m.epoch ?? 0, seq: m.seq });
        (m.live ? live : other).push(li);
      }
      fill($('#live'), live.length ? live : el('li', { class: 'muted' }, 'No match is live just now.'));
      fill($('#other'), other.length ? other : el('li', { class: 'muted' }, 'No other matches.'));
    } catch (e) {
      fill($('#live'), el('li', { class: 'error' }, describe(e)));
    } finally {
      loading = null;
    }
  })();
  return loading;
}

function onTicker(t) {
  const row = rows.get(t.match_id);
  if (!row || row.status !== t.status) {
    load();
    return;
  }
  // Positions compare by epoch first: after a restore the same seq names another state.
  const last = lastPos.get(t.match_id) ?? { epoch: -1, seq: -1 };
  const epoch = t.epoch ?? 0;
  if (epoch < last.epoch || (epoch === last.epoch && t.seq <= last.seq)) return;
  lastPos.set(t.match_id, { epoch, seq: t.seq });
  row.li.querySelector('.summary').textContent = t.summary;
}

function ticker() {
  const conn = $('#conn');
  const src = new EventSource('/api/ticker');
  src.onopen = () => {
    conn.dataset.state = 'live';
    conn.textContent = 'Live';
    // Anything missed while away: the list is the truth.
    load();
  };
  src.onerror = () => {
    conn.dataset.state = 'reconnecting';
    conn.textContent = 'Reconnecting…';
  };
  src.onmessage = (e) => {
    try {
      const t = JSON.parse(e.data);
      if (t.type === 'ticker') onTicker(t);
    } catch {
      // Ignore a line that is not JSON.
    }
  };
}

load().then(ticker);
