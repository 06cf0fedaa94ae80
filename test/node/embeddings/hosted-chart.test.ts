/**
 * A hosted chart for real: made by `POST /api/charts`, its URL opened in two Chromium windows and
 * its embed in a static page's iframe, all fed by one producer; what the browser receives never
 * holds a stream token.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../../scripts/chromium.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { ensureBundles } from '../../support/ensure-dist.js';
import { openIngest } from '../../support/relay-clients.js';

function request(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const sent = http.request(url, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text === '' ? {} : (JSON.parse(text) as Record<string, string>)));
    });
    sent.on('error', reject);
    sent.end(JSON.stringify(body));
  });
}

const makeChart = (relay: Relay, figure: unknown) => request(`${relay.url}/api/charts`, 'POST', figure);

/** The chart's title as the element's Plotly drew it. */
async function drawnTitle(page: Page, title: string): Promise<void> {
  await page.waitForFunction((expected) => {
    const el = document.querySelector('plotly-stream') as unknown as {
      graphDiv?: { layout?: { title?: { text?: string } } };
    };
    return el?.graphDiv?.layout?.title?.text === expected;
  }, title);
}

/** The first trace's y as the element drew it, once it has `count` points. */
async function drawnY(page: Page, count: number, frame = page.mainFrame()): Promise<number[]> {
  const y = await frame.waitForFunction((n) => {
    const el = document.querySelector('plotly-stream') as unknown as { graphDiv?: { data?: Array<{ y: number[] }> } };
    const data = el?.graphDiv?.data?.[0]?.y;
    return data && data.length === n ? data : null;
  }, count);
  return (await y.jsonValue()) as number[];
}

describe('a hosted chart in Chromium', () => {
  let relay: Relay;
  let browser: Browser;
  before(async () => {
    ensureBundles('iife', 'iife-no-plotly');
    relay = await createRelay({ port: 0, log: () => undefined });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await relay?.close();
  });

  it(
    'its URL in two windows and its embed in an iframe show the same points, live; no stream token reaches the browser',
    { timeout: 90_000 },
    async () => {
      const chart = await makeChart(relay, {
        data: [{ x: [], y: [], mode: 'lines', stream: { token: 'shared-secret-token', maxpoints: 100 } }],
        layout: { title: { text: 'Shared' } },
      });
      const received: string[] = [];
      const pages: Page[] = [];
      for (let i = 0; i < 2; i++) {
        const page = await browser.newPage();
        page.on('websocket', (ws) => ws.on('framereceived', (frame) => received.push(String(frame.payload))));
        page.on(
          'response',
          (response) =>
            void response.text().then(
              (text) => received.push(text),
              () => undefined,
            ),
        );
        await page.goto(chart['url']);
        pages.push(page);
      }
      // The embed, in a static page of another origin.
      const host = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><iframe src="${chart['embedUrl']}" width="600" height="400"></iframe>`);
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      try {
        const embedding = await browser.newPage();
        await embedding.goto(`http://127.0.0.1:${(host.address() as { port: number }).port}/`);
        const frame = embedding.frames().find((f) => f.url().startsWith(chart['embedUrl']));
        assert.ok(frame, 'the embed loads in the iframe');
        for (const page of pages)
          await page.waitForFunction(() => document.querySelector('plotly-stream')?.getAttribute('state') === 'live');
        await frame.waitForFunction(() => document.querySelector('plotly-stream')?.getAttribute('state') === 'live');
        const producer = openIngest(`${relay.url}/`, { 'plotly-streamtoken': 'shared-secret-token' });
        for (let i = 1; i <= 5; i++) producer.write(`{"x": ${i}, "y": ${i * 10}}\n`);
        producer.end();
        assert.equal((await producer.result).status, 200);
        for (const page of pages) assert.deepEqual(await drawnY(page, 5), [10, 20, 30, 40, 50]);
        assert.deepEqual(await drawnY(embedding, 5, frame), [10, 20, 30, 40, 50]);
        assert.equal(await pages[0]?.title(), 'Shared');
        // An edit of the layout reaches both windows at once, without a reload, the points kept.
        for (const page of pages)
          await page.evaluate(() => ((window as unknown as { loaded: string }).loaded = 'once'));
        const edited = await request(
          `${relay.url}/api/charts/${chart['id']}`,
          'PATCH',
          { layout: { title: { text: 'Shared, edited' } } },
          { authorization: `Bearer ${chart['editKey']}` },
        );
        assert.equal(String(edited['revision']), '2');
        for (const page of pages) {
          await drawnTitle(page, 'Shared, edited');
          assert.deepEqual(await drawnY(page, 5), [10, 20, 30, 40, 50]);
          assert.equal(
            await page.evaluate(() => (window as unknown as { loaded?: string }).loaded),
            'once',
            'not reloaded',
          );
        }
        assert.ok(received.length > 0);
        assert.ok(
          !received.some((text) => text.includes('shared-secret-token')),
          'no page, script or frame held the token',
        );
        await embedding.close();
      } finally {
        host.close();
        for (const page of pages) await page.close();
      }
    },
  );
});
