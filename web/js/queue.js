// The scorer's outbox: every ball, undo and event goes through it, so one posted while offline
// waits here (in localStorage, surviving a reload) and is sent when the network returns.
//
// Each item keeps the Idempotency-Key it was given when scored, so a send whose answer was lost
// and is sent again is recorded once. Items go one at a time, oldest first, so the server sees
// them in the order they were scored.
//
// A refused item the umpires overrule goes again, at the head of the queue, carrying their
// reason: it was scored before anything behind it, so it still goes first.

import { ApiError, NetworkError } from './api.js';

const RETRY_MS = 3000;

function newKey() {
  // getRandomValues works on plain-http hosts too, where crypto.randomUUID does not exist.
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Outbox {
  /**
   * @param {number} matchId
   * @param {{send: (item) => Promise<any>, onChange: Function, onSent: Function,
   *          onRefused: Function, onAuth: Function}} h
   */
  constructor(matchId, h) {
    this.storeKey = `crease-outbox-${matchId}`;
    this.h = h;
    this.sending = false;
    this.offline = false;
    /** Set when the head was refused and others wait behind it: the scorer decides. */
    this.blocked = null;
    this.timer = null;
    addEventListener('online', () => this.flush());
    // Another tab of the same pad changed the queue.
    addEventListener('storage', (e) => {
      if (e.key === this.storeKey) this.h.onChange(this);
    });
  }

  items() {
    try {
      return JSON.parse(localStorage.getItem(this.storeKey) || '[]');
    } catch {
      return [];
    }
  }

  save(list) {
    localStorage.setItem(this.storeKey, JSON.stringify(list));
    this.h.onChange(this);
  }

  add(path, body, label) {
    const item = { key: newKey(), path, body, label, at: Date.now() };
    this.save([...this.items(), item]);
    this.flush();
    return item;
  }

  remove(key) {
    this.save(this.items().filter((i) => i.key !== key));
  }

  /** Drops the refused head so the rest can go. */
  discard() {
    if (this.blocked) this.remove(this.blocked.key);
    this.blocked = null;
    this.flush();
  }

  retry() {
    this.blocked = null;
    this.flush();
  }

  /**
   * Sends a refused item again as the umpires' decision. `item` is the blocked head, or one
   * already dropped (it was alone in the queue). The seq pins the decision to the state the
   * refusal was about: if the match moved on since, the server says so instead of recording it.
   */
  override(item, reason, expectedSeq) {
    const body = { ...item.body, override: { reason } };
    if (typeof expectedSeq === 'number' && expectedSeq >= 0) body.expected_seq = expectedSeq;
    // A new key: it is a different request from the one refused.
    const again = { key: newKey(), path: item.path, body, label: `${item.label} (umpires' decision)`, at: Date.now() };
    this.blocked = null;
    this.save([again, ...this.items().filter((i) => i.key !== item.key)]);
    this.flush();
    return again;
  }

  async flush() {
    if (this.sending || this.blocked) return;
    this.sending = true;
    clearTimeout(this.timer);
    try {
      for (let head = this.items()[0]; head; head = this.items()[0]) {
        let result;
        try {
          result = await this.h.send(head);
        } catch (e) {
          if (e instanceof NetworkError) {
            this.setOffline(true);
            this.timer = setTimeout(() => this.flush(), RETRY_MS);
            return;
          }
          this.setOffline(false);
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
            this.h.onAuth(e);
            return;
          }
          if (this.items().length > 1) {
            // Those behind it were scored after it: let the scorer fix or drop it first.
            this.blocked = { key: head.key, error: e };
            this.h.onRefused(head, e, true);
            this.h.onChange(this);
            return;
          }
          this.remove(head.key);
          this.h.onRefused(head, e, false);
          continue;
        }
        this.setOffline(false);
        this.remove(head.key);
        this.h.onSent(head, result);
      }
    } finally {
      this.sending = false;
    }
  }

  setOffline(v) {
    if (this.offline !== v) {
      this.offline = v;
      this.h.onChange(this);
    }
  }
}
