import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../../scripts/chromium.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { get, post } from '../../support/relay-clients.js';

/** Bundles an example app as its users would (esbuild), resolving 'plotly-stream' to this repository. */
async function bundle(entry: string, vue: boolean): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    jsx: 'automatic',
    logLevel: 'silent',
    alias: {
      'plotly-stream/react': './types/react.js',
      'plotly-stream/vue': './types/vue.js',
      'plotly-stream': './src/index.ts',
      ...(vue ? { vue: 'vue/dist/vue.esm-bundler.js' } : {}),
    },
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
  });
  return (result.outputFiles[0] as { text: string }).text;
}

for (const framework of ['react', 'vue'] as const) {
  describe(`the ${framework} example`, () => {
    let relay: Relay;
    let server: http.Server;
    let pageUrl: string;
    let browser: Browser;
    const token = `${framework}-demo`;

    before(async () => {
      const app = await bundle(
        `examples/${framework}/main.${framework === 'react' ? 'tsx' : 'ts'}`,
        framework === 'vue',
      );
      relay = await createRelay({ port: 0, log: () => undefined });
      server = http.createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(app);
        else res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(`examples/${framework}/index.html`));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      pageUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/?relay=${encodeURIComponent(relay.url)}`;
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      server?.close();
      await relay?.close();
    });

    it(
      'passes the figure as a property, hears plotly-stream-state, draws what arrives; unmount leaves nothing running',
      { timeout: 60_000 },
      async () => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pageUrl);
        // The app's own text follows the element's state event.
        await page.waitForFunction(() => document.querySelector('p')?.textContent === 'relay: live');
        const result = await post(`${relay.url}/`, '{"x": 1, "y": 10}\n{"x": 2, "y": 20}\n{"x": 3, "y": 30}\n', {
          'plotly-streamtoken': token,
        });
        assert.equal(result.status, 200);
        const y = await page.waitForFunction(() => {
          const el = document.querySelector('plotly-stream') as unknown as {
            graphDiv?: { data?: Array<{ y: number[] }> };
          };
          const data = el?.graphDiv?.data?.[0]?.y;
          return data?.length === 3 ? data : null;
        });
        assert.deepEqual(await y.jsonValue(), [10, 20, 30]);
        const subscribers = async () =>
          JSON.parse((await get(`${relay.url}/metrics?format=json`)).body).tokens[token].subscribers as number;
        assert.equal(await subscribers(), 1);

        const removed = await page.evaluate(() => {
          const el = document.querySelector('plotly-stream') as unknown as HTMLElement & {
            state: string;
            graphDiv: { data?: unknown };
          };
          (window as unknown as { app: { unmount(): void } }).app.unmount();
          return { connected: el.isConnected, state: el.state, purged: el.graphDiv.data === undefined };
        });
        assert.deepEqual(removed, { connected: false, state: 'closed', purged: true });
        for (let i = 0; i < 100 && (await subscribers()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal(await subscribers(), 0, 'the relay saw the socket close');
        assert.deepEqual(errors, []);
        await page.close();
      },
    );
  });
}
