// Past states for the scrubber: the match as it stood after an event, from `/live?at=SEQ`.
//
// The server replays the log for a state it has not kept, one replay at a time per node, so a
// dragged thumb must not ask for every ball it passes: asks are spaced (at most four a second,
// the first at once), only the latest wanted seq is ever shown, and an answer that comes back
// after the reader moved on is kept but not shown. A 503 is retried after its Retry-After.
// A past state never changes within its epoch, so each one fetched is kept in the page.

const GAP_MS = 250;
const KEPT = 300;
const RETRY_MIN_S = 1;
const RETRY_MAX_S = 30;

/** Seconds to wait, from a Retry-After of seconds or of an HTTP date. */
export function retryAfterSecs(header) {
  let s = Number(header);
  if (!Number.isFinite(s)) {
    const when = Date.parse(header || '');
    s = Number.isFinite(when) ? (when - Date.now()) / 1000 : 5;
  }
  return Math.min(Math.max(Math.ceil(s), RETRY_MIN_S), RETRY_MAX_S);
}

export class PastStates {
  /**
   * @param {number} matchId
   * @param {{onState: Function, onNote: Function, onGone: Function, onBusy: Function}} h
   *   onState(seq, state) for the seq wanted last; onNote(null | {kind, text}) says what is
   *   awaited ('loading', 'busy', 'error'); onGone() when the seq is past the match's end (its
   *   history changed); onBusy(bool) while any ask is in flight.
   */
  constructor(matchId, h) {
    this.matchId = matchId;
    this.h = h;
    this.kept = new Map();
    this.wanted = null;
    this.timer = null;
    this.retry = null;
    this.lastAsk = -Infinity;
    this.inflight = 0;
  }

  /** Shows the state after `seq` of `epoch`: at once when kept, else from the server. */
  want(seq, epoch) {
    const w = { seq, epoch };
    this.wanted = w;
    clearTimeout(this.retry);
    const hit = this.take(epoch, seq);
    if (hit) {
      clearTimeout(this.timer);
      this.timer = null;
      this.h.onNote(null);
      this.h.onState(seq, hit);
      return;
    }
    this.h.onNote({ kind: 'loading', text: 'Loading…' });
    if (this.timer) return;
    const wait = this.lastAsk + GAP_MS - performance.now();
    if (wait <= 0) this.ask();
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.ask();
      }, wait);
    }
  }

  /** Back to live: nothing is wanted, and answers still on their way are only kept. */
  cancel() {
    this.wanted = null;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    this.timer = null;
    this.h.onNote(null);
  }

  take(epoch, seq) {
    const key = `${epoch}:${seq}`;
    const hit = this.kept.get(key);
    if (hit) {
      // Least recently used goes first: a reader dragging to and fro keeps what it passes.
      this.kept.delete(key);
      this.kept.set(key, hit);
    }
    return hit;
  }

  keep(state) {
    this.kept.set(`${state.epoch}:${state.seq}`, state);
    while (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value);
  }

  async ask() {
    const w = this.wanted;
    if (!w) return;
    const hit = this.take(w.epoch, w.seq);
    if (hit) {
      this.h.onNote(null);
      this.h.onState(w.seq, hit);
      return;
    }
    this.lastAsk = performance.now();
    this.inflight += 1;
    this.h.onBusy(true);
    try {
      const res = await fetch(`/api/matches/${this.matchId}/live?at=${w.seq}`, {
        headers: { Accept: 'application/json' },
        cache: 'no-cache',
      });
      if (res.ok) {
        const state = await res.json();
        this.keep(state);
        if (this.wanted === w) {
          this.h.onNote(null);
          this.h.onState(w.seq, state);
        }
      } else if (this.wanted !== w) {
        // An answer to an ask already superseded: nothing to tell.
      } else if (res.status === 503) {
        const secs = retryAfterSecs(res.headers.get('Retry-After'));
        this.h.onNote({ kind: 'busy', text: 'Busy, retrying…' });
        this.retry = setTimeout(() => {
          if (this.wanted === w) this.ask();
        }, secs * 1000);
      } else if (res.status === 404) {
        this.h.onNote({ kind: 'error', text: 'That ball is no longer in the match; the list is reloading.' });
        this.h.onGone();
      } else {
        this.h.onNote({ kind: 'error', text: `Could not load that ball (${res.status}); move to try again.` });
      }
    } catch {
      if (this.wanted === w) this.h.onNote({ kind: 'error', text: 'No connection: move to try again.' });
    } finally {
      this.inflight -= 1;
      this.h.onBusy(this.inflight > 0);
    }
  }
}
