import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../../scripts/chromium.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { ensureBundles } from '../../support/ensure-dist.js';
import { openIngest } from '../../support/relay-clients.js';

/**
 * The script-tag path for real: plain HTML files from examples/static served as static files (no
 * Vite), the element loaded from the relay's /plotly-stream.js, fed by a producer POSTing the Plotly
 * way. The pages name the relay http://127.0.0.1:8080; the server swaps in the test relay's address.
 */
describe('a static page with a script tag', () => {
  let relay: Relay;
  let pages: http.Server;
  let pagesUrl: string;
  let browser: Browser;

  before(async () => {
    ensureBundles('iife', 'iife-no-plotly');
    relay = await createRelay({ port: 0, log: () => undefined });
    pages = http.createServer((req, res) => {
      const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
      if (name === 'plotly.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        createReadStream('node_modules/plotly.js-dist-min/plotly.min.js').pipe(res);
        return;
      }
      const file = join('examples/static', name);
      if (!/^[\w-]+\.html$/.test(name) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(readFileSync(file, 'utf8').replaceAll('http://127.0.0.1:8080', relay.url));
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', () => r()));
    pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    pages?.close();
    await relay?.close();
  });

  it('draws what a producer POSTs, with nothing but the relay and the HTML', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${pagesUrl}/index.html`);
    await page.waitForFunction(() => document.querySelector('plotly-stream')?.getAttribute('state') === 'live');
    // The styles as shipped (the build compacts them: scripts/compact-css.ts) still style the badge.
    const badge = await page.evaluate(() => {
      const badge = document.querySelector('plotly-stream')?.shadowRoot?.querySelector('.badge') as Element;
      const label = badge.querySelector('.label') as Element;
      return [
        getComputedStyle(badge).position,
        getComputedStyle(badge, '::before').backgroundColor,
        getComputedStyle(label).display,
      ];
    });
    assert.deepEqual(badge, ['absolute', 'rgb(44, 160, 44)', 'none']);
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'ab3dk4FBDd' });
    for (let i = 1; i <= 5; i++) producer.write(`{"x": ${i}, "y": ${i * i}}\n`);
    producer.end();
    assert.equal((await producer.result).status, 200);
    const y = await page.waitForFunction(() => {
      const el = document.querySelector('plotly-stream') as unknown as { graphDiv?: { data?: Array<{ y: number[] }> } };
      const data = el.graphDiv?.data?.[0]?.y;
      return data && data.length === 5 ? data : null;
    });
    assert.deepEqual(await y.jsonValue(), [1, 4, 9, 16, 25]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("draws a heatmap with the page's own full plotly.js (the no-plotly build)", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${pagesUrl}/own-plotly.html`);
    await page.waitForFunction(() => document.querySelector('plotly-stream')?.getAttribute('state') === 'live');
    const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'heat' });
    producer.write('{"z": [[1, 2, 3], [4, 5, 6]]}\n');
    producer.end();
    await producer.result;
    const z = await page.waitForFunction(() => {
      const el = document.querySelector('plotly-stream') as unknown as {
        graphDiv?: { data?: Array<{ z: number[][] }> };
      };
      const data = el.graphDiv?.data?.[0]?.z;
      // The figure starts with a 2 x 2 zero matrix: wait for the streamed 2 x 3 one.
      return data && data[0]?.length === 3 ? data : null;
    });
    assert.deepEqual(await z.jsonValue(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // Drawn by the full plotly.js (basic has no heatmap): a heatmap image is in the plot.
    assert.equal(await page.evaluate(() => document.querySelectorAll('.hm image').length), 1);
    assert.equal(
      await page.evaluate(() => (window as unknown as { Plotly: { version: string } }).Plotly.version.startsWith('4')),
      true,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const transport of ['websocket', 'sse', 'auto'] as const) {
    it(
      `${transport}: opened from disk against a relay without --allow-origin null, the chart stops and says what to start the relay with`,
      { timeout: 60_000 },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'from-disk-'));
        try {
          const html = readFileSync('examples/static/index.html', 'utf8')
            .replaceAll('http://127.0.0.1:8080', relay.url)
            .replace('<plotly-stream id="chart"', `<plotly-stream id="chart" transport="${transport}"`);
          writeFileSync(join(dir, 'index.html'), html);
          const page = await browser.newPage();
          // The element's errors, from the first (it may refuse before the page's own script could listen).
          await page.addInitScript(() => {
            const seen: string[] = [];
            (window as unknown as { errors: string[] }).errors = seen;
            document.addEventListener('plotly-stream-error', (e) =>
              seen.push(`${(e as CustomEvent).detail.code}: ${(e as CustomEvent).detail.message}`),
            );
          });
          await page.goto(`file://${join(dir, 'index.html')}`);
          await page.waitForFunction(
            () => document.querySelector('plotly-stream')?.getAttribute('state') === 'closed',
            null,
            {
              timeout: 20_000,
            },
          );
          const badge = await page.evaluate(() => {
            const el = document.querySelector('plotly-stream') as HTMLElement;
            const part = el.shadowRoot?.querySelector('[part="badge"]') as HTMLElement;
            return part.innerText;
          });
          assert.match(badge, /closed/);
          assert.match(badge, /start the relay with --allow-origin null/);
          const errors = await page.evaluate(() => (window as unknown as { errors: string[] }).errors);
          assert.ok(
            errors.some((e) =>
              /^forbidden: the relay refused the subscription \(this page's origin is not allowed\)/.test(e),
            ),
            JSON.stringify(errors),
          );
          // It stays closed: no retry in silence.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          assert.equal(
            await page.evaluate(() => document.querySelector('plotly-stream')?.getAttribute('state')),
            'closed',
          );
          await page.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }
});
