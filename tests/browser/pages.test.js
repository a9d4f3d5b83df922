// The pages in a real browser against a real server: a scorer scores (by click and by key) and
// a viewer in another browser context sees each ball within a second; undo shows too; balls
// scored offline are queued and sent once each, in order, when the network returns; a ball the
// Laws checks refuse is recorded as the umpires' decision, and an innings closes with no batter
// left; the admin page creates a match that then appears on the front page. Screenshots go to
// docs/screenshots.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, requireChromium, launch, setupMatch, shotPath, startServer, AWAY, HOME } from './harness.js';

/** How long a viewer may take to show a ball. */
const SHOWN_WITHIN_MS = 1000;

let browser;
let server;
const pageErrors = [];

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return { ctx, page };
}

/** Waits until the text of `selector` is `want` (a string, or a predicate on the text). */
function textIs(page, selector, want, timeout = SHOWN_WITHIN_MS) {
  return page.waitForFunction(([sel, w]) => {
    const n = document.querySelector(sel);
    return n && n.textContent.trim() === w;
  }, [selector, want], { timeout });
}

async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#pad:not([hidden])');
  await page.waitForSelector('body[data-lock=scoring]');
  await page.waitForFunction(() => document.querySelector('#striker').value !== '');
}

/** A viewer following match `id` live, and a scorer pad signed in with `token`, holding the lock. */
async function viewerAndPad(id, token = 'browser-test-admin-token') {
  const viewer = await newPage();
  await viewer.page.goto(`${server.base}/matches/${id}`);
  await textIs(viewer.page, '#conn', 'Live', 5000);
  const scorer = await newPage();
  await scorer.page.goto(`${server.base}/score/${id}`);
  await signIn(scorer.page, token);
  return { viewer, scorer };
}

describe('web pages', () => {
  before(async () => {
    const chromium = requireChromium();
    if (!chromium) return;
    server = await startServer();
    browser = await launch(chromium);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    assert.deepEqual(pageErrors, [], 'no script errors on any page');
  });

  it('shows each ball and an undo in a viewer within a second', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base);
    const { token } = await call('POST', '/api/tokens', { label: 'pavilion', match_ids: [m.id] });
    const viewer = await newPage();
    await viewer.page.goto(`${server.base}/matches/${m.id}`);
    await textIs(viewer.page, '[data-testid=score]', '0/0', 5000);
    await textIs(viewer.page, '#conn', 'Live', 5000);
    const scorer = await newPage();
    await scorer.page.goto(`${server.base}/score/${m.id}`);
    await signIn(scorer.page, token);
    const s = scorer.page;

    await s.click('button[data-runs="1"]');
    await textIs(viewer.page, '[data-testid=score]', '1/0');
    // One run: the batters crossed, on the pad as on the server.
    await s.waitForFunction((n) => document.querySelector('#striker').value === n, HOME[1]);

    await s.keyboard.press('4');
    await textIs(viewer.page, '[data-testid=score]', '5/0');
    await viewer.page.waitForFunction(() => document.querySelector('#commentary li').textContent.includes('FOUR'), null, { timeout: SHOWN_WITHIN_MS });

    await s.keyboard.press('w');
    await s.keyboard.press('0');
    await textIs(viewer.page, '[data-testid=score]', '6/0');
    await textIs(viewer.page, '[data-testid=overs]', '(0.2 ov)');

    await s.keyboard.press('u');
    await textIs(viewer.page, '[data-testid=score]', '5/0');
    await viewer.page.waitForFunction(() => !document.querySelector('.board .chips').textContent.includes('wd'), null, { timeout: SHOWN_WITHIN_MS });

    await s.click('button[data-runs="6"]');
    await textIs(viewer.page, '[data-testid=score]', '11/0');

    // A wicket from the keyboard: X opens the form, Enter confirms (bowled, the striker).
    await s.keyboard.press('x');
    await s.waitForSelector('#wicket:not([hidden])');
    await s.keyboard.press('Enter');
    await textIs(viewer.page, '[data-testid=score]', '11/1');
    // The pad asks for the new batter; naming one shows in the viewer's batters.
    await s.waitForSelector('[data-testid=prompt-batter]');
    await s.fill('#nb-name', HOME[2]);
    await s.click('[data-testid=prompt-batter] button[type=submit]');
    await viewer.page.waitForFunction((n) => document.querySelector('[data-testid=batters]').textContent.includes(n), HOME[2], { timeout: SHOWN_WITHIN_MS });
    await s.waitForFunction((n) => document.querySelector('#striker').value === n, HOME[2]);
    await s.screenshot({ path: shotPath('scorer.png') });

    // A ball the server refuses: its reason shows beside the buttons, and nothing is stored.
    await s.fill('#bowler', 'Nobody Known');
    await s.keyboard.press('Escape');
    await s.click('button[data-runs="0"]');
    await s.waitForFunction(() => document.querySelector('[data-testid=error]').textContent.length > 10);
    const error = await s.textContent('[data-testid=error]');
    assert.match(error, /Nobody Known/, `the error names the problem: ${error}`);
    assert.ok(await s.isHidden('[data-testid=override]'), 'an unknown bowler cannot be overruled');

    const live = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(live.innings[0].runs, 11);
    assert.equal(live.innings[0].wickets, 1);
    assert.equal(await viewer.page.textContent('[data-testid=score]'), '11/1');
    await viewer.ctx.close();
    await scorer.ctx.close();
  });

  it('shows every viewer how many are watching, and the count follows them', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const m = await setupMatch(server.base);
    const count = (page) => page.waitForFunction(() => document.querySelector('#viewers').dataset.count, null, { timeout: 5000 })
      .then(() => page.$eval('#viewers', (e) => [Number(e.dataset.count), e.textContent, e.hidden]));
    const first = await newPage();
    await first.page.goto(`${server.base}/matches/${m.id}`);
    await textIs(first.page, '#conn', 'Live', 5000);
    assert.deepEqual(await count(first.page), [1, '1 watching', false]);
    const second = await newPage();
    await second.page.goto(`${server.base}/matches/${m.id}`);
    await textIs(second.page, '#conn', 'Live', 5000);
    await first.page.waitForFunction(() => document.querySelector('#viewers').dataset.count === '2', null, { timeout: 5000 });
    await second.page.waitForFunction(() => document.querySelector('#viewers').dataset.count === '2', null, { timeout: 5000 });
    // The list is kept for a second; within a few it says 2 as well.
    let listed;
    for (let i = 0; i < 50; i++) {
      listed = (await api(server.base)('GET', '/api/matches')).find((x) => x.id === m.id).viewers;
      if (listed === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(listed, 2, '/api/matches counts both viewers');
    await second.ctx.close();
    await first.page.waitForFunction(() => document.querySelector('#viewers').dataset.count === '1', null, { timeout: 5000 });
    await first.ctx.close();
  });

  it('queues balls scored offline and sends each once, in order; asks for the next bowler', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Offline v Online');
    const { viewer, scorer } = await viewerAndPad(m.id);
    const s = scorer.page;

    await scorer.ctx.setOffline(true);
    await viewer.ctx.setOffline(true);
    await textIs(viewer.page, '#conn', 'Reconnecting…', 5000);
    await s.click('button[data-runs="1"]');
    await s.keyboard.press('0');
    await s.click('button[data-runs="2"]');
    await s.waitForFunction(() => document.querySelector('[data-testid=outbox-state]').textContent.startsWith('Offline: 3 waiting'), null, { timeout: 5000 });
    assert.equal((await s.$$('[data-testid=outbox] li')).length, 3);
    assert.deepEqual(await call('GET', `/api/matches/${m.id}/balls`), [], 'nothing reached the server while offline');

    await scorer.ctx.setOffline(false);
    await s.waitForFunction(() => document.querySelector('[data-testid=outbox-state]').dataset.count === '0', null, { timeout: 10000 });
    const balls = await call('GET', `/api/matches/${m.id}/balls`);
    assert.deepEqual(balls.map((b) => b.ball.runs.batter), [1, 0, 2], 'each ball once, in order');
    // The pad kept the strike while offline: after the single, the other opener faced.
    assert.deepEqual(balls.map((b) => b.ball.batter), [HOME[0], HOME[1], HOME[1]]);
    assert.deepEqual(balls.map((b) => b.ball.bowler), [AWAY[0], AWAY[0], AWAY[0]]);

    // The viewer resumes from its last seq: all three balls, none twice.
    await viewer.ctx.setOffline(false);
    await textIs(viewer.page, '[data-testid=score]', '3/0', 10000);
    await textIs(viewer.page, '#conn', 'Live', 10000);
    const lines = await viewer.page.$$eval('#commentary li', (li) => li.map((x) => x.textContent));
    assert.equal(lines.length, 3, `three commentary lines: ${lines.join(' | ')}`);
    // The over's last three balls: the pad asks who bowls the next over, and the viewer shows him.
    for (const key of ['0', '0', '0']) await s.keyboard.press(key);
    await s.waitForSelector('[data-testid=prompt-bowler]', { timeout: 5000 });
    await s.fill('#bc-name', AWAY[1]);
    await s.click('[data-testid=prompt-bowler] button[type=submit]');
    await viewer.page.waitForFunction((n) => document.querySelector('[data-testid=bowler]').textContent.includes(n), AWAY[1], { timeout: SHOWN_WITHIN_MS });
    await s.waitForFunction((n) => document.querySelector('#bowler').value === n, AWAY[1]);
    await textIs(viewer.page, '[data-testid=overs]', '(1.0 ov)');

    // A reload sends nothing more: the outbox is empty and the server has each ball once.
    await s.reload();
    await s.waitForSelector('#pad:not([hidden])');
    await s.waitForTimeout(300);
    assert.equal((await call('GET', `/api/matches/${m.id}/balls`)).length, 6);
    await viewer.ctx.close();
    await scorer.ctx.close();
  });

  it('records a refused ball as the umpires\' decision, and closes an innings with no batter left', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Umpires v Laws');
    const { viewer, scorer } = await viewerAndPad(m.id);
    const s = scorer.page;

    for (const key of ['0', '0', '0', '0', '0', '0']) await s.keyboard.press(key);
    await s.waitForSelector('[data-testid=prompt-bowler]', { timeout: 5000 });
    await s.waitForFunction(() => document.querySelector('[data-testid=outbox-state]').dataset.count === '0', null, { timeout: 5000 });

    // The same bowler again: the Laws refuse it, and the pad offers the umpires' override.
    await s.fill('#bowler', AWAY[0]);
    await s.keyboard.press('Escape');
    await s.click('button[data-runs="2"]');
    await s.waitForSelector('[data-testid=override]:not([hidden])', { timeout: 5000 });
    const error = await s.textContent('[data-testid=error]');
    assert.match(error, /L Quick bowled the previous over/, `the refusal in words: ${error}`);
    assert.equal(await s.textContent('[data-testid=pad-score]'), '0/0', 'nothing recorded yet');
    await s.screenshot({ path: shotPath('scorer-override.png') });

    // From the keyboard: O goes to the reason, Enter sends the ball again with it.
    const reason = 'Umpires allowed it: the previous over was miscounted';
    await s.keyboard.press('o');
    await s.keyboard.type(reason);
    await s.keyboard.press('Enter');
    await textIs(s, '[data-testid=pad-score]', '2/0', 5000);
    await textIs(s, '#p-overs', '(1.1 ov)', 5000);
    await s.waitForFunction(() => document.querySelector('[data-testid=error]').textContent === '', null, { timeout: 5000 });
    assert.ok(await s.isHidden('[data-testid=override]'), 'the refusal is cleared once recorded');

    const live = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(live.overrides.length, 1);
    assert.equal(live.overrides[0].rule, 'consecutive-overs');
    assert.equal(live.overrides[0].reason, reason);
    assert.equal(live.bowler, AWAY[0]);
    const balls = await call('GET', `/api/matches/${m.id}/balls`);
    assert.equal(balls.length, 7, 'the ball once, not the refused copy as well');

    // The viewer: the line says so at once, and the list of decisions follows with the snapshot.
    const v = viewer.page;
    await textIs(v, '[data-testid=score]', '2/0', 5000);
    await v.waitForFunction((r) => document.querySelector('#commentary li.umpires')?.textContent.includes(`umpires' decision: ${r}`), reason, { timeout: SHOWN_WITHIN_MS });
    await v.waitForSelector('[data-testid=overrides]:not([hidden])', { timeout: 5000 });
    const decisions = await v.textContent('[data-testid=overrides] ol');
    assert.match(decisions, /Harbour, 1\.1/);
    assert.ok(decisions.includes(reason), `the reason is listed: ${decisions}`);

    // A wicket, and nobody left to come in: the innings closes.
    await s.keyboard.press('x');
    await s.waitForSelector('#wicket:not([hidden])');
    await s.keyboard.press('Enter');
    await s.waitForSelector('[data-testid=prompt-batter]', { timeout: 5000 });
    await s.click('.alt-prompt summary');
    await s.selectOption('#nfb-reason', 'absent_hurt');
    await s.fill('#nfb-names', HOME[10]);
    await s.click('[data-testid=prompt-no-batter] button[type=submit]');
    await s.waitForSelector('[data-testid=prompt-innings]', { timeout: 5000 });
    const closed = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(closed.innings[0].closed, true);
    assert.equal(closed.innings[0].batting.find((b) => b.name === HOME[10]).dismissal, 'absent hurt');
    await viewer.page.waitForFunction(() => document.querySelector('[data-testid=summary]').textContent.includes('innings break'), null, { timeout: 5000 });
    await viewer.ctx.close();
    await scorer.ctx.close();
  });

  it('overrides a refused item at the head of the offline queue, then sends those behind it', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Queue v Umpires');
    const scorer = await newPage();
    await scorer.page.goto(`${server.base}/score/${m.id}`);
    await signIn(scorer.page, 'browser-test-admin-token');
    const s = scorer.page;
    for (const key of ['0', '0', '0', '0', '0', '0']) await s.keyboard.press(key);
    await s.waitForSelector('[data-testid=prompt-bowler]', { timeout: 5000 });
    await s.waitForFunction(() => document.querySelector('[data-testid=outbox-state]').dataset.count === '0', null, { timeout: 5000 });

    // Offline, the same bowler bowls two more balls; back online, the first is refused and the
    // second waits behind it.
    await scorer.ctx.setOffline(true);
    await s.fill('#bowler', AWAY[0]);
    await s.keyboard.press('Escape');
    await s.keyboard.press('1');
    await s.keyboard.press('4');
    await scorer.ctx.setOffline(false);
    await s.waitForSelector('[data-testid=override]:not([hidden])', { timeout: 10000 });
    assert.equal(await s.$eval('[data-testid=outbox-state]', (n) => n.dataset.count), '2');
    assert.ok(await s.isVisible('#discard-btn'), 'the refused item can still be discarded');

    await s.fill('#ov-reason', 'Umpires lost count of the overs');
    await s.click('[data-testid=override] button[type=submit]');
    await s.waitForFunction(() => document.querySelector('[data-testid=outbox-state]').dataset.count === '0', null, { timeout: 5000 });
    await textIs(s, '[data-testid=pad-score]', '5/0', 5000);
    const balls = await call('GET', `/api/matches/${m.id}/balls`);
    assert.deepEqual(balls.slice(6).map((b) => [b.ball.bowler, b.ball.runs.batter]), [[AWAY[0], 1], [AWAY[0], 4]], 'both, once each, in order');
    // The single crossed the batters, as the pad predicted while offline.
    assert.deepEqual(balls.slice(6).map((b) => b.ball.batter), [HOME[1], HOME[0]]);
    assert.equal((await call('GET', `/api/matches/${m.id}/live`)).overrides.length, 1);
    await scorer.ctx.close();
  });

  it('corrects a past ball from the pad; every viewer shows the correction and the new figures', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Amend v Insert');
    const { viewer, scorer } = await viewerAndPad(m.id);
    const s = scorer.page;

    // A four, a dot and a two: the four was a six, and the batters' ends do not change for it.
    await s.keyboard.press('4');
    await s.keyboard.press('0');
    await s.keyboard.press('2');
    await textIs(viewer.page, '[data-testid=score]', '6/0');
    await s.waitForFunction(() => document.querySelectorAll('[data-testid=pad-history] li[data-seq]').length === 3, null, { timeout: 5000 });
    const four = s.locator('[data-testid=pad-history] li', { hasText: 'FOUR' });
    await four.locator('button[data-action=amend]').click();
    await s.waitForSelector('[data-testid=correct]:not([hidden])');
    assert.equal(await s.inputValue('#c-bat'), '4');
    await s.fill('#c-bat', '6');
    await s.screenshot({ path: shotPath('scorer-correction.png') });
    await s.click('[data-testid=correct] button[type=submit]');

    await textIs(viewer.page, '[data-testid=score]', '8/0', 5000);
    await viewer.page.waitForFunction(() => {
      const li = document.querySelector('#commentary li.correction');
      return li && li.textContent.includes('FOUR → SIX');
    }, null, { timeout: SHOWN_WITHIN_MS });
    await viewer.page.waitForSelector('[data-testid=corrections]:not([hidden])');
    await viewer.page.click('#history-btn');
    await viewer.page.waitForSelector('[data-testid=history] li[data-status=amended]');
    assert.equal((await viewer.page.$$('[data-testid=history] li[data-status=stands]')).length, 3);
    await viewer.page.screenshot({ path: shotPath('viewer-correction.png'), fullPage: true });

    // Deleted from the pad: the dot ball goes, the over is a ball shorter.
    await s.waitForFunction(() => [...document.querySelectorAll('[data-testid=pad-history] li')].some((li) => li.textContent.includes('SIX')), null, { timeout: 5000 });
    s.once('dialog', (d) => d.accept());
    await s.locator('[data-testid=pad-history] li', { hasText: 'no run' }).locator('button[data-action=delete]').click();
    await textIs(viewer.page, '[data-testid=overs]', '(0.2 ov)', 5000);
    const live = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(live.innings[0].runs, 8);
    assert.equal(live.corrections.length, 2);
    await viewer.ctx.close();
    await scorer.ctx.close();
  });

  it('stops play for rain and resumes it from the pad; viewers see why and since when', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Rain v Shine');
    const { viewer, scorer } = await viewerAndPad(m.id);
    const s = scorer.page;
    await s.keyboard.press('1');
    await textIs(viewer.page, '[data-testid=score]', '1/0', 5000);

    await s.click('[data-testid=stop-play]');
    await s.selectOption('#st-cause', 'rain');
    await s.fill('#st-at', '14:05');
    await s.click('[data-testid=stop] button[type=submit]');
    await textIs(viewer.page, '[data-testid=stopped]', 'Rain: play suspended since 14:05', 5000);
    await textIs(s, '[data-testid=stopped]', 'Rain: play suspended since 14:05', 5000);
    const list = await call('GET', '/api/matches');
    assert.match(list.find((x) => x.id === m.id).summary, /^Rain: play suspended since 14:05/);

    // A ball while play is stopped is refused, and says why.
    await s.keyboard.press('2');
    await s.waitForFunction(() => /suspended/.test(document.querySelector('[data-testid=error]').textContent), null, { timeout: 5000 });
    // Nothing waited behind it, so the refused ball is dropped, not held.
    assert.ok(await s.isHidden('#blocked'));

    await s.click('[data-testid=resume-play]');
    await s.fill('#re-at', '14:40');
    await s.click('[data-testid=resume] button[type=submit]');
    await viewer.page.waitForFunction(() => !document.querySelector('[data-testid=stopped]'), null, { timeout: 5000 });
    await s.keyboard.press('2');
    await textIs(viewer.page, '[data-testid=score]', '3/0', 5000);
    const live = await call('GET', `/api/matches/${m.id}/live`);
    assert.deepEqual(live.stoppages.map((x) => [x.cause, x.since, x.until]), [['rain', '14:05', '14:40']]);
    await viewer.ctx.close();
    await scorer.ctx.close();
  });

  it('lets one pad score at a time; a second follows, asks, and takes over once the first hands over', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'First v Second');
    const first = await newPage();
    await first.page.goto(`${server.base}/score/${m.id}`);
    await signIn(first.page, 'browser-test-admin-token');
    const a = first.page;
    const second = await newPage();
    const b = second.page;
    await b.goto(`${server.base}/score/${m.id}`);
    await b.fill('#token', 'browser-test-admin-token');
    await b.click('#signin button[type=submit]');
    await b.waitForSelector('body[data-lock=following]', { timeout: 5000 });
    await b.waitForFunction(() => /is scoring .*read-only/.test(document.querySelector('[data-testid=lock-state]').textContent), null, { timeout: 5000 });
    assert.ok(await b.isDisabled('button[data-runs="4"]'), 'the follower cannot score');

    // The API refuses the follower's device too, naming who scores.
    const refused = await b.evaluate(async (matchId) => {
      const res = await fetch(`/api/matches/${matchId}/balls`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer browser-test-admin-token', 'Scoring-Device': localStorage.getItem('crease-device') },
        body: JSON.stringify({ batter: 'x', non_striker: 'y', bowler: 'z', runs: { batter: 0, extras: 0, total: 0 } }),
      });
      return { status: res.status, body: await res.json() };
    }, m.id);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.type, '/problems/scoring-locked');

    // The first pad scores offline, the second asks; the hand-over waits for the outbox.
    await a.keyboard.press('1');
    await first.ctx.setOffline(true);
    await a.keyboard.press('2');
    await b.click('[data-testid=lock-ask]');
    await first.ctx.setOffline(false);
    await a.waitForSelector('[data-testid=lock-handover]:not([hidden])', { timeout: 15000 });
    await a.click('[data-testid=lock-handover]');
    await a.waitForSelector('body[data-lock=following]', { timeout: 10000 });
    await b.waitForSelector('body[data-lock=scoring]', { timeout: 10000 });
    let live = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(live.innings[0].runs, 3, 'both balls of the first pad were stored before the hand-over');

    await b.waitForFunction(() => !document.querySelector('button[data-runs="4"]').disabled);
    await b.waitForFunction(() => document.querySelector('#striker').value !== '');
    await b.keyboard.press('4');
    await b.waitForFunction(() => document.querySelector('[data-testid=pad-score]').textContent === '7/0', null, { timeout: 5000 });
    live = await call('GET', `/api/matches/${m.id}/live`);
    assert.equal(live.innings[0].runs, 7);
    await first.ctx.close();
    await second.ctx.close();
  });

  it('creates, renames and keeps fixtures in the admin page, and the match appears on the front page', async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const { ctx, page } = await newPage({ viewport: { width: 1024, height: 900 } });
    await page.goto(`${server.base}/admin`);
    await page.fill('#admin-token', 'browser-test-admin-token');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#admin:not([hidden])');
    for (const [name, players] of [['Northern Lights', HOME], ['Southern Cross', AWAY]]) {
      await page.fill('#tm-name', name);
      await page.fill('#tm-players', players.join('\n'));
      await page.click('#team-form button[type=submit]');
      await textIs(page, '#status', `Team ${name} created with 11 players.`, 5000);
    }
    await page.selectOption('#m-team0', { label: 'Northern Lights' });
    await page.selectOption('#m-team1', { label: 'Southern Cross' });
    assert.equal((await page.inputValue('#m-xi0')).split('\n').length, 11, 'picking a team fills its XI');
    await page.fill('#m-venue', 'Polar Park');
    // Playing conditions at creation: a quota of 3 overs and 2-run no-balls.
    await page.fill('#m-quota', '3');
    await page.selectOption('#m-nbruns', '2');
    await page.click('#match-form button[type=submit]');
    await page.waitForFunction(() => /^Match Northern Lights v Southern Cross created/.test(document.querySelector('#status').textContent), null, { timeout: 5000 });
    const call = api(server.base);
    const made = (await call('GET', '/api/matches')).find((x) => x.title === 'Northern Lights v Southern Cross');
    let setup = (await call('GET', `/api/matches/${made.id}`)).setup;
    assert.deepEqual([setup.bowler_quota_overs, setup.noball_runs], [3, 2]);

    // Edited before play: 10 overs and free hits after front-foot no-balls only.
    await page.click('button[aria-label="Edit Northern Lights v Southern Cross"]');
    await page.waitForFunction(() => document.querySelector('#m-submit').textContent.startsWith('Save match'), null, { timeout: 5000 });
    assert.equal(await page.inputValue('#m-quota'), '3');
    await page.fill('#m-overs', '10');
    await page.fill('#m-quota', '2');
    await page.selectOption('#m-freehit', 'front_foot');
    await page.click('#match-form button[type=submit]');
    await textIs(page, '#status', 'Match Northern Lights v Southern Cross saved.', 5000);
    setup = (await call('GET', `/api/matches/${made.id}`)).setup;
    assert.deepEqual([setup.overs_per_innings, setup.bowler_quota_overs, setup.free_hit, setup.noball_runs], [10, 2, 'front_foot', 2]);

    // A scorer token for it, shown once.
    await page.fill('#t-label', 'north stand');
    await page.check('#t-matches label:has-text("Northern Lights v Southern Cross") input');
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#new-token:not([hidden])');
    const secret = await page.textContent('[data-testid=new-token]');
    assert.ok(secret.length >= 16);
    // Listed without its secret, never used yet; revoked from the list, it is refused at once.
    await page.waitForSelector('[data-testid=tokens] >> text=north stand');
    const listed = await page.textContent('[data-testid=tokens]');
    assert.ok(listed.includes('last used never') && !listed.includes(secret), listed);
    page.once('dialog', (d) => d.accept());
    await page.click('button[aria-label="Revoke north stand"]');
    await textIs(page, '#status', 'Token of north stand revoked.', 5000);
    await page.waitForFunction(() => document.querySelector('[data-testid=tokens]').textContent.includes('revoked'), null, { timeout: 5000 });
    const refused = await fetch(`${server.base}/api/matches/${made.id}/lock`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);

    // Renamed from the list; a team with players is kept, and the page says why.
    page.once('dialog', (d) => d.accept('Polar Final'));
    await page.click('button[aria-label="Rename Northern Lights v Southern Cross"]');
    await textIs(page, '#status', 'Match renamed Polar Final.', 5000);
    page.once('dialog', (d) => d.accept());
    await page.click('button[aria-label="Delete Northern Lights"]');
    await page.waitForFunction(() => document.querySelector('#status').textContent.includes('has 11 players: it is kept'), null, { timeout: 5000 });
    assert.ok(await page.isVisible('#teams >> text=Northern Lights'), 'the team is still listed');

    // A mistake is answered in words beside the form.
    await page.click('#tournament-form button[type=submit]');
    await page.fill('#tn-name', ' ');
    await page.click('#tournament-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-for=tournament-form]').textContent.includes('name'), null, { timeout: 5000 });

    await page.goto(`${server.base}/`);
    await page.waitForSelector('.match-card >> text=Polar Final');
    await ctx.close();
  });
});
