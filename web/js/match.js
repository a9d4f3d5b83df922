// The viewer page: loads the match, then follows its live feed. A ball message updates the
// page at once from its line; a full snapshot is fetched a moment later (from the cached read
// path) to make the derived cards exact, so a burst of balls costs one read, not one per ball.
// The scrubber may put an earlier state on the page instead; the feed keeps the live state
// current underneath, and it shows again when the reader goes back to live.

import { allBalls, getJSON, describe } from './api.js';
import { $, el, fill, matchIdFromPath, statusText } from './dom.js';
import { LiveFeed } from './feed.js';
import { applyBall, currentInnings, historyLine, renderBoard, renderCommentary, renderCorrections, renderInnings, renderOverrides } from './scorecard.js';
import { manhattan, worm, wormKey } from './charts.js';
import { Scrubber } from './scrubber.js';

const id = matchIdFromPath();
/** The match now, as the feed keeps it. */
let live = null;
/** The earlier state the scrubber shows instead ({state, place}), or null. */
let past = null;
let refreshTimer = null;
/** Corrections made while this page was open, told at the top of the commentary. */
const seenCorrections = [];
/** The whole commentary, once the reader asked for it. */
let history = null;
const REFRESH_AFTER_MS = 700;

const scrubber = new Scrubber(id, {
  live: () => live,
  show(view) {
    past = view;
    render();
    renderHistory();
  },
});

/** A change to the live state: on the page unless the reader is looking at an earlier ball. */
function liveChanged() {
  scrubber.liveChanged();
  document.body.dataset.liveSeq = String(live.seq);
  if (!past) render();
}

function render() {
  const state = past ? past.state : live;
  if (!state) return;
  const board = $('#board');
  // Scrubbing redraws the board at every stop; the range already tells a screen reader where.
  board.setAttribute('aria-live', past ? 'off' : 'polite');
  renderBoard(board, state);
  renderCommentary($('#commentary'), state, past ? [] : seenCorrections);
  renderInnings($('#innings'), state);
  renderOverrides($('#overrides'), state);
  renderCorrections($('#corrections'), state);
  const inn = currentInnings(state);
  const maxOvers = state.overs_per_innings || 0;
  fill($('#manhattan'), inn ? manhattan(inn, maxOvers) : el('p', { class: 'muted' }, 'No overs yet.'));
  const regular = state.innings.filter((i) => !i.super_over);
  fill($('#worm'), worm(regular, maxOvers));
  fill($('#worm-key'), wormKey(regular));
  document.title = `${state.summary || 'Match'}${past ? ` (at ${past.place})` : ''} · Crease`;
  document.body.dataset.seq = String(state.seq);
  document.body.dataset.view = past ? 'past' : 'live';
}

/** The whole commentary, cut at the ball viewed while the page shows an earlier one. */
function renderHistory() {
  if (!history) return;
  let shown = history;
  if (past) {
    const end = history.findIndex((h) => h.status === 'stands' && h.seq === past.state.seq);
    if (end >= 0) shown = history.slice(0, end + 1);
  }
  fill($('#history'), shown.length ? shown.map(historyLine) : el('li', { class: 'muted' }, 'No balls yet.'));
}

/** A fresh snapshot a moment after the last ball; revalidated, so often a 304. */
function scheduleRefresh(feed) {
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    try {
      const res = await fetch(`/api/matches/${id}/live`, { cache: 'no-cache' });
      if (res.ok) feed.apply(await res.json());
    } catch {
      // The feed reports connection trouble; the next ball schedules another try.
    }
  }, REFRESH_AFTER_MS);
}

const conn = $('#conn');
const words = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

async function main() {
  if (!id) return;
  $('#score-link').href = `/score/${id}`;
  try {
    const m = await getJSON(`/api/matches/${id}`);
    $('#title').textContent = m.title;
    fill($('#meta'), [m.venue, m.format.toUpperCase(), statusText(m.status)].filter(Boolean).join(' · '));
  } catch (e) {
    $('#title').textContent = 'Match not found';
    fill($('#meta'), describe(e));
    return;
  }
  const feed = new LiveFeed(id, {
    onSnapshot(msg) {
      const { type, event, correction, ...snap } = msg;
      if (type === 'correction' && correction) seenCorrections.push(correction);
      live = snap;
      scrubber.full(type, snap);
      liveChanged();
    },
    onBall(msg) {
      if (!live) return;
      applyBall(live, msg);
      live.seq = msg.seq;
      scrubber.ball(msg);
      liveChanged();
      scheduleRefresh(feed);
    },
    onStatus(s) {
      conn.dataset.state = s;
      conn.textContent = words[s] || s;
    },
    onViewers(n) {
      const v = $('#viewers');
      v.textContent = `${n.toLocaleString('en')} watching`;
      v.dataset.count = String(n);
      v.hidden = false;
    },
  });
  feed.start();
  $('#history-btn').addEventListener('click', () => loadHistory());
}

/** Every delivery of the match, page by page, in the order of play. */
async function loadHistory() {
  const btn = $('#history-btn');
  btn.disabled = true;
  try {
    history = await allBalls(id);
  } catch (e) {
    fill($('#history'), el('li', { class: 'muted' }, describe(e)));
    btn.disabled = false;
    return;
  }
  renderHistory();
  $('#history').hidden = false;
  btn.textContent = 'Reload the whole commentary';
  btn.disabled = false;
}

main();
