// The pad's corrections: this innings' deliveries, newest first, from the match's history; any
// of them can be edited, deleted, or have a delivery inserted before it. A correction goes
// through the outbox like a ball, so it waits out a bad network the same way, in order.

import { allBalls } from './api.js';
import { $, el, fill } from './dom.js';

/** Deliveries of the innings listed on the pad: enough to reach back a few overs. */
const SHOWN = 36;
const EXTRAS = ['wides', 'noballs', 'byes', 'legbyes'];

export class PadCorrections {
  /**
   * @param {number} matchId
   * @param {(path: string, body: object, label: string) => void} send  posts through the outbox
   */
  constructor(matchId, send) {
    this.matchId = matchId;
    this.send = send;
    this.entries = [];
    this.editing = null;
    this.loading = null;
    this.form = $('#correct');
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  /** Reloads the history once the state has moved on (at most one load at a time). */
  async refresh(state) {
    if (!state) return;
    this.latest = state;
    if (this.loading) return;
    const seq = state.seq;
    this.loading = allBalls(this.matchId).catch(() => null);
    const entries = await this.loading;
    this.loading = null;
    if (entries) {
      this.entries = entries;
      this.render(this.latest);
    }
    // The state moved on while the history loaded: load what it moved to.
    if (this.latest.seq !== seq) this.refresh(this.latest);
  }

  /** The latest delivery standing in this innings, or null. */
  lastBall(state) {
    const number = typeof state.current_innings === 'number' ? state.current_innings + 1 : 0;
    const mine = this.entries.filter((e) => e.status === 'stands' && e.innings === number);
    return mine.length ? mine[mine.length - 1] : null;
  }

  /**
   * The umpire gave another ball after the over's last: the over is reopened by putting a
   * miscounted over (one ball longer) in just before that last ball, so it no longer ends it.
   */
  reopenOver(state, legalBalls) {
    const last = this.lastBall(state);
    if (!last) return false;
    this.send(`/api/matches/${this.matchId}/corrections`, {
      seq: last.seq,
      action: 'insert',
      event: { kind: 'miscounted_over', data: { balls: legalBalls + 1 } },
    }, `Reopen the over (${legalBalls + 1} balls)`);
    return true;
  }

  render(state) {
    const number = typeof state.current_innings === 'number' ? state.current_innings + 1 : 0;
    const mine = this.entries.filter((e) => e.status === 'stands' && e.innings === number).slice(-SHOWN).reverse();
    fill($('#pad-history'), mine.length ? mine.map((e) => this.line(e)) : el('li', { class: 'muted' }, 'No balls in this innings yet.'));
  }

  line(e) {
    const following = ['following', 'handing-over'].includes(document.body.dataset.lock);
    const act = (text, what, cls) => el('button', { type: 'button', class: cls || 'small', 'data-action': what,
      disabled: following, onclick: () => this.act(e, what) }, text);
    return el('li', { 'data-seq': String(e.seq) },
      el('span', { class: 'ball-no' }, e.over_ball || ''), ' ', e.text, ' ',
      act('Edit', 'amend'), ' ', act('Insert before', 'insert'), ' ', act('Delete', 'delete', 'small danger'));
  }

  act(entry, action) {
    if (action === 'delete') {
      if (confirm(`Delete ${entry.over_ball}: ${entry.text}?`)) {
        this.send(`/api/matches/${this.matchId}/corrections`, { seq: entry.seq, action: 'delete' }, `Delete ${entry.over_ball}`);
      }
      return;
    }
    this.editing = { entry, action };
    const f = this.form.elements;
    const b = entry.ball;
    $('#correct-what').textContent = action === 'amend'
      ? `Edit ${entry.over_ball}: ${entry.text}`
      : `A delivery before ${entry.over_ball}`;
    f.batter.value = b.batter;
    f.non_striker.value = b.non_striker;
    f.bowler.value = b.bowler;
    const extras = b.extras || {};
    const kind = EXTRAS.find((k) => extras[k]) || '';
    f.extra.value = action === 'amend' ? kind : '';
    f.extra_runs.value = action === 'amend' && kind ? String(extras[kind]) : '0';
    f.bat.value = action === 'amend' ? String(b.runs.batter) : '0';
    f.keep_wicket.checked = action === 'amend' && (b.wickets || []).length > 0;
    f.keep_wicket.disabled = !(action === 'amend' && (b.wickets || []).length > 0);
    f.ccomment.value = action === 'amend' ? b.commentary || '' : '';
    for (const s of document.querySelectorAll('form.sub')) s.hidden = s !== this.form;
    this.form.hidden = false;
    f.bat.focus();
  }

  /** The delivery the form describes, in Cricsheet's shape. */
  ball() {
    const f = this.form.elements;
    const bat = Number(f.bat.value) || 0;
    const kind = f.extra.value;
    const extra = kind ? Number(f.extra_runs.value) || (kind === 'wides' || kind === 'noballs' ? 1 : 0) : 0;
    const ball = {
      batter: f.batter.value.trim(),
      non_striker: f.non_striker.value.trim(),
      bowler: f.bowler.value.trim(),
      runs: { batter: kind === 'wides' ? 0 : bat, extras: extra, total: (kind === 'wides' ? 0 : bat) + extra },
    };
    if (kind && extra) ball.extras = { [kind]: extra };
    const old = this.editing.entry.ball;
    if (f.keep_wicket.checked && old.wickets) ball.wickets = old.wickets;
    const comment = f.ccomment.value.trim();
    if (comment) ball.commentary = comment;
    return ball;
  }

  submit() {
    if (!this.editing) return;
    const { entry, action } = this.editing;
    const body = { seq: entry.seq, action, event: { kind: 'ball', data: this.ball() } };
    const what = action === 'amend' ? `Correct ${entry.over_ball}` : `Insert before ${entry.over_ball}`;
    this.send(`/api/matches/${this.matchId}/corrections`, body, what);
    this.editing = null;
    this.form.hidden = true;
  }
}
