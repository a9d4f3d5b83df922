// The broadcast overlay in a real browser, framed on a chroma-green page as a vision mixer
// shows it, fed by a real match posted ball by ball through the API: the chase of Mumbai
// Indians v Kings XI Punjab (IPL 2020), whose file gives the target, a four, a six, a bowled
// wicket, the end of every over and KL Rahul's fifty. Every expected figure is counted from the
// file's deliveries. Screenshots go to docs/screenshots/overlay-*.png.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, launch, requireChromium, shotPath, startServer } from './harness.js';
import { ballBody, boardAfter, createBody, deliveries, inningsStartEvent, readMatch, tossEvent } from './cricsheet.js';

const FILE = 't20_2020-10-18_mumbai_indians_v_kings_xi_punjab.json';
const CHASE = 1;
const GREEN = '#00b140';
/** Long enough for a slow machine; every wait ends as soon as its condition holds. */
const WAIT = { timeout: 30000 };

const m = readMatch(FILE);
const chase = deliveries(m, CHASE);
let browser;
let server;
let call;
let matchId;
/** Deliveries of the chase posted so far, and the seq of the last event posted. */
let posted = 0;
let lastSeq = 0;
/** Every `/live` request any overlay page made: the overlay must never poll. */
const liveRequests = [];
const pageErrors = [];
let main;

async function post(path, body) {
  const res = await call('POST', `/api/matches/${matchId}/${path}`, body);
  lastSeq = res.seq;
}

async function postChaseUntil(n) {
  while (posted < n) {
    await post('balls', ballBody(chase[posted].d));
    posted += 1;
  }
}

/** The first delivery of the chase (1-based count) for which `test(d, index)` holds. */
function firstWhere(test) {
  const i = chase.findIndex(({ d }, index) => test(d, index));
  assert.ok(i >= 0, 'the file has such a delivery');
  return i + 1;
}

/** The first count of deliveries from `n` on after which an over is in progress. */
function insideAnOver(n) {
  while (chase[n].over !== chase[n - 1].over) n += 1;
  return n;
}

function hostPage(src, width, height) {
  return `<!doctype html><html><head><style>html,body{margin:0;height:100%;background:${GREEN}}
    iframe{display:block;border:0;width:${width}px;height:${height}px}</style></head>
    <body><iframe src="${src}"></iframe></body></html>`;
}

/** Runs in the overlay: records every panel as it goes on air, so no panel is missed. */
function recordPanels() {
  const panel = document.querySelector('#panel');
  window.aired = [];
  const text = (sel) => panel.querySelector(sel)?.textContent ?? null;
  new MutationObserver((records) => {
    records.forEach((r, i) => {
      const now = i + 1 < records.length ? records[i + 1].oldValue : panel.className;
      const on = (v) => (v || '').split(' ').includes('on');
      if (!on(r.oldValue) && on(now)) {
        window.aired.push({ kind: panel.dataset.kind, title: text('.p-title'), name: text('.p-name'), detail: text('.p-detail'), foot: text('.p-foot') });
      }
    });
  }).observe(panel, { attributes: true, attributeFilter: ['class'], attributeOldValue: true });
}

/** The overlay of the match, framed on a green page of the given size. */
async function framedOverlay({ width, height, query = '' }) {
  const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const requests = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    requests.push(path);
    if (path.endsWith('/live')) liveRequests.push(r.url());
  });
  await page.setContent(hostPage(`${server.base}/overlay/${matchId}${query}`, width, height));
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForSelector('body[data-conn=live]', WAIT);
  await frame.waitForSelector('[data-testid=score]', WAIT);
  await frame.evaluate(recordPanels);
  return { ctx, page, frame, requests };
}

function caughtUp(frame, seq = lastSeq) {
  return frame.waitForFunction((s) => Number(document.body.dataset.seq) >= s, seq, WAIT);
}

/** Waits until a panel matching every field of `want` has been on air; returns it. */
async function aired(frame, want) {
  await frame.waitForFunction((w) => window.aired.some((p) => Object.entries(w).every(([k, v]) => p[k] === v)), want, WAIT);
  return frame.evaluate((w) => window.aired.find((p) => Object.entries(w).every(([k, v]) => p[k] === v)), want);
}

function readBoard(frame) {
  return frame.evaluate(() => {
    const t = (sel) => document.querySelector(sel)?.textContent ?? null;
    const who = (sel) => {
      const n = document.querySelector(sel);
      return n && { name: n.querySelector('.name').textContent, fig: n.querySelector('.fig').textContent, balls: n.querySelector('.balls').textContent };
    };
    return {
      score: t('[data-testid=score]'),
      overs: t('[data-testid=overs]'),
      striker: who('[data-testid=striker]'),
      nonStriker: who('[data-testid=non-striker]'),
      bowler: who('[data-testid=bowler]'),
      thisOver: [...document.querySelectorAll('[data-testid=this-over] li')].map((li) => li.textContent),
      target: t('[data-testid=target]'),
      need: t('[data-testid=need]'),
      rrr: t('[data-testid=rrr]'),
    };
  });
}

/** The board after `n` deliveries of the chase, by the file; `n` must end inside an over. */
function expectedBoard(n) {
  assert.equal(chase[n].over, chase[n - 1].over, 'a checkpoint inside an over');
  const b = boardAfter(m, CHASE, n);
  // Inside an over, the next delivery's batter is on strike and its bowler is bowling.
  const next = chase[n].d;
  const bat = (name) => {
    const x = b.batters.get(name) || { runs: 0, balls: 0 };
    return { name, fig: String(x.runs), balls: `(${x.balls})` };
  };
  const bowl = b.bowlers.get(next.bowler);
  return {
    score: b.score,
    overs: `(${b.overs})`,
    striker: bat(next.batter),
    nonStriker: bat(next.non_striker),
    bowler: { name: next.bowler, fig: `${bowl.wickets}-${bowl.runs}`, balls: `(${bowl.overs})` },
    thisOver: b.thisOver,
    target: `Target ${b.chase.target}`,
    need: `Need ${b.chase.need} from ${b.chase.left} balls`,
    rrr: `RRR ${b.chase.rrr}`,
  };
}

async function checkBoardAt(frame, n) {
  await postChaseUntil(n);
  await caughtUp(frame);
  assert.deepEqual(await readBoard(frame), expectedBoard(n), `the board after ${n} balls of the chase`);
}

/** Waits until a panel of `kinds` is on air and clear of the lower third (none hides the score). */
function panelClear(frame, kinds) {
  return frame.waitForFunction((k) => {
    const panel = document.querySelector('#panel');
    if (!panel.classList.contains('on') || !k.includes(panel.dataset.kind)) return false;
    const p = panel.getBoundingClientRect();
    const lt = document.querySelector('#lower-third').getBoundingClientRect();
    return p.bottom <= lt.top || p.top >= lt.bottom;
  }, kinds, WAIT);
}

function style(frame, sel, prop) {
  return frame.$eval(sel, (n, p) => getComputedStyle(n)[p], prop);
}

describe('broadcast overlay', () => {
  before(async () => {
    const chromium = requireChromium();
    if (!chromium) return;
    server = await startServer();
    browser = await launch(chromium);
    call = api(server.base);
    matchId = (await call('POST', '/api/matches', createBody(m))).id;
    await post('events', tossEvent(m));
    await post('events', inningsStartEvent(m, 0));
    for (const { d } of deliveries(m, 0)) await post('balls', ballBody(d));
    await post('events', inningsStartEvent(m, CHASE));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    assert.deepEqual(pageErrors, [], 'no script errors in any overlay');
  });

  it('shows the chase as the file has it, framed over a green page', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    main = await framedOverlay({ width: 1920, height: 1080, query: '?hold=2' });
    const target = m.innings[CHASE].target.runs;
    assert.equal(await main.frame.textContent('[data-testid=score]'), '0/0');
    assert.equal(await main.frame.textContent('[data-testid=target]'), `Target ${target}`);
    assert.equal(await main.frame.textContent('[data-testid=need]'), `Need ${target} from ${m.info.overs * 6} balls`);
    // The page behind shows through: nothing of the overlay's own is painted there.
    for (const sel of ['html', 'body']) assert.equal(await style(main.frame, sel, 'backgroundColor'), 'rgba(0, 0, 0, 0)');
    await checkBoardAt(main.frame, 4);
  });

  it('puts a four, a six, the end of an over, a wicket and a fifty on air', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const { frame, page } = main;
    const kings = m.innings[CHASE].team;

    // Each event is posted, then its panel waited for, before play goes on: a burst of balls
    // would (rightly) leave older panels unshown.
    const four = firstWhere((d) => d.runs.batter === 4 && !d.runs.non_boundary);
    await postChaseUntil(four);
    const f = await aired(frame, { kind: 'four', name: chase[four - 1].d.batter });
    assert.equal(f.title, 'FOUR');

    const firstOver = chase.filter((x) => x.over === 0).length;
    await postChaseUntil(firstOver);
    const atOver = boardAfter(m, CHASE, firstOver);
    const over = await aired(frame, { kind: 'over', title: 'END OF OVER 1' });
    assert.equal(over.name, `${atOver.overRuns} runs`);
    assert.equal(over.foot, `${kings} ${atOver.score} (${atOver.overs} ov) · need ${atOver.chase.need} from ${atOver.chase.left}`);

    const six = firstWhere((d) => d.runs.batter === 6);
    await postChaseUntil(six);
    const s = await aired(frame, { kind: 'six', name: chase[six - 1].d.batter });
    assert.equal(s.title, 'SIX');
    await checkBoardAt(frame, 20);

    const wicket = firstWhere((d) => (d.wickets || []).length > 0);
    const w = chase[wicket - 1].d;
    assert.equal(w.wickets[0].kind, 'bowled', 'the chase loses its first wicket bowled');
    await postChaseUntil(wicket);
    await panelClear(frame, ['wicket']);
    await page.screenshot({ path: shotPath('overlay-wicket.png'), animations: 'disabled' });
    const atFall = boardAfter(m, CHASE, wicket);
    const out = atFall.batters.get(w.wickets[0].player_out);
    const wp = await aired(frame, { kind: 'wicket', name: w.wickets[0].player_out });
    assert.equal(wp.detail, `b ${w.bowler} · ${out.runs} (${out.balls})`);
    assert.equal(wp.foot, `${kings} ${atFall.score} (${atFall.overs} ov)`);

    // The ball that takes a batter to fifty, and the panel it brings.
    const fifty = firstWhere((d, i) => [...boardAfter(m, CHASE, i + 1).batters.values()].some((b) => b.runs >= 50));
    const hero = chase[fifty - 1].d.batter;
    await postChaseUntil(fifty);
    const ms = await aired(frame, { kind: 'milestone', name: hero });
    const runs = boardAfter(m, CHASE, fifty).batters.get(hero);
    assert.equal(ms.title, 'FIFTY');
    assert.ok(ms.detail.startsWith(`${runs.runs}* (${runs.balls})`), ms.detail);

    // The lower third alone, once the panels are done.
    await frame.waitForFunction(() => !document.querySelector('#panel').classList.contains('on') && window.aired.some((p) => p.kind === 'milestone'), null, WAIT);
    await page.screenshot({ path: shotPath('overlay-lower-third.png'), animations: 'disabled' });
  });

  it('takes its theme from the query string, and a bad value falls back to the default', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const themed = await framedOverlay({ width: 1280, height: 720, query: '?position=top&size=l&bg=%23000&fg=ffffff&accent=e4002b' });
    const bad = new URLSearchParams({ bg: 'red;}body{display:none', fg: '12345', accent: 'url(x)', position: 'left', size: '9', hold: '-1' });
    const plain = await framedOverlay({ width: 1280, height: 720, query: `?${bad}` });
    try {
      assert.equal(await style(themed.frame, '.score-box', 'backgroundColor'), 'rgb(228, 0, 43)');
      assert.equal(await style(themed.frame, '.bar', 'backgroundColor'), 'rgb(0, 0, 0)');
      assert.equal(await style(themed.frame, '.bar', 'color'), 'rgb(255, 255, 255)');
      // Defaults: the score box amber, the bar navy, white text, at the bottom, at 1.25vw.
      assert.equal(await style(plain.frame, '.score-box', 'backgroundColor'), 'rgb(242, 183, 5)');
      assert.equal(await style(plain.frame, '.bar', 'backgroundColor'), 'rgb(16, 28, 44)');
      assert.equal(await style(plain.frame, '.bar', 'color'), 'rgb(255, 255, 255)');
      assert.equal(await style(plain.frame, '.stage', 'fontSize'), '16px');
      assert.equal(await style(themed.frame, '.stage', 'fontSize'), '20.8px', 'size=l is 1.3 times as large');
      const top = (f) => f.$eval('#lower-third', (n) => n.getBoundingClientRect().top / innerHeight);
      assert.ok(await top(themed.frame) < 0.25, 'position=top puts the lower third at the top');
      assert.ok(await top(plain.frame) > 0.75, 'a bad position leaves it at the bottom');
      assert.equal(await plain.frame.isVisible('#lower-third'), true, 'no value can hide the page');

      // The next boundary on air over the top theme, for the README.
      const next = firstWhere((d, i) => i >= posted && (d.runs.batter === 4 || d.runs.batter === 6) && !d.runs.non_boundary);
      await postChaseUntil(next);
      await panelClear(themed.frame, ['four', 'six']);
      await themed.page.screenshot({ path: shotPath('overlay-top-large.png'), animations: 'disabled' });
    } finally {
      await themed.ctx.close();
      await plain.ctx.close();
    }
  });

  it('may be framed, where the viewer page may not', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const overlay = await fetch(`${server.base}/overlay/${matchId}`);
    assert.equal(overlay.status, 200);
    assert.equal(overlay.headers.get('x-frame-options'), null);
    const csp = overlay.headers.get('content-security-policy');
    assert.ok(!csp.includes('frame-ancestors'), csp);
    assert.ok(csp.includes("script-src 'self'") && csp.includes("connect-src 'self'"), csp);

    const viewer = await fetch(`${server.base}/matches/${matchId}`);
    assert.equal(viewer.headers.get('x-frame-options'), 'DENY');
    assert.ok(viewer.headers.get('content-security-policy').includes("frame-ancestors 'none'"));

    // And in the browser: the viewer framed on the same green page never renders.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.setContent(hostPage(`${server.base}/matches/${matchId}`, 800, 600));
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame.waitForLoadState('load');
    assert.equal(await frame.$('#board'), null, `the viewer was framed at ${frame.url()}`);
    await ctx.close();
  });

  it('catches up after a network drop with the balls it missed, from the ring, each applied once', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    // Another viewer keeps the match's hub (and its ring of recent messages) alive meanwhile,
    // so the overlay is sent the balls it missed, not a snapshot: their panels are told too.
    const other = await framedOverlay({ width: 640, height: 360 });
    const overNow = chase[posted].over;
    const overEnd = chase.findLastIndex((x) => x.over === overNow) + 1;
    const missed = boardAfter(m, CHASE, overEnd);
    await dropAndResume(insideAnOver(overEnd + 2));
    // The over that ended unseen is told, with each of its balls counted once.
    const op = await aired(main.frame, { kind: 'over', title: `END OF OVER ${overNow + 1}` });
    assert.equal(op.name.split(',')[0], `${missed.overRuns} run${missed.overRuns === 1 ? '' : 's'}`);
    assert.deepEqual(await readBoard(other.frame), expectedBoard(posted), 'the viewer that stayed agrees');
    await other.ctx.close();
  });

  it('catches up after a network drop from a snapshot when the ring is gone, with no polling', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    // No other viewer: the hub retires with the overlay's connection, so it resumes from a
    // fresh snapshot.
    await dropAndResume(insideAnOver(posted + 3));
    assert.deepEqual(liveRequests, [], 'no overlay asked /live');
    await main.ctx.close();
  });
});

/**
 * Takes the main overlay offline, posts the chase up to `resume` deliveries meanwhile, brings
 * it back, and checks it shows the file's board then, having reconnected once.
 */
async function dropAndResume(resume) {
  const { ctx, frame, requests } = main;
  await caughtUp(frame);
  const streams = () => requests.filter((p) => p.endsWith('/stream')).length;
  const before = streams();
  await ctx.setOffline(true);
  await frame.waitForSelector('body[data-conn=reconnecting]', WAIT);
  await postChaseUntil(resume);
  assert.ok(Number(await frame.evaluate(() => document.body.dataset.seq)) < lastSeq, 'the drop hid the balls');
  await ctx.setOffline(false);
  await frame.waitForSelector('body[data-conn=live]', WAIT);
  await caughtUp(frame);
  assert.deepEqual(await readBoard(frame), expectedBoard(resume), `caught up after ${resume} balls`);
  const again = streams() - before;
  assert.ok(again >= 1 && again <= 2, `reconnected with ${again} stream requests`);
}
