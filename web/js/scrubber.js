// The viewer's scrubber: a range over the match's deliveries, the live state at its right end.
// Moving it names the ball and the score it left at once; the whole page then shows the match
// as it stood after that ball (see past.js for how the states are asked for). The live feed
// keeps running underneath: a new ball lengthens the range but never moves the view, and
// "Back to live" shows the live state again at once.
//
// One range over the whole match rather than one per innings: a drag crosses an innings break
// like any over, and the label names the innings. On a phone a drag is coarse, so the buttons
// either side, the arrow keys (a ball) and PageUp/PageDown (an over) step exactly.
//
// Nothing is fetched until a reader opens it: the ball list is loaded on opening and then kept
// up to date from the feed's own messages, so the live path costs what it did without it.

import { allBalls, describe } from './api.js';
import { $, el, fill } from './dom.js';
import { PastStates } from './past.js';
import { currentInnings } from './scorecard.js';
import { indexAtOrBefore, overStep, placeOf, scoreOf, stopOfBall, stopsOf } from './stops.js';

export class Scrubber {
  /**
   * @param {number} matchId
   * @param {{live: () => object|null, show: (view: {state: object, place: string}|null) => void}} h
   *   live() is the live state; show(view) renders a past state, or the live one for null.
   */
  constructor(matchId, h) {
    this.matchId = matchId;
    this.h = h;
    /** The stops while open, else null: a closed scrubber keeps nothing up to date. */
    this.stops = null;
    /** The stop shown, or null while the page is live. */
    this.viewing = null;
    /** The live (epoch, seq) the stops are exact at: each next message keeps them so. */
    this.epoch = null;
    this.seen = -1;
    /** Messages that came while the list loaded, applied to it once it is in. */
    this.waiting = null;
    this.root = $('#scrub');
    this.range = $('#scrub-range');
    this.now = $('#scrub-now');
    this.note = $('#scrub-note');
    this.back = $('#scrub-live');
    this.toggle = $('#scrub-toggle');
    this.body = $('#scrub-body');
    this.past = new PastStates(matchId, {
      onState: (seq, state) => this.arrived(seq, state),
      onNote: (n) => this.noted(n),
      onGone: () => this.reload(),
      onBusy: (busy) => this.root.setAttribute('aria-busy', String(busy)),
    });
    this.toggle.addEventListener('click', () => (this.stops ? this.close() : this.open()));
    this.back.addEventListener('click', () => {
      this.toLive();
      this.range.focus();
    });
    this.range.addEventListener('input', () => this.select(Number(this.range.value)));
    this.range.addEventListener('keydown', (e) => this.key(e));
    $('#scrub-prev').addEventListener('click', () => this.step(-1));
    $('#scrub-next').addEventListener('click', () => this.step(1));
  }

  /** The live state moved on: the control shows once there is a ball to go back to. */
  liveChanged() {
    const live = this.h.live();
    this.root.hidden = !this.stops && !(live && (live.commentary || []).length);
    if (this.stops && !this.viewing) this.label();
  }

  async open() {
    this.root.dataset.open = 'true';
    this.toggle.setAttribute('aria-expanded', 'true');
    this.toggle.setAttribute('aria-label', 'Close the replay');
    this.toggle.textContent = 'Close';
    this.body.hidden = false;
    this.now.hidden = false;
    this.stops = [];
    this.range.disabled = true;
    this.label();
    this.noted({ kind: 'loading', text: 'Loading the balls…' });
    await this.reload();
    if (this.stops && document.activeElement === this.toggle) this.range.focus();
  }

  close() {
    this.toLive();
    this.stops = null;
    this.root.dataset.open = 'false';
    this.toggle.setAttribute('aria-expanded', 'false');
    this.toggle.removeAttribute('aria-label');
    this.toggle.textContent = 'Replay ball by ball';
    this.body.hidden = true;
    this.now.hidden = true;
    this.noted(null);
    this.liveChanged();
  }

  /**
   * The ball list from the server. It holds at least every ball up to the live seq when it was
   * asked for, perhaps more; the messages after that seq that arrive meanwhile are applied to
   * it once it is in, as they would have been (a ball already listed is not added twice).
   */
  async reload() {
    if (!this.stops) return;
    if (this.waiting) {
      this.waiting.push({ type: 'reload' });
      return;
    }
    this.waiting = [];
    const live = this.h.live();
    let entries;
    try {
      entries = await allBalls(this.matchId);
    } catch (e) {
      this.waiting = null;
      if (this.stops) this.noted({ kind: 'error', text: `Could not load the balls: ${describe(e)} Close and open to try again.` });
      return;
    }
    const came = this.waiting;
    this.waiting = null;
    if (!this.stops) return;
    this.seen = live ? live.seq : -1;
    this.epoch = live ? live.epoch : null;
    this.setStops(stopsOf(entries));
    if (!this.viewing) this.noted(null);
    for (const m of came) {
      if (m.type === 'ball') this.ball(m.msg);
      else if (m.type === 'reload') this.reload();
      else this.full(m.type, m);
    }
  }

  setStops(stops) {
    const was = this.viewing;
    this.stops = stops;
    this.range.max = String(stops.length);
    this.range.disabled = false;
    if (!was) {
      this.range.value = String(stops.length);
      this.label();
      return;
    }
    // The ball viewed may have been undone or corrected away: show the one before it instead.
    const i = indexAtOrBefore(stops, was.seq);
    if (i >= 0 && stops[i].seq === was.seq) {
      this.viewing = stops[i];
      this.range.value = String(i);
      this.label();
    } else if (i >= 0) this.select(i);
    else this.toLive();
  }

  /** Shows stop `i`; the index past the last stop is the live state. */
  select(i) {
    if (!this.stops || !this.stops.length) return;
    if (i >= this.stops.length) {
      this.toLive();
      return;
    }
    const at = Math.max(i, 0);
    this.viewing = this.stops[at];
    this.range.value = String(at);
    this.root.dataset.view = 'past';
    this.viewed(true);
    this.label();
    this.past.want(this.viewing.seq, this.epoch);
  }

  step(by) {
    if (!this.stops) return;
    const i = Number(this.range.value) + by;
    this.select(Math.min(Math.max(i, 0), this.stops.length));
  }

  key(e) {
    if (!this.stops || (e.key !== 'PageUp' && e.key !== 'PageDown')) return;
    e.preventDefault();
    this.select(overStep(this.stops, Number(this.range.value), e.key === 'PageDown' ? 1 : -1));
  }

  toLive() {
    this.viewing = null;
    this.past.cancel();
    this.root.dataset.view = 'live';
    this.viewed(false);
    if (this.stops) this.range.value = String(this.stops.length);
    this.label();
    this.h.show(null);
  }

  arrived(seq, state) {
    const stop = this.viewing;
    if (!stop || stop.seq !== seq) return;
    // The server's score is the one that counts (a penalty awarded between balls is in it).
    const inn = state.innings && state.innings[stop.innings - 1];
    if (inn) Object.assign(stop, { runs: inn.runs, wickets: inn.wickets });
    this.label();
    this.h.show({ state, place: placeOf(stop, this.h.live()) });
  }

  /** A live ball: one more stop at the end, the view left where the reader put it. */
  ball(msg) {
    if (!this.stops) return;
    if (this.waiting) {
      this.waiting.push({ type: 'ball', msg });
      return;
    }
    // Already in the list it loaded.
    if (msg.seq <= this.seen) return;
    if (msg.seq !== this.seen + 1) {
      this.reload();
      return;
    }
    this.seen = msg.seq;
    const last = this.stops[this.stops.length - 1];
    if (!last || msg.seq > last.seq) this.stops.push(stopOfBall(msg));
    this.range.max = String(this.stops.length);
    if (!this.viewing) this.range.value = String(this.stops.length);
    this.label();
  }

  /** A live message with the full state: an undo, a correction or a resync may change any
   * stop, so the list is loaded again; any other event is the next seq and changes none. */
  full(type, { seq, epoch }) {
    if (!this.stops) return;
    if (this.waiting) {
      this.waiting.push({ type, seq, epoch });
      return;
    }
    if (epoch !== this.epoch) {
      // The match's history was replaced (a restore): the stops and states viewed are gone.
      this.toLive();
      this.reload();
      return;
    }
    // Already in the list it loaded (a /live refresh at the seq the feed has is one).
    if (seq <= this.seen) return;
    if (type === 'event' && seq === this.seen + 1) {
      this.seen = seq;
      return;
    }
    this.reload();
  }

  /** While a past ball is shown, "Back to live" takes the close button's place: it is the way
   * out, and the bar, sticky then, stays short enough for a phone. */
  viewed(past) {
    this.back.hidden = !past;
    this.toggle.hidden = past;
  }

  label() {
    const live = this.h.live();
    const stop = this.viewing;
    if (stop) {
      const place = placeOf(stop, live);
      const score = scoreOf(stop, live);
      // Two pieces that each keep to one line: a narrow bar breaks between them, not inside.
      fill(this.now, el('span', { class: 'nowrap' }, `Viewing ${place} ·`), ' ', el('span', { class: 'nowrap' }, score));
      this.range.setAttribute('aria-valuetext', `${place.replace('inns', 'innings')}: ${score}`);
    } else {
      const inn = live ? currentInnings(live) : null;
      const score = inn ? `${inn.team} ${inn.runs}/${inn.wickets} (${inn.overs} ov)` : (live && live.summary) || '';
      this.now.textContent = score ? `Live · ${score}` : 'Live';
      this.range.setAttribute('aria-valuetext', score ? `Live: ${score}` : 'Live');
    }
  }

  noted(n) {
    this.note.textContent = n ? n.text : '';
    this.note.dataset.kind = n ? n.kind : '';
  }
}
