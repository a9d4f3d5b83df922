// The broadcast overlay: a lower third and event panels over a transparent page, for OBS or
// vMix browser sources. Everything comes from the match's event stream (a snapshot, then balls
// and full states), applied by seq through LiveFeed, which resumes from the last seq after a
// drop; the overlay never polls, so a thousand broadcast machines cost the node a thousand
// idle streams and nothing more.

import { $, matchIdFromPath } from './dom.js';
import { LiveFeed } from './feed.js';
import { applyBall } from './scorecard.js';
import { renderLowerThird, renderPanel } from './overlay_board.js';
import { figuresBefore, panelsFor } from './overlay_panels.js';
import { PanelQueue } from './overlay_queue.js';
import { inkOn, themeFrom } from './overlay_theme.js';

const id = matchIdFromPath();
const theme = themeFrom(location.search);
let state = null;

/** Theme values reach CSS only as custom properties, and only after themeFrom checked them. */
function applyTheme(t) {
  const s = document.documentElement.style;
  s.setProperty('--bg', t.bg);
  s.setProperty('--fg', t.fg);
  s.setProperty('--accent', t.accent);
  s.setProperty('--on-accent', inkOn(t.accent));
  s.setProperty('--scale', String(t.scale));
  document.body.dataset.position = t.position;
}

const panel = $('#panel');
const queue = new PanelQueue({
  holdMs: theme.hold * 1000,
  show(p) {
    renderPanel(panel, p);
    panel.classList.add('on');
  },
  hide() {
    panel.classList.remove('on');
  },
});

function render() {
  renderLowerThird($('#lower-third'), state);
  document.body.dataset.seq = String(state.seq);
}

function main() {
  applyTheme(theme);
  if (!id) return;
  const feed = new LiveFeed(id, {
    onSnapshot(msg) {
      const { type, event, correction, ...snap } = msg;
      // An undo or a correction rewrites the past, and a new epoch is another history: news
      // queued from before may now be untrue.
      if (type === 'undo' || type === 'correction' || (state && snap.epoch !== state.epoch)) queue.clear();
      queue.seen(msg.seq);
      state = snap;
      render();
    },
    onBall(msg) {
      if (!state) return;
      const prior = figuresBefore(state, msg);
      applyBall(state, msg);
      state.seq = msg.seq;
      render();
      queue.push(panelsFor(prior, msg, state), msg.seq);
    },
    onStatus(s) {
      document.body.dataset.conn = s;
    },
  });
  feed.start();
}

main();
