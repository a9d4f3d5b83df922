// The scorer's pad: follows the match's live feed for the state, and turns buttons and keys
// into balls, undos and events, all posted through the outbox (which survives going offline).
// Between a ball and the server's answer the pad predicts the strike and the over's end, so a
// scorer can keep going offline; the server's state replaces the guess once nothing is waiting.
// A refusal the umpires may overrule offers an override: the same item again, with their reason.

import { ApiError, request, getJSON, describe } from './api.js';
import { $, el, fill, hhmm, matchIdFromPath } from './dom.js';
import { LiveFeed } from './feed.js';
import { Outbox } from './queue.js';
import { applyBall, chips, currentInnings } from './scorecard.js';
import { renderPrompts, resetPrompts } from './prompts.js';
import { label, makeBall, runsRun } from './ball.js';
import { PadCorrections } from './corrections.js';
import { ScoringLock, deviceId } from './lock.js';

const id = matchIdFromPath();
const TOKEN_KEY = 'crease-token';
let token = sessionStorage.getItem(TOKEN_KEY);
let setup = null;
let state = null;
let mod = null;
/** Legal balls of the current over, counting those still in the outbox. */
let overBalls = 0;
/** The refused item an override would send again, while its refusal is shown. */
let refused = null;
/** The override on its way: its refusal stays shown until the server records it. */
let overriding = null;
/** The latest seq the server answered this pad with; the feed may not have brought it yet. */
let sentSeq = -1;
const fields = { striker: $('#striker'), non_striker: $('#non_striker'), bowler: $('#bowler') };

const outbox = new Outbox(id, {
  send: (item) => request('POST', item.path, {
    body: item.body,
    token,
    headers: { 'Idempotency-Key': item.key, 'Scoring-Device': deviceId() },
  }),
  onChange: renderOutbox,
  // The stream often brings the new state before the POST answers; once nothing waits, the
  // server's state (not the pad's guess) fills the players.
  onSent(item, result) {
    if (result && typeof result.seq === 'number') sentSeq = Math.max(sentSeq, result.seq);
    if (item.key === overriding) showError('');
    if (!outbox.items().length) syncFields(false);
  },
  onRefused(item, err, blocked) {
    const text = `${item.label}: ${describe(err)}`;
    const overridable = err instanceof ApiError && err.overridable;
    const next = blocked ? ` Later items wait: ${overridable ? 'override it, ' : ''}send it again or discard it.` : '';
    showError(`${text}${next}`, overridable ? { item, blocked, text } : null);
    if (!blocked) syncFields(true);
  },
  onAuth(err) {
    showError(describe(err));
    signOut();
  },
});

/** Shows (or, with no text, clears) a problem; `overridable` offers the umpires' override. */
/** Scoring is for the pad holding the lock; another follows read-only until it is handed over. */
const lock = new ScoringLock(id, () => token, outbox, (mode) => {
  const following = mode !== 'scoring';
  for (const b of document.querySelectorAll('#pad .runs-keys button, #pad .mod, #pad .actions button, #pad-history button')) b.disabled = following;
});

const corrections = new PadCorrections(id, (path, body, what) => {
  showError('');
  outbox.add(path, body, what);
});

function showError(text, overridable) {
  $('#error').textContent = text || '';
  refused = overridable || null;
  overriding = null;
  $('#override').hidden = !refused;
}

function sendOverride(reason) {
  const { item, blocked, text } = refused;
  // A dropped ball was taken back from the players' fields; it stands again now.
  if (!blocked && item.path.endsWith('/balls')) {
    fields.striker.value = item.body.batter;
    fields.non_striker.value = item.body.non_striker;
    fields.bowler.value = item.body.bowler;
    predict(item.body);
  }
  const seq = Math.max(state ? state.seq : -1, sentSeq);
  showError(`${text} Sending it as the umpires' decision…`);
  overriding = outbox.override(item, reason, seq).key;
}

/** Fill a player field from the state, unless the scorer typed in it since. */
function setField(input, value, force) {
  if (value) {
    if (force || input.dataset.typed !== 'true' || input.value === '') input.value = value;
    input.dataset.typed = 'false';
  } else if (force || input.dataset.typed !== 'true') {
    input.value = '';
  }
}

function syncFields(force) {
  if (!state || outbox.items().length) return;
  const inn = currentInnings(state);
  setField(fields.striker, state.striker, force);
  setField(fields.non_striker, state.non_striker, force);
  setField(fields.bowler, state.bowler, force);
  overBalls = inn ? inn.balls % (state.balls_per_over || 6) : 0;
}

function teamsOf() {
  const inn = currentInnings(state);
  const names = setup.teams.map((t) => t.name);
  const batting = inn ? inn.team : names[0];
  const bat = setup.teams.find((t) => t.name === batting) || setup.teams[0];
  const bowl = setup.teams.find((t) => t !== bat) || setup.teams[1];
  return { bat, bowl };
}

function renderState() {
  if (!state || !setup) return;
  const inn = currentInnings(state);
  $('#p-team').textContent = inn ? inn.team : '';
  $('#p-score').textContent = inn ? `${inn.runs}/${inn.wickets}` : '–';
  $('#p-overs').textContent = inn ? `(${inn.overs} ov)` : '';
  fill($('#p-over'), chips(inn ? inn.this_over : []));
  $('#p-summary').textContent = state.result || (inn && !inn.closed ? '' : state.summary || '');
  const { bat, bowl } = teamsOf();
  const out = new Set(inn ? inn.batting.filter((b) => b.out).map((b) => b.name) : []);
  fill($('#batters'), bat.players.filter((p) => !out.has(p)).map((p) => el('option', { value: p })));
  fill($('#bowlers'), bowl.players.map((p) => el('option', { value: p })));
  fill($('#fielders'), bowl.players.map((p) => el('option', { value: p })));
  fill($('#pen-team'), setup.teams.map((t) => el('option', { value: t.name }, t.name)));
  $('#declare-btn').hidden = !(setup.innings_per_side > 1 && inn && !inn.closed);
  // The umpire's count rules the over: end it short, or reopen it after its last ball.
  const open = inn && !inn.closed && state.status === 'in_progress';
  const due = state.due || [];
  const legal = legalInOver(inn);
  $('#end-over-btn').hidden = !(open && state.bowler && legal > 0 && !due.includes('new_bowler'));
  $('#stop-btn').hidden = Boolean(state.interruption) || state.status === 'finished';
  $('#resume-btn').hidden = !state.interruption;
  $('#p-stopped').textContent = state.interruption ? state.interruption.text : '';
  $('#reopen-over-btn').hidden = !(open && due.includes('new_bowler') && legal > 0);
  renderPrompts($('#prompts'), state, setup, postEvent);
  document.body.dataset.seq = String(state.seq);
}

/** Legal balls in the over in progress (or the one just ended), from its chips. */
function legalInOver(inn) {
  return inn ? inn.this_over.filter((c) => !/wd|nb/.test(c)).length : 0;
}

function renderOutbox(box) {
  const items = box.items();
  fill($('#outbox'), items.map((i, n) => el('li', { class: box.blocked && box.blocked.key === i.key ? 'blocked' : null },
    `${n + 1}. ${i.label}`)));
  $('#outbox-state').textContent = !items.length
    ? 'Nothing waiting.'
    : box.offline
      ? `Offline: ${items.length} waiting, sent in order when the connection returns.`
      : box.blocked ? `${items.length} waiting behind a refused item.` : `Sending ${items.length}…`;
  $('#outbox-state').dataset.count = String(items.length);
  $('#blocked').hidden = !box.blocked;
}

function setMod(m) {
  mod = mod === m ? null : m;
  for (const b of document.querySelectorAll('.mod')) b.setAttribute('aria-pressed', String(b.dataset.mod === mod));
  $('#mod-hint').textContent = {
    wide: 'Wide: runs run as well (0 for just the wide):',
    noball: 'No-ball: runs off the bat:',
    bye: 'Byes: how many?',
    legbye: 'Leg-byes: how many?',
  }[mod] || 'Runs off the bat:';
}

/** Where the batters and the over stand after this ball, until the server says. */
function predict(ball) {
  const e = ball.extras || {};
  const ran = runsRun(ball);
  const swap = () => {
    const s = fields.striker.value;
    fields.striker.value = fields.non_striker.value;
    fields.non_striker.value = s;
  };
  if (ran % 2 === 1) swap();
  for (const w of ball.wickets || []) {
    const f = fields.striker.value === w.player_out ? fields.striker : fields.non_striker.value === w.player_out ? fields.non_striker : null;
    if (f) f.value = '';
  }
  if (!e.wides && !e.noballs) {
    overBalls += 1;
    if (overBalls >= (state.balls_per_over || 6)) {
      overBalls = 0;
      swap();
      fields.bowler.value = '';
    }
  }
}

function scoreBall(n, wicket) {
  if (!state) return;
  const names = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value.trim()]));
  const { ball, error, field } = makeBall(names, mod, n, wicket, $('#commentary').value.trim());
  if (error) {
    showError(error);
    if (field) fields[field].focus();
    return;
  }
  showError('');
  outbox.add(`/api/matches/${id}/balls`, ball, label(ball));
  predict(ball);
  $('#commentary').value = '';
  setMod(null);
}

function postEvent(kind, data, what) {
  showError('');
  outbox.add(`/api/matches/${id}/events`, data === undefined ? { kind } : { kind, data }, what);
}

function openPanel(form) {
  for (const f of document.querySelectorAll('form.sub')) f.hidden = f !== form;
  form.hidden = false;
  form.querySelector('select, input').focus();
}

function closePanels() {
  for (const f of document.querySelectorAll('form.sub')) f.hidden = true;
}

function wire() {
  for (const b of document.querySelectorAll('.run')) b.addEventListener('click', () => scoreBall(Number(b.dataset.runs)));
  for (const b of document.querySelectorAll('.mod')) b.addEventListener('click', () => setMod(b.dataset.mod));
  for (const f of Object.values(fields)) f.addEventListener('input', () => { f.dataset.typed = 'true'; });
  $('#swap').addEventListener('click', () => {
    const s = fields.striker.value;
    fields.striker.value = fields.non_striker.value;
    fields.non_striker.value = s;
  });
  $('#undo-btn').addEventListener('click', () => {
    showError('');
    outbox.add(`/api/matches/${id}/undo`, {}, 'Undo');
  });
  $('#declare-btn').addEventListener('click', () => {
    if (confirm('Declare the innings closed?')) postEvent('declaration', undefined, 'Declaration');
  });
  $('#stop-btn').addEventListener('click', () => {
    $('#st-at').value = hhmm();
    openPanel($('#stop'));
  });
  $('#resume-btn').addEventListener('click', () => {
    $('#re-at').value = hhmm();
    openPanel($('#resume'));
  });
  $('#stop').addEventListener('submit', (e) => {
    e.preventDefault();
    closePanels();
    const data = { cause: $('#st-cause').value, at: $('#st-at').value || hhmm() };
    const reason = $('#st-reason').value.trim();
    if (reason) data.reason = reason;
    postEvent('interruption', data, `Play stopped: ${$('#st-cause').selectedOptions[0].textContent}`);
    $('#st-reason').value = '';
  });
  $('#resume').addEventListener('submit', (e) => {
    e.preventDefault();
    closePanels();
    postEvent('resumption', { at: $('#re-at').value || hhmm() }, 'Play resumed');
    // What the umpires decided in the break applies to the rest of the innings.
    const overs = Number($('#re-overs').value);
    if ($('#re-overs').value.trim() && overs > 0) postEvent('reduced_overs', { overs }, `Overs reduced to ${overs}`);
    const runs = Number($('#re-target').value);
    if (runs > 0) {
      const data = { runs };
      const tOvers = Number($('#re-target-overs').value);
      if ($('#re-target-overs').value.trim() && tOvers > 0) data.overs = tOvers;
      postEvent('revised_target', data, `Target revised to ${runs}`);
    }
    for (const f of ['#re-overs', '#re-target', '#re-target-overs']) $(f).value = '';
  });
  $('#end-over-btn').addEventListener('click', () => {
    const legal = legalInOver(currentInnings(state));
    if (confirm(`End the over after ${legal} balls, as the umpire called it?`)) {
      postEvent('miscounted_over', { balls: legal }, `Over ended after ${legal} balls`);
    }
  });
  $('#reopen-over-btn').addEventListener('click', () => {
    const legal = legalInOver(currentInnings(state));
    if (confirm(`The umpire gave ball ${legal + 1} in this over?`)) corrections.reopenOver(state, legal);
  });
  $('#wicket-btn').addEventListener('click', () => {
    fill($('#w-out'), [fields.striker.value, fields.non_striker.value].filter(Boolean).map((p) => el('option', { value: p }, p)));
    openPanel($('#wicket'));
  });
  $('#penalty-btn').addEventListener('click', () => openPanel($('#penalty')));
  $('#wicket').addEventListener('submit', (e) => {
    e.preventDefault();
    const fielder = $('#w-fielder').value.trim();
    const w = { kind: $('#w-kind').value, player_out: $('#w-out').value };
    if (fielder) w.fielders = [{ name: fielder }];
    closePanels();
    scoreBall(Number($('#w-runs').value) || 0, w);
    $('#w-fielder').value = '';
    $('#w-runs').value = '0';
  });
  $('#penalty').addEventListener('submit', (e) => {
    e.preventDefault();
    closePanels();
    postEvent('penalty_runs', { team: $('#pen-team').value, runs: Number($('#pen-runs').value) || 5 }, 'Penalty runs');
  });
  for (const c of document.querySelectorAll('form.sub .cancel')) c.addEventListener('click', closePanels);
  $('#override').addEventListener('submit', (e) => {
    e.preventDefault();
    const reason = $('#ov-reason').value.trim();
    if (!refused) return;
    if (!reason) {
      $('#ov-reason').focus();
      return;
    }
    $('#ov-reason').value = '';
    $('#ov-reason').blur();
    sendOverride(reason);
  });
  $('#retry-btn').addEventListener('click', () => { showError(''); outbox.retry(); });
  $('#discard-btn').addEventListener('click', () => { showError(''); outbox.discard(); syncFields(true); });
  $('#signout').addEventListener('click', signOut);
  $('#signin').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('#token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    showPad();
    outbox.flush();
  });
  document.addEventListener('keydown', onKey);
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || $('#pad').hidden || lock.mode === 'following' || lock.mode === 'handing-over') return;
  const t = e.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  if (e.key === 'Escape') {
    closePanels();
    setMod(null);
    if (typing) t.blur();
    return;
  }
  if (e.key === 'Enter' && t instanceof HTMLSelectElement && t.form && t.form.classList.contains('sub')) {
    e.preventDefault();
    t.form.requestSubmit();
    return;
  }
  if (typing) return;
  if (e.key === 'c' || e.key === 'C') {
    e.preventDefault();
    $('#commentary').focus();
    return;
  }
  if ((e.key === 'o' || e.key === 'O') && !$('#override').hidden) {
    e.preventDefault();
    $('#ov-reason').focus();
    return;
  }
  const b = document.querySelector(`#pad button[data-key="${CSS.escape(e.key.toLowerCase())}"]`);
  if (b && !b.hidden) {
    e.preventDefault();
    b.click();
  }
}

function signOut() {
  lock.stop();
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('#pad').hidden = true;
  $('#signin').hidden = false;
  $('#token').focus();
}

function showPad() {
  $('#signin').hidden = true;
  $('#pad').hidden = false;
  lock.start();
}

async function main() {
  if (!id) return;
  $('#view-link').href = `/matches/${id}`;
  wire();
  renderOutbox(outbox);
  try {
    const m = await getJSON(`/api/matches/${id}`);
    setup = m.setup;
    $('#title').textContent = `Scoring ${m.title}`;
    document.title = `Score ${m.title} · Crease`;
  } catch (e) {
    $('#title').textContent = 'Match not found';
    showError(describe(e));
    return;
  }
  if (token) showPad();
  else signOut();
  const conn = $('#conn');
  const feed = new LiveFeed(id, {
    onSnapshot(msg) {
      const { type, event, ...snap } = msg;
      // A new epoch is a restored history: seqs answered before it count in the lost one.
      if (state && snap.epoch !== state.epoch) sentSeq = -1;
      state = snap;
      resetPrompts();
      syncFields(type !== undefined && type !== 'snapshot');
      renderState();
      corrections.refresh(state);
    },
    onBall(msg) {
      if (!state) return;
      applyBall(state, msg);
      state.seq = msg.seq;
      syncFields(false);
      renderState();
      corrections.refresh(state);
    },
    onStatus(s) {
      conn.dataset.state = s;
      conn.textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[s] || s;
    },
  });
  feed.start();
  outbox.flush();
}

main();
