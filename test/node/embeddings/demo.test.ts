import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { launchBrowser } from '../../../scripts/chromium.js';
import { startHttpProducers } from '../../../demo/producers.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';

/** What `npm start` runs (demo/start.ts), on free ports: the relay, Vite and the producers. */
describe('npm start: the dashboard page', () => {
  let relay: Relay;
  let vite: ViteDevServer;
  let stopProducers: () => void;
  let browser: Browser;
  before(async () => {
    relay = await createRelay({ port: 0, log: () => undefined });
    vite = await createServer({
      configFile: new URL('../../../vite.config.ts', import.meta.url).pathname,
      server: { port: 0 },
      logLevel: 'silent',
    });
    await vite.listen();
    stopProducers = startHttpProducers(relay.url, () => undefined);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    stopProducers?.();
    await vite?.close();
    await relay?.close();
  });

  it(
    'shows twelve live charts of different kinds on one connection, and says so; charts come and go',
    { timeout: 90_000 },
    async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const base = vite.resolvedUrls?.local[0] as string;
      await page.goto(`${base}dashboard.html?relay=${encodeURIComponent(relay.url)}`);
      const liveWithPoints = (count: number) =>
        page.waitForFunction(
          (n) => {
            const charts = [...document.querySelectorAll('plotly-stream')] as unknown as Array<{
              state: string;
              graphDiv: { data?: Array<{ y: unknown[] }> } | null;
            }>;
            return (
              charts.length === n &&
              charts.every((c) => c.state === 'live' && (c.graphDiv?.data?.[0]?.y?.length ?? 0) > 0)
            );
          },
          count,
          { timeout: 30_000 },
        );
      await liveWithPoints(12);
      await page.waitForFunction(() => document.getElementById('connections')?.textContent === '1 connection');
      assert.equal(relay.metrics.connections.websocket, 1, 'the relay sees one connection for the page');
      const kinds = await page.evaluate(() =>
        [...document.querySelectorAll('plotly-stream')].map((c) => {
          const trace = (c as unknown as { figure: { data: Array<{ type: string; mode?: string; fill?: string }> } })
            .figure.data[0];
          return `${trace?.type}:${trace?.mode ?? ''}:${trace?.fill ?? ''}`;
        }),
      );
      assert.ok(new Set(kinds).size >= 5, `charts of different kinds: ${kinds.join(', ')}`);
      await page.click('#add');
      await liveWithPoints(13);
      await page.click('#remove');
      await page.click('#remove');
      await liveWithPoints(11);
      assert.equal(relay.metrics.connections.websocket, 1);
      assert.deepEqual(errors, []);
      await page.close();
    },
  );
});
