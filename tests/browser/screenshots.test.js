// Screenshots for the README, from a server running its demo (bundled Cricsheet matches, one
// driven live): the viewer at phone and desktop widths. The scorer pad's is taken by pages.test.js.

import { after, before, it } from 'node:test';
import { requireChromium, launch, shotPath, startServer } from './harness.js';

let browser;
let server;

before(async () => {
  const chromium = requireChromium();
  if (!chromium) return;
  server = await startServer({ demo: true });
  browser = await launch(chromium);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function liveMatch() {
  for (let i = 0; i < 50; i++) {
    const list = await (await fetch(`${server.base}/api/matches`)).json();
    const m = list.find((x) => x.live && x.seq > 20);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the demo has no live match');
}

it('writes viewer screenshots at 360 and 1280 pixels', async (t) => {
  if (!browser) return t.skip('chromium is not installed');
  const m = await liveMatch();
  for (const [width, height, name] of [[360, 780, 'viewer-360.png'], [1280, 900, 'viewer-1280.png']]) {
    const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/matches/${m.id}`);
    await page.waitForSelector('[data-testid=score]');
    await page.waitForSelector('#conn[data-state=live]');
    await page.screenshot({ path: shotPath(name) });
    await ctx.close();
  }
});
