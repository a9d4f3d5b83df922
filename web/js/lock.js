// One scorer at a time: the pad takes the match's scoring lock when it starts scoring, renews it
// every few seconds while open, and hands it over only once its outbox is empty, so nothing is
// lost between two scorers. A second device follows read-only, and may ask for a hand-over; it
// takes the lock when it is handed over or lapses.

import { ApiError, NetworkError, request } from './api.js';
import { $, el, fill, hhmm } from './dom.js';

const DEVICE_KEY = 'crease-device';
const RENEW_MS = 10000;
/** How often a pad that asked for a hand-over looks whether it was handed over. */
const WAITING_MS = 2000;

/** This browser's device id: random, kept for as long as the browser keeps its storage. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    id = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

export class ScoringLock {
  /**
   * @param {number} matchId
   * @param {() => string|null} token  the scorer's token now
   * @param {object} outbox  the pad's outbox: a hand-over waits until it is empty
   * @param {(mode: string) => void} onMode  'scoring' | 'following'
   */
  constructor(matchId, token, outbox, onMode) {
    this.matchId = matchId;
    this.token = token;
    this.outbox = outbox;
    this.onMode = onMode;
    this.device = deviceId();
    this.label = `Pad ${this.device.slice(0, 4)}`;
    this.mode = null;
    this.timer = null;
    this.handingOver = false;
    $('#lock-take').addEventListener('click', () => this.take());
    $('#lock-ask').addEventListener('click', () => this.ask());
    $('#lock-handover').addEventListener('click', () => this.handOver());
  }

  get path() {
    return `/api/matches/${this.matchId}/lock`;
  }

  call(method, path, body) {
    return request(method, path, { body, token: this.token(), headers: { 'Scoring-Device': this.device } });
  }

  start() {
    this.stopped = false;
    this.take();
    this.schedule();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
  }

  schedule() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.asked && this.mode !== 'scoring' ? WAITING_MS : RENEW_MS);
  }

  /** Renews the lock while scoring; while following, looks whether it came free. */
  tick() {
    if (this.handingOver) return;
    if (this.mode === 'scoring') this.take();
    else this.look();
  }

  async take() {
    try {
      const lock = await this.call('POST', this.path, { device: this.device, label: this.label });
      this.show(lock);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        this.setMode('following');
        this.look();
      } else if (!(e instanceof NetworkError)) {
        this.say(`The scoring lock: ${e.message}`);
      }
      // Offline: the lock is renewed when the connection returns; the outbox keeps the balls.
    }
  }

  async look() {
    try {
      this.show(await this.call('GET', this.path));
    } catch {
      // Shown again at the next look.
    }
  }

  async ask() {
    try {
      this.show(await this.call('POST', `${this.path}/handover`, { device: this.device, label: this.label }));
      this.asked = true;
      this.schedule();
      this.say('Asked for a hand-over: scoring passes to this pad when the other scorer hands over.');
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) this.take();
      else this.say(e.message);
    }
  }

  /** Sends everything waiting, then lets go: the other scorer takes over from the last ball. */
  async handOver() {
    this.handingOver = true;
    this.setMode('handing-over');
    this.say('Sending what is waiting before handing over…');
    this.outbox.flush();
    while (this.outbox.items().length) {
      if (this.outbox.blocked) {
        this.say('The outbox holds a refused item: send it again or discard it, then hand over.');
        this.handingOver = false;
        this.setMode('scoring');
        return;
      }
      await new Promise((ok) => setTimeout(ok, 300));
    }
    try {
      await this.call('DELETE', this.path);
      this.say('Handed over: the outbox was empty, nothing is lost. This pad now follows.');
      this.setMode('following');
    } catch (e) {
      this.say(e.message);
      this.setMode('scoring');
    }
    this.handingOver = false;
  }

  show(lock) {
    if (!lock.held && this.asked) {
      // Handed over, as asked: take it at once.
      this.asked = false;
      this.take();
      return;
    }
    if (lock.yours) this.asked = false;
    if (!lock.held) {
      this.setMode('following');
      this.say('Nobody is scoring this match now.');
      fill($('#lock-state'), 'Nobody is scoring this match.');
      $('#lock-take').hidden = false;
      $('#lock-ask').hidden = true;
      $('#lock-handover').hidden = true;
      return;
    }
    if (lock.yours) {
      this.setMode('scoring');
      fill($('#lock-state'), `This pad is scoring (since ${hhmm(lock.since_ms)}).`);
      $('#lock-take').hidden = true;
      $('#lock-ask').hidden = true;
      $('#lock-handover').hidden = !lock.wanted_label;
      if (lock.wanted_label) this.say(`${lock.wanted_label} asks to take over the scoring.`);
      return;
    }
    this.setMode('following');
    fill($('#lock-state'), [el('strong', {}, lock.label), ` is scoring (since ${hhmm(lock.since_ms)}): this pad follows read-only.`]);
    $('#lock-take').hidden = true;
    $('#lock-ask').hidden = lock.wanted_by_you;
    $('#lock-handover').hidden = true;
  }

  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    document.body.dataset.lock = mode;
    this.onMode(mode);
  }

  say(text) {
    $('#lock-note').textContent = text;
  }
}
