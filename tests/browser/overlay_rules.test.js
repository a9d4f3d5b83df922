// The overlay's rules without a browser: which query values make a theme (and that anything
// else falls back), which balls call for which panels (a 4 that was run is no boundary, a
// bowler's fifth wicket is a milestone, a retirement is no wicket), and how the panel queue
// forgets old news. The browser test plays a real match; these cover what that match lacks.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, colour, inkOn, scale, themeFrom } from '../../web/js/overlay_theme.js';
import { figuresBefore, panelsFor } from '../../web/js/overlay_panels.js';
import { MAX_WAITING, PanelQueue, STALE_AFTER_EVENTS } from '../../web/js/overlay_queue.js';

describe('overlay theme', () => {
  it('reads a colour in any of its hex forms', () => {
    assert.equal(colour('3a7'), '#33aa77');
    assert.equal(colour('33AA77'), '#33aa77');
    assert.equal(colour('#33aa77'), '#33aa77');
    assert.equal(colour('3a78'), '#33aa7788');
    assert.equal(colour('33aa7780'), '#33aa7780');
  });

  it('refuses anything else as a colour', () => {
    for (const bad of ['red', '#12', '12345', '33aa77;}', 'url(x)', '33aa77 !important', '', null, undefined]) {
      assert.equal(colour(bad), null, String(bad));
    }
  });

  it('takes a size as a word or a factor from 0.5 to 2', () => {
    assert.equal(scale('s'), 0.8);
    assert.equal(scale('l'), 1.3);
    assert.equal(scale('0.5'), 0.5);
    assert.equal(scale('2'), 2);
    for (const bad of ['2.5', '0.4', '1e1', ' 1', '-1', 'xl', 'constructor', '']) assert.equal(scale(bad), null, bad);
  });

  it('builds a theme from a query string, %23 and all', () => {
    assert.deepEqual(themeFrom('?bg=%2333aa77&fg=000&accent=e4002b&position=top&size=l&hold=3'), {
      bg: '#33aa77', fg: '#000000', accent: '#e4002b', position: 'top', scale: 1.3, hold: 3,
    });
  });

  it('falls back to the default for every bad or missing value', () => {
    const q = new URLSearchParams({ bg: 'red;}body{display:none', fg: 'fff;', accent: 'expression(1)', position: 'left', size: '9', hold: '0' });
    assert.deepEqual(themeFrom(`?${q}`), { ...DEFAULTS });
    assert.deepEqual(themeFrom(''), { ...DEFAULTS });
  });

  it('writes on the accent in whichever of black or white reads better', () => {
    assert.equal(inkOn('#f2b705'), '#000000');
    assert.equal(inkOn('#101c2c'), '#ffffff');
    assert.equal(inkOn('#e4002b'), '#ffffff');
  });
});

/** A T20 chase in progress: A 48 (30) on strike, B 10 (12), Q bowling with 4-20. */
function chaseState() {
  return {
    balls_per_over: 6,
    innings: [{
      team: 'Harbour',
      batting: [{ name: 'A', runs: 48, balls: 30 }, { name: 'B', runs: 10, balls: 12 }],
      bowling: [{ name: 'Q', wickets: 4, runs: 20 }],
      over_runs: [3, 7],
    }],
  };
}

/** A ball message: `ball` as scored, `line` as the server sends it after that ball. */
function ballMsg(ball, line) {
  const base = { inn: 1, r: 60, w: 2, b: 10, ov: '1.4', this: ['1', '0', '1', '4'] };
  return { type: 'ball', seq: 9, ball: { batter: 'A', non_striker: 'B', bowler: 'Q', ...ball }, line: { ...base, ...line } };
}

const runs = (batter) => ({ batter, extras: 0, total: batter });

describe('overlay panels', () => {
  it('tells a four run (or overthrown) as no boundary, though its runs bring up a fifty', () => {
    const state = chaseState();
    const msg = ballMsg({ runs: runs(4), non_boundary: true }, {
      s: { n: 'A', r: 52, b: 31, '4s': 5, '6s': 1 }, ns: { n: 'B', r: 10, b: 12, '4s': 1, '6s': 0 },
      bowl: { n: 'Q', w: 4, r: 24, ov: '1.4' },
    });
    const panels = panelsFor(figuresBefore(state, msg), msg, state);
    assert.deepEqual(panels.map((p) => p.kind), ['milestone']);
    assert.equal(panels[0].title, 'FIFTY');
    assert.equal(panels[0].detail, '52* (31) · 5×4 1×6');
  });

  it('tells a four as a boundary', () => {
    const state = chaseState();
    const msg = ballMsg({ runs: runs(4) }, { s: { n: 'A', r: 52, b: 31, '4s': 6, '6s': 1 }, bowl: { n: 'Q', w: 4, r: 24, ov: '1.4' } });
    const panels = panelsFor(figuresBefore(state, msg), msg, state);
    assert.deepEqual(panels.map((p) => [p.kind, p.title, p.name]), [['four', 'FOUR', 'A'], ['milestone', 'FIFTY', 'A']]);
    assert.equal(panels[0].foot, 'Harbour 60/2 (1.4 ov)');
  });

  it('tells a wicket, and a bowler\'s fifth as a milestone', () => {
    const state = chaseState();
    const msg = ballMsg({ runs: runs(0), wickets: [{ kind: 'caught', player_out: 'A', fielders: [{ name: 'R', substitute: true }] }] }, {
      w: 3, ns: { n: 'B', r: 10, b: 12, '4s': 1, '6s': 0 }, bowl: { n: 'Q', w: 5, r: 20, ov: '1.4' },
    });
    const panels = panelsFor(figuresBefore(state, msg), msg, state);
    assert.deepEqual(panels.map((p) => [p.kind, p.title, p.name]), [['wicket', 'WICKET', 'A'], ['milestone', 'FIVE WICKETS', 'Q']]);
    // The batter is out, so their figures are what they had and this ball's.
    assert.equal(panels[0].detail, 'c sub (R) b Q · 48 (31)');
    assert.equal(panels[1].detail, '5-20 (1.4 ov)');
  });

  it('tells no wicket for a batter retiring hurt', () => {
    const state = chaseState();
    const msg = ballMsg({ runs: runs(0), wickets: [{ kind: 'retired hurt', player_out: 'B' }] }, { s: { n: 'A', r: 48, b: 31 } });
    assert.deepEqual(panelsFor(figuresBefore(state, msg), msg, state), []);
  });

  it('tells the end of an over with its runs and wickets, not the end of an innings', () => {
    const state = chaseState();
    const line = { ov: '2', b: 12, this: ['1', '0', 'W', '4', '1', '1'], due: ['new_bowler'], tgt: 150, need: 90, left: 108 };
    const msg = ballMsg({ runs: runs(1) }, line);
    const [over] = panelsFor(figuresBefore(state, msg), msg, state);
    assert.deepEqual(over, {
      kind: 'over', title: 'END OF OVER 2', name: '7 runs, 1 wicket', detail: '1 0 W 4 1 1',
      foot: 'Harbour 60/2 (2 ov) · need 90 from 108',
    });
    const closed = ballMsg({ runs: runs(1) }, { ...line, cl: true, due: ['innings_start'] });
    assert.deepEqual(panelsFor(figuresBefore(state, closed), closed, state), []);
  });
});

describe('overlay panel queue', () => {
  /** Moves the mocked clock on in small steps, so timers set by timers run too. */
  function advance(t, ms) {
    for (let done = 0; done < ms; done += 50) t.mock.timers.tick(50);
  }

  function queue() {
    const shown = [];
    const q = new PanelQueue({ holdMs: 1000, show: (p) => shown.push(p), hide: () => shown.push('off') });
    return { q, shown };
  }

  it('shows one panel at a time, each for its hold, and keeps only the latest few waiting', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { q, shown } = queue();
    q.push(['a'], 1);
    q.push(['b', 'c', 'd', 'e'], 2);
    assert.deepEqual(shown, ['a']);
    advance(t, 1000);
    assert.deepEqual(shown, ['a', 'off']);
    advance(t, 500);
    assert.deepEqual(shown, ['a', 'off', 'c']);
    advance(t, 10000);
    // 'b' was dropped: four waited, and at most MAX_WAITING may.
    assert.equal(MAX_WAITING, 3);
    assert.deepEqual(shown, ['a', 'off', 'c', 'off', 'd', 'off', 'e', 'off']);
  });

  it('forgets a panel whose ball is long past, and clears on an undo', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { q, shown } = queue();
    q.push(['a'], 1);
    q.push(['b'], 2);
    q.seen(2 + STALE_AFTER_EVENTS + 1);
    advance(t, 10000);
    assert.deepEqual(shown, ['a', 'off']);
    q.push(['c'], 20);
    q.push(['d'], 21);
    q.clear();
    advance(t, 10000);
    assert.deepEqual(shown, ['a', 'off', 'c', 'off']);
  });
});
