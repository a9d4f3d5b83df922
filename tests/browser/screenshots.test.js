// Screenshots for the README, from a server running its demo (bundled Cricsheet matches, one
// driven live): the viewer at phone and desktop widths. The scorer pad's is taken by pages.test.js.

import { after, before, it } from 'node:test';
import { liveMatch, requireChromium, launch, shotPath, startServer } from './harness.js';

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

it('writes viewer screenshots at 360 and 1280 pixels', async (t) => {
  if (!browser) return t.skip('chromium is not installed');
  const m = await liveMatch(server.base);
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
