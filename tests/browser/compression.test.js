// Compression as a browser meets it, against a server running its demo (one match driven live):
// Chromium offers permessage-deflate on its own and the node accepts it, and every compressed
// message parses; the viewer page's event stream comes gzip-encoded; and a page kept current by
// the compact ball messages shows the very board that a page freshly loaded at the same seq does.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { liveMatch, requireChromium, launch, startServer } from './harness.js';

let browser;
let server;
const pageErrors = [];

before(async () => {
  const chromium = requireChromium();
  if (!chromium) return;
  server = await startServer({ demo: true });
  browser = await launch(chromium);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(pageErrors, [], 'no script errors on any page');
});

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

const seqOf = (page) => page.evaluate(() => Number(document.body.dataset.seq || -1));

it('negotiates permessage-deflate with Chromium, whose messages all parse', async (t) => {
  if (!browser) return t.skip('chromium is not installed');
  const m = await liveMatch(server.base);
  const page = await newPage();
  await page.goto(`${server.base}/`);
  // Two ball messages after the snapshot: the demo posts one every two seconds.
  const got = await page.evaluate((id) => new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://${location.host}/api/matches/${id}/ws`);
    const messages = [];
    ws.onerror = () => fail(new Error('websocket error'));
    ws.onmessage = (e) => {
      messages.push(JSON.parse(e.data));
      if (messages.filter((x) => x.type === 'ball').length === 2) {
        ws.close();
        ok({ extensions: ws.extensions, messages });
      }
    };
    setTimeout(() => fail(new Error(`only ${messages.length} messages`)), 15000);
  }), m.id);
  assert.match(got.extensions, /^permessage-deflate/, 'the node accepted the browser\'s offer');
  assert.equal(got.messages[0].type, 'snapshot');
  const balls = got.messages.filter((x) => x.type === 'ball');
  assert.equal(balls[1].seq, balls[0].seq + 1, 'consecutive seqs');
  for (const b of balls) {
    assert.equal(b.match_id, m.id);
    assert.ok(b.line && typeof b.line.sum === 'string' && Array.isArray(b.line.this), JSON.stringify(b.line));
  }
});

it('gets the viewer page\'s stream gzip-encoded, and live balls build the board a fresh load shows', async (t) => {
  if (!browser) return t.skip('chromium is not installed');
  const m = await liveMatch(server.base);
  const live = await newPage();
  const stream = live.waitForResponse((r) => r.url().includes(`/api/matches/${m.id}/stream`));
  await live.goto(`${server.base}/matches/${m.id}`);
  const res = await stream;
  assert.equal(res.headers()['content-encoding'], 'gzip', 'the event stream is gzip-encoded');
  await live.waitForSelector('#conn[data-state=live]');
  // The page fetches a snapshot a little after each ball (for what a ball message does not
  // carry); refused here, so that its board is built from the ball messages alone.
  let refused = 0;
  await live.route(`**/api/matches/${m.id}/live*`, (r) => { refused++; return r.abort(); });

  // Three balls applied by the live page from ball messages alone.
  const loadedAt = await seqOf(live);
  await live.waitForFunction((s) => Number(document.body.dataset.seq) >= s + 3, loadedAt, { timeout: 20000 });

  const board = (page) => page.evaluate(() => ({
    seq: Number(document.body.dataset.seq),
    board: document.querySelector('.board').innerText,
    commentary: [...document.querySelectorAll('#commentary li')].slice(0, 3).map((li) => li.innerText),
  }));
  // A ball may land between the two reads: try again until both were taken at one seq.
  for (let attempt = 0; ; attempt++) {
    const fresh = await newPage();
    await fresh.goto(`${server.base}/matches/${m.id}`);
    await fresh.waitForSelector('#conn[data-state=live]');
    const target = Math.max(await seqOf(live), await seqOf(fresh));
    for (const p of [live, fresh]) {
      await p.waitForFunction((s) => Number(document.body.dataset.seq) >= s, target, { timeout: 10000 });
    }
    const [a, b] = [await board(live), await board(fresh)];
    await fresh.context().close();
    if (a.seq !== b.seq && attempt < 5) continue;
    assert.equal(a.seq, b.seq, 'both pages read at one seq');
    assert.ok(a.seq > loadedAt, 'the live page moved on from the ball it loaded at');
    assert.ok(refused > 0, 'the live page asked for a snapshot, and was refused it');
    assert.equal(a.board, b.board, 'the board, live against freshly loaded');
    assert.deepEqual(a.commentary, b.commentary, 'the latest commentary, live against freshly loaded');
    break;
  }
});
