// A match's live feed over Server-Sent Events, applied in seq order.
//
// The rule: apply a message only when it is the next seq of the same epoch, or when it is a
// snapshot at or after the last (epoch, seq): a snapshot of a newer epoch replaces the state
// even at a lower seq, since the match's history was restored and the old seqs are gone.
// Anything of an older epoch is ignored. A gap (or a change of a newer epoch arriving before
// its snapshot) means messages were lost, so the feed reconnects with since=EPOCH:SEQ and the
// server fills the gap from its ring (or sends a snapshot). A lost connection is retried with
// backoff, at once when the browser says the network is back, always from the last position,
// so a ball is never missed and never applied twice.

const MAX_BACKOFF_MS = 10000;

export class LiveFeed {
  /**
   * @param {number} matchId
   * @param {{onSnapshot: Function, onBall: Function, onStatus: Function}} handlers
   *   onSnapshot(state, msg) for snapshot/undo/event (full state at top level);
   *   onBall(msg) for a ball; onStatus('connecting'|'live'|'reconnecting').
   */
  constructor(matchId, handlers) {
    this.matchId = matchId;
    this.h = handlers;
    this.last = -1;
    this.epoch = -1;
    this.source = null;
    this.timer = null;
    this.backoff = 1000;
    this.stopped = false;
    addEventListener('online', () => this.reconnect(0));
    addEventListener('offline', () => this.drop());
  }

  start() {
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.source) this.source.close();
    const since = this.last >= 0 ? `?since=${this.epoch}:${this.last}` : '';
    this.status(this.last >= 0 ? 'reconnecting' : 'connecting');
    const src = new EventSource(`/api/matches/${this.matchId}/stream${since}`);
    this.source = src;
    src.onopen = () => {
      if (src !== this.source) return;
      this.backoff = 1000;
      this.status('live');
    };
    src.onmessage = (e) => {
      if (src === this.source) this.receive(e.data);
    };
    // EventSource would retry by itself, but with the URL's old `since`; retry ourselves.
    src.onerror = () => {
      if (src === this.source) this.drop();
    };
  }

  /** The connection is gone: say so, and try again after a while. */
  drop() {
    if (this.source) this.source.close();
    this.source = null;
    this.status('reconnecting');
    const wait = navigator.onLine === false ? MAX_BACKOFF_MS : this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.reconnect(wait);
  }

  reconnect(delayMs) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  status(s) {
    if (this.current !== s) {
      this.current = s;
      this.h.onStatus?.(s);
    }
  }

  receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    // A viewer count is outside the match's history: no seq, nothing to order.
    if (msg.type === 'viewers') {
      if (typeof msg.viewers === 'number') this.h.onViewers?.(msg.viewers);
      return;
    }
    this.apply(msg);
  }

  /** Applies one message by the seq rule; also used for a snapshot fetched over HTTP. */
  apply(msg) {
    if (typeof msg.seq !== 'number') return;
    const epoch = typeof msg.epoch === 'number' ? msg.epoch : 0;
    if (msg.type === 'snapshot' || msg.type === undefined) {
      if (epoch < this.epoch || (epoch === this.epoch && msg.seq < this.last)) return;
      this.epoch = epoch;
      this.last = msg.seq;
      this.h.onSnapshot(msg, msg);
      return;
    }
    if (epoch < this.epoch || (epoch === this.epoch && msg.seq <= this.last)) return;
    if (epoch !== this.epoch || msg.seq !== this.last + 1) {
      // A gap: what came between is lost on this connection; ask again from what we have.
      this.connect();
      return;
    }
    this.last = msg.seq;
    if (msg.type === 'ball') this.h.onBall(msg);
    else this.h.onSnapshot(msg, msg);
  }
}
