import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * True when every chart on the page has drawn what its producer sent: it has taken messages, and
 * each trace has points whose x (when it has one) matches its y, so a line chart with y and no x
 * (drawn as nothing) does not count.
 */
function everyChartShowsData(): boolean {
  const charts = [...document.querySelectorAll('plotly-stream')] as unknown as Array<{
    stats: { messages: number };
    graphDiv: { data?: Array<{ x?: unknown[]; y?: unknown[] }> } | null;
  }>;
  return (
    charts.length > 0 &&
    charts.every(
      (chart) =>
        chart.stats.messages > 0 &&
        (chart.graphDiv?.data?.length ?? 0) > 0 &&
        (chart.graphDiv?.data ?? []).every(
          (trace) => (trace.y?.length ?? 0) > 0 && (trace.x === undefined || trace.x.length === trace.y?.length),
        ),
    )
  );
}

describe('npm start, as a user runs it', () => {
  let child: ChildProcess;
  let pageUrl: string;
  let relayUrl: string;
  let browser: Browser;
  before(async () => {
    const [port, pagePort] = await Promise.all([freePort(), freePort()]);
    // Its own process group, so the test stops npm and what npm started.
    child = spawn('npm', ['start', '--', '--port', String(port), '--page-port', String(pagePort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const printed = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (d: Buffer) => {
        text += d;
        if (/dashboard:\s+\S+/.test(text)) resolve(text);
      });
      child.on('exit', (code) => reject(new Error(`npm start exited (${code}): ${text}`)));
    });
    pageUrl = /page:\s+(\S+)/.exec(printed)?.[1] as string;
    relayUrl = /relay:\s+(\S+)/.exec(printed)?.[1] as string;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (child?.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await new Promise((resolve) => child?.once('exit', resolve));
  });

  for (const which of ['the demo page', 'the dashboard'] as const) {
    it(
      `${which}: every chart shows data within 3 s of opening the page npm start names`,
      { timeout: 60_000 },
      async () => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const url =
          which === 'the demo page'
            ? pageUrl
            : `${new URL('dashboard.html', pageUrl.split('?')[0]).href}?relay=${encodeURIComponent(relayUrl)}`;
        // The first load of a cold Vite compiles the page's modules: that is Vite's time, not the
        // charts'. The 3 s run from the page being loaded.
        await page.goto(url, { waitUntil: 'load', timeout: 45_000 });
        await page.waitForFunction(everyChartShowsData, null, { timeout: 3000 }).catch(async (error: Error) => {
          const charts = await page.evaluate(() =>
            [...document.querySelectorAll('plotly-stream')].map((c) => {
              const el = c as unknown as {
                id: string;
                state: string;
                stats: { messages: number };
                graphDiv: { data?: Array<{ x?: unknown[]; y?: unknown[] }> } | null;
              };
              return `${el.id}:${el.state}:${el.stats.messages} msgs:${(el.graphDiv?.data ?? []).map((t) => `x${t.x?.length}/y${t.y?.length}`).join(',')}`;
            }),
          );
          throw new Error(`${error.message}: ${charts.join(' | ')}`);
        });
        assert.deepEqual(errors, []);
        await page.close();
      },
    );
  }
});
