import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../../scripts/chromium.js';
import { createRelay, type Relay } from '../../../src/relay/index.js';
import { ensureBundles } from '../../support/ensure-dist.js';

const run = promisify(execFile);
const haveJupyter = existsSync('/usr/bin/jupyter-nbconvert') && existsSync('/usr/bin/jupyter-notebook');
// CI installs Debian's Jupyter (.ci/run); elsewhere, without it, these tests say so and skip.
const skip =
  !haveJupyter && !process.env['CI'] ? "Debian's jupyter-nbconvert and jupyter-notebook are not installed" : false;

/** The example notebook and the Python package, as a user would have them, in a scratch folder. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'notebook-'));
  mkdirSync(join(dir, 'examples/jupyter'), { recursive: true });
  mkdirSync(join(dir, 'python'));
  for (const notebook of ['live-plot.ipynb', 'shared-chart.ipynb'])
    copyFileSync(`examples/jupyter/${notebook}`, join(dir, `examples/jupyter/${notebook}`));
  cpSync('python/plotly_stream', join(dir, 'python/plotly_stream'), { recursive: true });
  return dir;
}

async function chartIn(page: Page): Promise<{ n: number; title: string; amd: string }> {
  // A chart draws once it is in view (a reader scrolls to it): the output may be below the fold.
  await page.waitForFunction(
    () => {
      const el = document.querySelector('plotly-stream') as unknown as
        (Element & { graphDiv?: { data?: Array<{ y: unknown[] }> } }) | null;
      el?.scrollIntoView({ block: 'nearest' });
      return el?.graphDiv?.data?.[0]?.y?.length === 50;
    },
    null,
    { timeout: 30_000 },
  );
  return page.evaluate(() => {
    const el = document.querySelector('plotly-stream') as unknown as {
      graphDiv: { data: Array<{ y: unknown[] }>; layout: { title: { text: string } } };
    };
    return {
      n: el.graphDiv.data[0]!.y.length,
      title: el.graphDiv.layout.title.text,
      amd: typeof (window as unknown as { define?: unknown }).define,
    };
  });
}

describe('Jupyter: the example notebook writes points from Python to a live chart', { skip }, () => {
  let relay: Relay;
  let browser: Browser;
  before(async () => {
    ensureBundles('iife');
    browser = await launchBrowser();
  });
  after(() => browser?.close());
  // A relay per test: each run writes its 50 points into an empty history.
  // The HTML nbconvert writes is opened from disk: its origin is `null`, which a relay lets in only
  // when told to (README: --allow-origin null); the notebook served by Jupyter is a loopback page.
  beforeEach(async (t) => {
    const fromDisk = 'name' in t && String(t.name).startsWith('nbconvert');
    relay = await createRelay({ port: 0, log: () => undefined, ...(fromDisk ? { allowOrigin: 'null' } : {}) });
  });
  afterEach(() => relay.close());

  /** nbconvert --execute of the scratch copy's notebook against the test's relay; its HTML opened from disk. */
  async function openExecutedHtml(dir: string): Promise<Page> {
    const notebook = join(dir, 'examples/jupyter/live-plot.ipynb');
    await run('jupyter-nbconvert', ['--to', 'html', '--execute', notebook, '--output-dir', dir], {
      env: { ...process.env, PLOTLY_STREAM_RELAY: relay.url, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    });
    const page = await browser.newPage();
    await page.goto(`file://${join(dir, 'live-plot.html')}`);
    return page;
  }

  it(
    'nbconvert --execute, then the HTML it wrote shows the element live with the points (RequireJS on the page)',
    { timeout: 120_000 },
    async () => {
      const dir = scratchCopy();
      try {
        const page = await openExecutedHtml(dir);
        const chart = await chartIn(page);
        assert.equal(chart.n, 50);
        assert.equal(chart.title, 'Written from Python: 50 points');
        assert.equal(chart.amd, 'function', 'the page has RequireJS, and the element is defined all the same');
        await page.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'the same HTML from disk with a relay started without --allow-origin null: the chart says what to start it with',
    { timeout: 120_000 },
    async () => {
      const dir = scratchCopy();
      try {
        const page = await openExecutedHtml(dir);
        await page.waitForFunction(
          () => document.querySelector('plotly-stream')?.getAttribute('state') === 'closed',
          null,
          {
            timeout: 30_000,
          },
        );
        const badge = await page.evaluate(
          () =>
            (document.querySelector('plotly-stream')?.shadowRoot?.querySelector('[part="badge"]') as HTMLElement)
              .innerText,
        );
        assert.match(badge, /closed[\s\S]*start the relay with --allow-origin null/);
        await page.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  /** Starts the classic Notebook on the scratch copy, opens `notebook` and runs all its cells; hands `use` the page. */
  async function runInClassicNotebook(notebook: string, use: (page: Page) => Promise<void>): Promise<void> {
    const dir = scratchCopy();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server: ChildProcess = spawn(
      'jupyter-notebook',
      [
        '--no-browser',
        `--port=${port}`,
        '--ip=127.0.0.1',
        "--NotebookApp.token=''",
        "--NotebookApp.password=''",
        '--allow-root',
        `--notebook-dir=${dir}`,
      ],
      {
        env: { ...process.env, PLOTLY_STREAM_RELAY: relay.url, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let text = '';
        server.stderr?.on('data', (d: Buffer) => {
          text += d;
          if (text.includes(`127.0.0.1:${port}`)) resolve();
        });
        server.on('exit', (code) => reject(new Error(`jupyter-notebook exited (${code}): ${text.slice(-500)}`)));
      });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/notebooks/examples/jupyter/${notebook}`);
      await page.waitForFunction(
        () =>
          (
            window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?: () => boolean } } } }
          ).Jupyter?.notebook?.kernel?.is_connected?.(),
        null,
        { timeout: 60_000 },
      );
      await page.evaluate(() =>
        (
          window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }
        ).Jupyter.notebook.execute_all_cells(),
      );
      try {
        await use(page);
      } catch (error) {
        const outputs = await page.evaluate(() =>
          [...document.querySelectorAll('.output_area')].map((o) => o.textContent?.trim().slice(0, 300)),
        );
        throw new Error(`${(error as Error).message}; cell outputs: ${JSON.stringify(outputs)}`, { cause: error });
      }
      await page.close();
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('runs in the classic Jupyter Notebook (Run All in the browser)', { timeout: 120_000 }, async () => {
    await runInClassicNotebook('live-plot.ipynb', async (page) => {
      const chart = await chartIn(page);
      assert.equal(chart.n, 50);
      assert.equal(chart.amd, 'function');
    });
  });

  it(
    "a hosted chart in a classic Notebook output cell: plot()'s Chart is an iframe of its embed, live, and its update reaches it",
    { timeout: 120_000 },
    async () => {
      await runInClassicNotebook('shared-chart.ipynb', async (page) => {
        const iframe = await page.waitForSelector('.output_area iframe', { timeout: 30_000 });
        const src = (await iframe.getAttribute('src')) ?? '';
        assert.match(src, new RegExp(`^${relay.url}/charts/\\w{11}/embed$`));
        const frame = await iframe.contentFrame();
        assert.ok(frame !== null);
        await frame.waitForFunction(
          () => {
            const el = document.querySelector('plotly-stream') as unknown as {
              graphDiv?: { data?: Array<{ y: unknown[] }>; layout?: { title?: { text?: string } } };
            };
            return (
              el?.graphDiv?.data?.[0]?.y?.length === 50 &&
              el.graphDiv.layout?.title?.text === 'Shared from a notebook: 50 points'
            );
          },
          null,
          { timeout: 30_000 },
        );
        // The notebook's own cells name the token (its author wrote it); the embed never does.
        assert.ok(!(await frame.content()).includes('shared-demo'), 'the embed holds no stream token');
      });
    },
  );
});
