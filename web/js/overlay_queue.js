// Panels go on air one at a time, each for a few seconds, in the order their balls came. The
// queue is bounded and forgets old news: a burst (a reconnection catching up on a dozen balls,
// a scorer clearing a backlog) must not keep the screen busy for minutes with what is past.
// No DOM: showing and hiding are the caller's, so the rules can be tested on their own.

/** Panels waiting at most; past that the oldest waiting one is dropped. */
export const MAX_WAITING = 3;
/** A panel whose ball is this many events behind the latest is no longer news. */
export const STALE_AFTER_EVENTS = 6;
/** A beat between two panels, so that a new one reads as new. */
const GAP_MS = 350;

export class PanelQueue {
  /**
   * @param {{show: (panel: object) => void, hide: () => void, holdMs: number}} opts
   */
  constructor({ show, hide, holdMs }) {
    this.show = show;
    this.hide = hide;
    this.holdMs = holdMs;
    this.waiting = [];
    this.latest = -Infinity;
    this.onAir = null;
    this.timer = null;
  }

  /** Queues `panels` for the event at `seq`. */
  push(panels, seq) {
    this.latest = Math.max(this.latest, seq);
    for (const p of panels) this.waiting.push({ panel: p, seq });
    while (this.waiting.length > MAX_WAITING) this.waiting.shift();
    if (!this.onAir && !this.timer) this.next();
  }

  /** The stream moved on (any event): older panels may now be stale. */
  seen(seq) {
    this.latest = Math.max(this.latest, seq);
  }

  /** Takes everything off air: what was queued may no longer be true (an undo, a correction). */
  clear() {
    clearTimeout(this.timer);
    this.timer = null;
    this.waiting = [];
    this.latest = -Infinity;
    if (this.onAir) this.hide();
    this.onAir = null;
  }

  next() {
    this.timer = null;
    let item = this.waiting.shift();
    while (item && this.latest - item.seq > STALE_AFTER_EVENTS) item = this.waiting.shift();
    if (!item) return;
    this.onAir = item;
    this.show(item.panel);
    this.timer = setTimeout(() => this.off(), this.holdMs);
  }

  off() {
    this.onAir = null;
    this.hide();
    this.timer = setTimeout(() => this.next(), GAP_MS);
  }
}
