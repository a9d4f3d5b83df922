// The viewer's scrubber in a real browser against a real server, on a real match: India v
// Pakistan (T20, 2007) imported from its Cricsheet file up to the 153rd delivery, early in the
// chase. Every figure expected is summed from the file's own deliveries, never asked of the
// server or the page: the scoreboard at each ball chosen by keyboard, drag or touch, the runs
// of each over on the manhattan and the worm's totals (no over after the ball), and the whole
// commentary ending at it. A ball and an event scored while a reader looks at the past
// lengthen the range but do not move the view; "Back to live" shows them. A 503 is retried
// after Retry-After, an answer that comes back after the reader moved on is not shown, and the
// ball list is not fetched until the reader opens the scrubber.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, launch, requireChromium, ROOT, shotPath, startServer } from './harness.js';

const FILE = join(ROOT, 'data/cricsheet/t20_2007-09-14_india_v_pakistan.json');
/** Deliveries stored before the page opens: the last is 4.2 of the chase, mid-over. */
const LIVE_AT = 153;
/** Long enough for a debug build to replay a state; the tests wait for conditions, not time. */
const WAIT_MS = 10000;

const NOT_A_WICKET = new Set(['retired hurt', 'retired not out']);

/**
 * Every delivery of the file in the order of play, with what the scoreboard and charts show
 * right after it, summed from the deliveries before it.
 */
function deliveriesOf(file) {
  const match = JSON.parse(readFileSync(file, 'utf8'));
  const perOver = match.info.balls_per_over || 6;
  const out = [];
  const finals = [];
  match.innings.forEach((inn, k) => {
    let runs = 0;
    let wickets = 0;
    let legal = 0;
    const overRuns = [];
    for (const over of inn.overs) {
      overRuns[over.over] = 0;
      over.deliveries.forEach((d, j) => {
        runs += d.runs.total;
        overRuns[over.over] += d.runs.total;
        wickets += (d.wickets || []).filter((w) => !NOT_A_WICKET.has(w.kind)).length;
        const ex = d.extras || {};
        if (!ex.wides && !ex.noballs) legal += 1;
        out.push({
          innings: k + 1,
          team: inn.team,
          over: over.over,
          place: `${over.over}.${j + 1}`,
          delivery: d,
          runs,
          wickets,
          overs: `${Math.floor(legal / perOver)}.${legal % perOver}`,
          overRuns: overRuns.slice(0, over.over + 1),
          before: finals.slice(),
        });
      });
    }
    finals.push({ team: inn.team, runs, overs: overRuns.length });
  });
  return out;
}

const D = deliveriesOf(FILE);
const ordinal = (n) => ['1st', '2nd', '3rd', '4th'][n - 1];

/** What the page shows after delivery `i` (0-based), by the file. */
function expectedAt(i) {
  const d = D[i];
  const worm = [...d.before.map((f) => `${f.team}: ${f.runs} after ${f.overs} overs`), `${d.team}: ${d.runs} after ${d.over + 1} overs`];
  return {
    view: 'past',
    value: i,
    now: `Viewing ${ordinal(d.innings)} inns ${d.place} · ${d.team} ${d.runs}/${d.wickets}`,
    team: d.team,
    score: `${d.runs}/${d.wickets}`,
    overs: `(${d.overs} ov)`,
    newest: d.place,
    bars: d.overRuns.map((r, k) => `Over ${k + 1}: ${r} runs`),
    worm: worm.join('; '),
    stopped: null,
  };
}

/**
 * What the page shows: the view, the scrubber, the scoreboard, the charts, the commentary; or,
 * given `want`, whether it shows that (every field named in it). Run in the page, so it refers
 * to nothing outside itself.
 */
function readPage(want) {
  const text = (sel) => {
    const n = document.querySelector(sel);
    return n ? n.textContent.trim() : null;
  };
  const got = {
    view: document.body.dataset.view,
    value: Number(document.querySelector('#scrub-range').value),
    now: text('[data-testid=scrub-now]'),
    team: text('#board .score .team'),
    score: text('[data-testid=score]'),
    overs: text('[data-testid=overs]'),
    newest: text('#commentary li .ball-no'),
    bars: [...document.querySelectorAll('#manhattan rect.bar title')].map((n) => n.textContent),
    worm: text('#worm svg desc'),
    stopped: text('[data-testid=stopped]'),
  };
  if (!want) return got;
  return Object.keys(want).every((k) => JSON.stringify(got[k]) === JSON.stringify(want[k]));
}

const read = (page) => page.evaluate(readPage);

/** Waits until the page shows `want` (every field named in it), then holds it to that. */
async function shows(page, want) {
  // On a timeout the assertion below says what differs.
  await page.waitForFunction(readPage, want, { timeout: WAIT_MS }).catch(() => null);
  const got = await read(page);
  assert.deepEqual(Object.fromEntries(Object.keys(want).map((k) => [k, got[k]])), want);
}

/** Waits until no answer for a past state is on its way. */
const settled = (page) => page.waitForFunction(() => document.querySelector('#scrub').getAttribute('aria-busy') !== 'true', null, { timeout: WAIT_MS });

let browser;
let server;
const pageErrors = [];

async function open(matchId, opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url())));
  await page.goto(`${server.base}/matches/${matchId}`);
  await page.waitForSelector('#conn[data-state=live]', { timeout: WAIT_MS });
  return { ctx, page, asked };
}

/** Opens the scrubber and waits for its range over every ball so far, the thumb at live. */
async function openScrubber(page, balls, tap) {
  if (tap) await tap('#scrub-toggle');
  else await page.click('#scrub-toggle');
  await page.waitForFunction((n) => {
    const r = document.querySelector('#scrub-range');
    return !r.disabled && r.max === String(n) && r.value === String(n);
  }, balls, { timeout: WAIT_MS });
}

describe('the viewer scrubber', () => {
  before(async () => {
    const chromium = requireChromium();
    if (!chromium) return;
    // Two copies: one that a test scores on, one that stays as imported.
    const imports = [{ file: FILE, liveAt: LIVE_AT }, { file: FILE, liveAt: LIVE_AT }];
    server = await startServer({ imports });
    browser = await launch(chromium);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    assert.deepEqual(pageErrors, [], 'no script errors on any page');
  });

  it('shows the match as it stood at a ball chosen by keyboard or drag; live balls do not move it', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    assert.equal(D.length > LIVE_AT + 1, true);
    const [m] = server.imported;
    const { ctx, page, asked } = await open(m.match_id);
    const now = D[LIVE_AT - 1];
    await shows(page, { view: 'live', score: `${now.runs}/${now.wickets}`, overs: `(${now.overs} ov)` });
    assert.equal(asked.filter((u) => u.pathname.endsWith('/balls')).length, 0, 'the ball list waits for the scrubber');

    await openScrubber(page, LIVE_AT);
    assert.match(await page.textContent('[data-testid=scrub-now]'), /^Live · Pakistan /);

    // Keyboard: Home is the first ball, each arrow a ball, PageDown the next over's first.
    await page.focus('#scrub-range');
    await page.keyboard.press('Home');
    await shows(page, expectedAt(0));
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await shows(page, expectedAt(2));
    assert.equal(D[2].wickets, 1, 'the third ball took a wicket');
    await page.keyboard.press('PageDown');
    await shows(page, expectedAt(6));
    assert.equal(D[6].place, '1.1');

    // A drag into the chase: the label follows the thumb while it moves, then the page the ball.
    const box = await page.locator('#scrub-range').boundingBox();
    const y = box.y + box.height / 2;
    const xOf = (i) => box.x + 8 + ((box.width - 16) * i) / LIVE_AT;
    await page.mouse.move(xOf(6), y);
    await page.mouse.down();
    await page.mouse.move(xOf(60), y, { steps: 8 });
    const midway = Number(await page.inputValue('#scrub-range'));
    assert.ok(midway > 6 && midway < 100, `the thumb moved with the mouse: ${midway}`);
    assert.equal(await page.textContent('[data-testid=scrub-now]'), expectedAt(midway).now);
    await page.mouse.move(xOf(140), y, { steps: 8 });
    await page.mouse.up();
    const dropped = Number(await page.inputValue('#scrub-range'));
    assert.ok(dropped > 123 && dropped < LIVE_AT - 1, `dropped in the chase, before its last ball: ${dropped}`);
    await shows(page, expectedAt(dropped));
    await settled(page);
    const scrubbed = await read(page);
    assert.deepEqual(scrubbed, expectedAt(dropped));
    await page.screenshot({ path: shotPath('viewer-scrubbed.png') });
    // The whole commentary, asked for now, ends at the ball viewed.
    await page.click('#history-btn');
    await page.waitForSelector('[data-testid=history]:not([hidden])', { timeout: WAIT_MS });
    const lines = await page.$$eval('[data-testid=history] li .ball-no', (n) => n.map((x) => x.textContent));
    assert.deepEqual(lines, D.slice(0, dropped + 1).map((d) => d.place));
    assert.equal(await page.isVisible('[data-testid=back-to-live]'), true);

    // The next ball of the file scored live, and a drinks break: the range grows by the ball,
    // the view stays where the reader put it.
    const next = D[LIVE_AT];
    assert.deepEqual([next.innings, next.over], [now.innings, now.over], 'the next ball is in the same over');
    const call = api(server.base);
    // The page fetches the snapshot a moment after a live ball: that must not move the view
    // either. It is in before the drinks break is even posted, so applied before it arrives.
    const refreshed = page.waitForResponse((r) => {
      const u = new URL(r.url());
      return u.pathname === `/api/matches/${m.match_id}/live` && !u.search;
    }, { timeout: WAIT_MS });
    const ball = await call('POST', `/api/matches/${m.match_id}/balls`, { ...next.delivery, expected_seq: m.seq });
    await page.waitForFunction((n) => document.querySelector('#scrub-range').max === String(n), LIVE_AT + 1, { timeout: WAIT_MS });
    await (await refreshed).finished();
    const drinks = await call('POST', `/api/matches/${m.match_id}/events`, { kind: 'interruption', data: { cause: 'drinks', at: '15:10' } });
    assert.equal(drinks.seq, ball.seq + 1);
    await page.waitForFunction((s) => document.body.dataset.liveSeq === String(s), drinks.seq, { timeout: WAIT_MS });
    await settled(page);
    assert.deepEqual(await read(page), scrubbed, 'the view stays on the ball chosen');

    // Back to live: the ball and the break, at once.
    await page.click('[data-testid=back-to-live]');
    await shows(page, {
      view: 'live',
      value: LIVE_AT + 1,
      score: `${next.runs}/${next.wickets}`,
      overs: `(${next.overs} ov)`,
      newest: next.place,
      stopped: 'Drinks: play suspended since 15:10',
    });
    assert.match(await page.textContent('[data-testid=scrub-now]'), /^Live · /);
    assert.equal(await page.isVisible('[data-testid=back-to-live]'), false);
    await ctx.close();
  });

  it('says it is busy and retries after Retry-After; an answer for a ball left behind is not shown', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const m = server.imported[1];
    const { ctx, page } = await open(m.match_id);
    await openScrubber(page, LIVE_AT);

    let busy = 1;
    await page.route((u) => u.searchParams.has('at'), (route) => {
      if (busy-- > 0) {
        return route.fulfill({
          status: 503,
          headers: { 'Retry-After': '1', 'Content-Type': 'application/problem+json' },
          body: JSON.stringify({ type: '/problems/busy', title: 'Busy', status: 503, detail: 'Too many past states at once.' }),
        });
      }
      return route.continue();
    });
    await page.focus('#scrub-range');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('[data-testid=scrub-note]').textContent === 'Busy, retrying…', null, { timeout: WAIT_MS });
    await shows(page, expectedAt(0));
    assert.equal(await page.textContent('[data-testid=scrub-note]'), '');

    // The answer for the 2nd ball is held back until the reader is on the 3rd.
    await page.unrouteAll();
    let held;
    const heldNow = new Promise((ok) => {
      page.route((u) => u.searchParams.has('at'), (route) => {
        if (!held) {
          held = route;
          ok();
          return undefined;
        }
        return route.continue();
      });
    });
    await page.keyboard.press('ArrowRight');
    await heldNow;
    await page.keyboard.press('ArrowRight');
    await shows(page, expectedAt(2));
    await held.continue();
    await settled(page);
    assert.deepEqual(await read(page), expectedAt(2), 'the late answer is not shown');
    await ctx.close();
  });

  it('works by touch on a 360-pixel phone', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const m = server.imported[1];
    const { ctx, page } = await open(m.match_id, { viewport: { width: 360, height: 780 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 });
    const tap = async (sel) => {
      const b = await page.locator(sel).boundingBox();
      await page.touchscreen.tap(b.x + b.width / 2, b.y + b.height / 2);
    };
    await openScrubber(page, LIVE_AT, tap);
    for (const sel of ['#scrub-prev', '#scrub-next', '#scrub-toggle']) {
      const b = await page.locator(sel).boundingBox();
      assert.ok(b.width >= 40 && b.height >= 40, `${sel} is big enough to tap: ${b.width}x${b.height}`);
    }
    await tap('#scrub-prev');
    await tap('#scrub-prev');
    await shows(page, expectedAt(LIVE_AT - 2));
    const back = await page.locator('#scrub-live').boundingBox();
    assert.ok(back.height >= 40, `Back to live is big enough to tap: ${back.height}`);
    await settled(page);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `nothing wider than the phone: ${wide}`);
    await tap('#scrub-next');
    await shows(page, expectedAt(LIVE_AT - 1));
    await tap('#scrub-next');
    await shows(page, { view: 'live', value: LIVE_AT });
    await ctx.close();
  });
});
