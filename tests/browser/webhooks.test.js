// The admin page's webhooks in a real browser against a real server and real receivers on
// loopback: a hook registered through the form shows its secret once; a boundary scored through
// the API reaches the receiver signed with that secret, and the hook's delivery log shows it
// delivered; a receiver that refuses shows as pending with its status, its error and the next
// try; an undo's retraction names the delivery it takes back; a bad URL is answered in the API's
// words beside the form and registers nothing; a hook is deleted only once confirmed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { api, requireChromium, launch, setupMatch, startServer, AWAY, HOME } from './harness.js';

/** How long a page may take to show what the API already has. */
const SHOWN_WITHIN_MS = 5000;
/** A test that hangs (a receiver never called) fails rather than holding the run. */
const TEST_TIMEOUT_MS = 120_000;

let browser;
let server;
const receivers = [];
const pageErrors = [];

/** An HTTP receiver on loopback that records each request and answers `status`. */
async function startReceiver(status) {
  const got = [];
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
      http.emit('recorded');
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const receiver = {
    url: `http://127.0.0.1:${http.address().port}/crease`,
    got,
    /** Resolves once `n` requests have come in. */
    async received(n) {
      while (got.length < n) await once(http, 'recorded');
      return got;
    },
    close: () => new Promise((r) => { http.closeAllConnections(); http.close(r); }),
  };
  receivers.push(receiver);
  return receiver;
}

/** Whether `header` (`t=…,v1=…`) is the HMAC-SHA256 of `t.body` under `secret`. */
function signedBy(secret, header, body) {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  assert.match(parts.t, /^\d+$/, header);
  const want = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Polls the API (not the page) until `test` holds for the hook's log; returns that log. */
async function logUntil(hookId, test) {
  const call = api(server.base);
  for (let i = 0; i < 300; i++) {
    const log = await call('GET', `/api/webhooks/${hookId}/deliveries`);
    if (test(log)) return log;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hook ${hookId}'s log never got there: ${JSON.stringify(await call('GET', `/api/webhooks/${hookId}/deliveries`))}`);
}

/** The cells of the page's log row for delivery `id`, by column, once it shows `status`. */
async function rowOnceShown(page, id, status) {
  const row = `tr[data-delivery-id="${id}"]`;
  await page.waitForSelector(`${row} [data-status="${status}"]`, { timeout: SHOWN_WITHIN_MS });
  return page.$eval(row, (tr) => Object.fromEntries([...tr.querySelectorAll('[data-col]')]
    .map((td) => [td.dataset.col, td.textContent.trim()])));
}

async function signIn() {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${server.base}/admin`);
  await page.fill('#admin-token', 'browser-test-admin-token');
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#admin:not([hidden])');
  return { ctx, page };
}

/** Registers a hook through the form; returns the secret the page showed and the hook's id. */
async function register(page, url, matchTitle, kinds) {
  await page.fill('#h-url', url);
  await page.selectOption('#h-target', { label: matchTitle });
  for (const box of await page.$$('#h-kinds input')) {
    const want = kinds.includes(await box.getAttribute('value'));
    if (want !== (await box.isChecked())) await box.click();
  }
  await page.click('#hook-form button[type=submit]');
  await page.waitForSelector('#new-hook:not([hidden])', { timeout: SHOWN_WITHIN_MS });
  const secret = await page.textContent('[data-testid=hook-secret]');
  const hook = (await api(server.base)('GET', '/api/webhooks')).find((h) => h.url === url);
  assert.ok(hook, `the form registered ${url}`);
  await page.waitForSelector(`#hooks li[data-hook-id="${hook.id}"]`, { timeout: SHOWN_WITHIN_MS });
  return { secret, hook };
}

describe('webhooks in the admin page', () => {
  before(async () => {
    const chromium = requireChromium();
    if (!chromium) return;
    server = await startServer();
    browser = await launch(chromium);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await Promise.all(receivers.map((r) => r.close()));
    assert.deepEqual(pageErrors, [], 'no script errors on any page');
  });

  it('registers a hook whose deliveries arrive signed and show in its log, then deletes it once confirmed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Harbour v Valley');
    const ok = await startReceiver(200);
    const { ctx, page } = await signIn();

    const { secret, hook } = await register(page, ok.url, `Harbour v Valley (#${m.id})`, ['boundary', 'wicket']);
    assert.match(secret, /^whsec_[0-9a-f]{48}$/);
    assert.match(await page.textContent('#new-hook'), /it will not be shown again/);
    assert.match(await page.textContent('#new-hook'), /Crease-Signature: t=…,v1=HMAC-SHA256\(secret, "t\.body"\)/);
    assert.deepEqual(hook.kinds.toSorted(), ['boundary', 'wicket']);
    assert.equal(hook.match_id, m.id);
    const item = await page.textContent(`#hooks li[data-hook-id="${hook.id}"]`);
    assert.ok(item.includes(ok.url) && item.includes('Harbour v Valley') && item.includes('Fours and sixes')
      && item.includes('Wickets') && !item.includes('Results'), item);
    assert.ok(!item.includes(secret), 'the list never shows the secret');

    // The log, opened before anything is scored, says so; a four off the bat is then a delivery.
    await page.click(`button[aria-label="Deliveries to ${ok.url}"]`);
    await page.waitForSelector(`#hook-log-${hook.id} >> text=No deliveries yet`, { timeout: SHOWN_WITHIN_MS });
    await call('POST', `/api/matches/${m.id}/balls`, {
      batter: HOME[0], non_striker: HOME[1], bowler: AWAY[0], runs: { batter: 4, extras: 0, total: 4 },
    });
    const [sent] = await ok.received(1);
    assert.equal(sent.method, 'POST');
    assert.ok(signedBy(secret, sent.headers['crease-signature'], sent.body), `signed with the secret the page showed: ${sent.headers['crease-signature']}`);
    const notice = JSON.parse(sent.body);
    assert.equal(notice.type, 'boundary');
    assert.equal(notice.match_id, m.id);
    assert.equal(sent.headers['crease-delivery'], String(notice.id));

    await logUntil(hook.id, (log) => log.some((d) => d.id === notice.id && d.status === 'delivered'));
    await page.click(`button[aria-label="Refresh deliveries to ${ok.url}"]`);
    const row = await rowOnceShown(page, notice.id, 'delivered');
    assert.deepEqual(
      [row.kind, row.status, row.attempts, row.http, row.error, row.next],
      ['Fours and sixes', 'Delivered', '1', '200', '–', '–'],
    );
    assert.ok(await page.isVisible(`tr[data-delivery-id="${notice.id}"] >> text=Harbour v Valley (#${m.id})`));

    // The undo's retraction names the delivery it takes back, and is delivered after it.
    await call('POST', `/api/matches/${m.id}/undo`, {});
    const [, retraction] = await ok.received(2);
    const taken = JSON.parse(retraction.body);
    assert.deepEqual([taken.type, taken.retracts.id], ['retraction', notice.id]);
    assert.ok(signedBy(secret, retraction.headers['crease-signature'], retraction.body));
    await logUntil(hook.id, (log) => log.some((d) => d.id === taken.id && d.status === 'delivered'));
    await page.click(`button[aria-label="Refresh deliveries to ${ok.url}"]`);
    const undone = await rowOnceShown(page, taken.id, 'delivered');
    assert.equal(undone.kind, `Retraction of #${notice.id} (Fours and sixes)`);
    const order = await page.$$eval(`#hook-log-${hook.id} tbody tr`, (rows) => rows.map((r) => r.dataset.deliveryId));
    assert.deepEqual(order, [String(taken.id), String(notice.id)], 'newest first');

    // The log stays open while the page redraws its lists (here, after a new tournament).
    await page.fill('#tn-name', 'Coastal League');
    await page.click('#tournament-form button[type=submit]');
    await page.waitForSelector('#h-target option:has-text("Coastal League")', { state: 'attached', timeout: SHOWN_WITHIN_MS });
    await page.waitForSelector(`#hook-log-${hook.id} tr[data-delivery-id="${taken.id}"]`, { timeout: SHOWN_WITHIN_MS });

    // Delete asks first: dismissed, the hook stays; confirmed, it goes from the list and the API.
    let dismissed = false;
    page.once('dialog', (d) => {
      dismissed = true;
      d.dismiss();
    });
    await page.click(`button[aria-label="Delete webhook to ${ok.url}"]`);
    assert.ok(dismissed, 'Delete asks first');
    assert.ok(await page.isVisible(`#hooks li[data-hook-id="${hook.id}"]`));
    assert.equal((await call('GET', '/api/webhooks')).length, 1, 'a dismissed confirm deletes nothing');
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      d.accept();
    });
    await page.click(`button[aria-label="Delete webhook to ${ok.url}"]`);
    await page.waitForSelector(`#hooks li[data-hook-id="${hook.id}"]`, { state: 'detached', timeout: SHOWN_WITHIN_MS });
    await page.waitForSelector('#hooks >> text=No webhooks yet.', { timeout: SHOWN_WITHIN_MS });
    assert.match(asked, /^Delete the webhook to http:\/\/127\.0\.0\.1:\d+\/crease\?/);
    assert.ok(await page.isHidden('#new-hook'), 'the deleted hook\'s secret is off the page');
    assert.deepEqual(await call('GET', '/api/webhooks'), []);
    await ctx.close();
  });

  it('shows a receiver that refuses as pending, with its status, its error and the next try', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Ridge v Plain');
    const down = await startReceiver(503);
    const { ctx, page } = await signIn();
    const { hook } = await register(page, down.url, `Ridge v Plain (#${m.id})`, ['wicket']);
    await call('POST', `/api/matches/${m.id}/balls`, {
      batter: HOME[0], non_striker: HOME[1], bowler: AWAY[0], runs: { batter: 0, extras: 0, total: 0 },
      wickets: [{ player_out: HOME[0], kind: 'bowled' }],
    });
    await down.received(1);
    const [tried] = await logUntil(hook.id, (log) => log.length === 1 && log[0].last_status === 503);
    await page.click(`button[aria-label="Deliveries to ${down.url}"]`);
    const row = await rowOnceShown(page, tried.id, 'pending');
    assert.equal(row.kind, 'Wickets');
    assert.equal(row.http, '503');
    assert.match(row.error, /503/);
    assert.ok(Number(row.attempts) >= 1, row.attempts);
    assert.notEqual(row.next, '–', 'a pending delivery says when it is tried next');
    // The log scrolls sideways on a phone rather than pushing the page wider.
    const widths = await page.$eval(`#hook-log-${hook.id} .scroll-x`, (d) => [d.scrollWidth, d.clientWidth, document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] > widths[1], `the table is wider than its box on a phone: ${widths}`);
    assert.ok(widths[2] <= widths[3], `the page itself does not scroll sideways: ${widths}`);
    await call('DELETE', `/api/webhooks/${hook.id}`);
    await ctx.close();
  });

  it('answers a bad URL in the API\'s words beside the form and registers nothing', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (!browser) return t.skip('chromium is not installed');
    const call = api(server.base);
    const m = await setupMatch(server.base, 'Lake v Forest');
    const { ctx, page } = await signIn();
    const before = await call('GET', '/api/webhooks');
    for (const [url, words] of [
      ['ftp://example.org/cricket', 'url starts with http:// or https://'],
      ['http://example.org:99999/cricket', 'url is not a URL a request can be sent to'],
    ]) {
      await page.fill('#h-url', url);
      await page.selectOption('#h-target', { label: `Lake v Forest (#${m.id})` });
      await page.click('#hook-form button[type=submit]');
      await page.waitForFunction(([w]) => document.querySelector('[data-for=hook-form]').textContent.includes(w), [words], { timeout: SHOWN_WITHIN_MS });
      assert.match(await page.textContent('[data-for=hook-form]'), /\(url\)$/, 'the field is named');
      await page.waitForFunction(() => !document.querySelector('#hook-form button[type=submit]').disabled);
    }
    // Nothing chosen for it: the API's own words again.
    await page.fill('#h-url', 'https://example.org/cricket');
    await page.selectOption('#h-target', '');
    await page.click('#hook-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-for=hook-form]').textContent.includes('one match (match_id) or one tournament'), null, { timeout: SHOWN_WITHIN_MS });
    assert.deepEqual(await call('GET', '/api/webhooks'), before, 'nothing was registered');
    assert.ok(await page.isHidden('#new-hook'), 'no secret is shown');
    await ctx.close();
  });
});
