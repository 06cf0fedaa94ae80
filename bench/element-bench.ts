/**
 * Element benchmarks in Debian's headless Chromium (playwright-core): the element fed over a real
 * WebSocket at fixed input rates, side by side with the floor (a bare extendTraces of the same
 * update on the same plot) and the naive way (one extendTraces per message).
 */
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../scripts/chromium.js';
import { distribution, round, type Distribution } from './lib/stats.js';
import { mainThreadBreakdown, type TraceEvent } from './lib/trace-summary.js';
import { startWorker, type Worker } from './lib/processes.js';

/** A chart to measure: its traces and window, at which input rates (the settings' by default), decimated or not. */
export interface ElementConfig {
  traces: number;
  maxpoints: number;
  rates?: number[];
  /** The element's `decimate` (auto, the default, draws big line windows reduced). */
  decimate?: 'auto' | 'off';
  /** y: `noise` (the default: anywhere in 0..1000 at every point, the worst case for a line) or `wave` (a sensor). */
  signal?: 'noise' | 'wave';
  /** Also the naive way (one extendTraces per message) for this chart; true by default. */
  naive?: boolean;
  /** False: the feeder sends runs of messages, never columns (as a relay that does not know them). */
  columns?: boolean;
}

export interface ElementSettings {
  configs: ElementConfig[];
  /**
   * A dashboard: this many 1-trace charts in view at this total rate, drawn in the page's frames and
   * in their own (today's way), sharing a connection and not; and `scrollingCharts` of them on a page
   * that scrolls while they stream. Each streams `warmupSeconds` before it is measured (the page's
   * code compiled and its caches warm, as on a wall screen that has been up a while). The variants
   * take turns for `rounds` rounds: the host's load changes by the minute, and each row is the
   * median of its rounds.
   */
  dashboard: {
    charts: number;
    maxpoints: number;
    rate: number;
    scrollingCharts: number;
    warmupSeconds: number;
    rounds: number;
  } | null;
  rates: number[];
  naiveRates: number[];
  seconds: number;
  floorFrames: number;
  /** Points fed at `heapRate` for the memory check, into the first config's chart. */
  heapPoints: number;
  heapRate: number;
  targetFps: number;
  /**
   * Where to write a Chromium trace of one more, unmeasured round of the dashboard's default row
   * (page frames, range path, one connection), whose main thread's breakdown is also logged.
   */
  tracePath?: string;
}

export interface ElementRun {
  traces: number;
  maxpoints: number;
  decimate: 'auto' | 'off';
  signal: 'noise' | 'wave';
  /** The wire: runs with columns (the default) or runs of messages only. */
  columns: boolean;
  rate: number;
  /** Points Plotly draws per trace at the end (fewer than maxpoints where lines are reduced). */
  drawnPerTrace: number;
  /** Traces drawn as bands at the end: lines dense enough to go without antialiasing. */
  bandTraces: number;
  fps: number;
  browserFps: number;
  frameMs: Distribution;
  /** The Plotly call alone, inside the element's frames (the plotly-stream-render event's ms). */
  callMs: Distribution;
  floorMs: Distribution;
  /** Element frame time over the floor's, at p50. */
  overhead: number;
  messageHandlingMsPerSecond: number;
  latencyMs: Distribution;
  lost: number;
  droppedByDesign: number;
  feederBehindMs: number;
  /** After the feeder stopped, how long the element took to receive everything sent (a backlog). */
  catchUpMs: number;
}

export interface NaiveRun {
  traces: number;
  maxpoints: number;
  rate: number;
  browserFps: number;
  /** Messages drawn within the run over messages received. */
  keptUp: number;
}

export interface DashboardRun {
  charts: number;
  maxpoints: number;
  rate: number;
  shared: boolean;
  /** `page`: the page's frames shared in turns within a budget (the default); `own`: each chart's own (before). */
  frames: 'page' | 'own';
  /** How a frame of new points is drawn: Plotly's range path where it can (the default), or always `extendTraces` (before). */
  draw: 'range' | 'extendTraces';
  /** The page scrolled up and down while the charts streamed. */
  scrolling: boolean;
  /** Relay connections the page opened. */
  connections: number;
  browserFps: number;
  /** The longest gap between two of the page's frames, in ms. */
  longestFrameMs: number;
  /** Frames a second each chart drew, on average, and the chart that drew least often. */
  chartFps: number;
  slowestChartFps: number;
  /**
   * The page's main thread's CPU time (Chromium's `ThreadTime`) while the charts streamed, over the
   * frames they drew, in ms: all its work (messages, clicks, the browser's style, layout and paint)
   * a chart's draw, so the page's own work in each frame weighs more where fewer charts draw a
   * frame. The host's load sways it less than the rates (null: no chart drew).
   */
  mainThreadMsPerDraw: number | null;
  /** How long a click waited for its handler while the charts streamed: the median and the most, in ms. */
  inputDelayMs: number | null;
  inputDelayMaxMs: number | null;
  lost: number;
  catchUpMs: number;
  /**
   * Rounds measured: the rates and the median click delay are the rounds' medians; the longest
   * frame, the most click delay and the catch-up the worst round's; lost, all rounds'.
   */
  rounds: number;
  /** The lowest and highest of the rounds' fps per chart. */
  chartFpsRange: [number, number];
}

export interface ElementResults {
  dashboard: DashboardRun[];
  runs: ElementRun[];
  naive: NaiveRun[];
  /** Per config: the highest rate drawn at >= 90% of the target fps with zero loss. */
  sustained: Array<{
    traces: number;
    maxpoints: number;
    decimate: 'auto' | 'off';
    signal: 'noise' | 'wave';
    columns: boolean;
    rate: number | null;
  }>;
  naiveBelow10Fps: Array<{ traces: number; maxpoints: number; rate: number | null }>;
  heap: {
    points: number;
    rate: number;
    traces: number;
    maxpoints: number;
    startMiB: number;
    endMiB: number;
    /** The bare Plotly floor drawn as many times, its window moving as far: Plotly's own growth. */
    floorStartMiB: number;
    floorEndMiB: number;
    frames: number;
  } | null;
  browser: string;
}

const ROOT = new URL('../', import.meta.url).pathname;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/** Serves the bench page and dist/ from the repository, on loopback. */
async function staticServer(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(ROOT, path === '/' ? 'bench/page/index.html' : path);
    if (!file.startsWith(ROOT) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}

async function elementRun(
  page: Page,
  feeder: Worker,
  feederUrl: string,
  { traces, maxpoints, decimate = 'auto', signal = 'noise', columns = true }: ElementConfig,
  rate: number,
  seconds: number,
) {
  const tokens = Array.from({ length: traces }, (_, i) => `t${i}`);
  await feeder.ask({ op: 'forget' });
  await feeder.ask({ op: 'signal', signal });
  await feeder.ask({ op: 'columns', on: columns });
  await page.evaluate((args) => (window as any).benchElement(args), { src: feederUrl, tokens, maxpoints, decimate });
  await feeder.ask({ op: 'fill', tokens, count: maxpoints });
  await page.evaluate((args) => (window as any).benchElementStart(args), { maxpoints });
  const fed = await feeder.ask<{ sent: number; lastOffsets: Record<string, number>; behindMs: number }>({
    op: 'run',
    rate,
    seconds,
    tokens,
  });
  const measured = await page.evaluate((args) => (window as any).benchElementCollect(args), {
    lastOffsets: fed.lastOffsets,
    maxpoints,
    settleMs: 300,
    sent: fed.sent,
  });
  return { fed, measured };
}

export async function elementBench(settings: ElementSettings, log: (line: string) => void): Promise<ElementResults> {
  const server = await staticServer();
  const feeder = await startWorker('feeder');
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  const results: ElementResults = {
    dashboard: [],
    runs: [],
    naive: [],
    sustained: [],
    naiveBelow10Fps: [],
    heap: null,
    browser: browser.version(),
  };
  try {
    const feederUrl = await feeder.ask<string>({ op: 'url' });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    /** The page's main thread's CPU seconds so far. */
    const threadSeconds = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((metric) => metric.name === 'ThreadTime')?.value ?? NaN;
    await page.goto(server.url);
    if (settings.dashboard !== null) {
      const { charts, maxpoints, rate, scrollingCharts, warmupSeconds, rounds } = settings.dashboard;
      // Tall enough for fifty 180 x 90 charts in view at once (five to a row).
      await page.setViewportSize({ width: 1000, height: 1000 });
      // Before (each chart its own frames, every frame by extendTraces), each change alone, and now.
      const variants = [
        { count: charts, shared: true, frames: 'own', draw: 'extendTraces', scrolling: false },
        { count: charts, shared: true, frames: 'page', draw: 'extendTraces', scrolling: false },
        { count: charts, shared: true, frames: 'page', draw: 'range', scrolling: false },
        { count: charts, shared: false, frames: 'page', draw: 'range', scrolling: false },
        { count: scrollingCharts, shared: true, frames: 'own', draw: 'extendTraces', scrolling: true },
        { count: scrollingCharts, shared: true, frames: 'page', draw: 'range', scrolling: true },
      ] as const;
      const measuredRounds = variants.map((): DashboardRun[] => []);
      // With a trace: one more turn, of the default row (index 2), traced and not measured.
      const traced = settings.tracePath === undefined ? -1 : rounds * variants.length;
      for (let turn = 0; turn < rounds * variants.length || turn === traced; turn++) {
        const variant = turn === traced ? 2 : turn % variants.length;
        const { count, shared, frames, draw, scrolling } = variants[variant] as (typeof variants)[number];
        const tokens = Array.from({ length: count }, (_, i) => `d${i}`);
        await feeder.ask({ op: 'forget' });
        await page.evaluate((args) => (window as any).benchDashboard(args), {
          src: feederUrl,
          tokens,
          maxpoints,
          shared,
          frames,
          draw,
        });
        await feeder.ask({ op: 'fill', tokens, count: maxpoints });
        if (warmupSeconds > 0) await feeder.ask({ op: 'run', rate, seconds: warmupSeconds, tokens, clock: false });
        await page.evaluate((args) => (window as any).benchDashboardStart(args), { maxpoints, scrolling });
        // A click every 200 ms while the charts stream: how long the page makes its input wait.
        let clicking = true;
        const clicks = (async () => {
          while (clicking) {
            await page.mouse.click(8, 8);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        const traceEvents: TraceEvent[] = [];
        if (turn === traced) {
          cdp.on('Tracing.dataCollected', ({ value }) => traceEvents.push(...(value as unknown as TraceEvent[])));
          await cdp.send('Tracing.start', {
            categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute',
            transferMode: 'ReportEvents',
          });
        }
        const threadBefore = await threadSeconds();
        const fed = await feeder.ask<{ sent: number; lastOffsets: Record<string, number> }>({
          op: 'run',
          rate,
          seconds: settings.seconds,
          tokens,
          clock: false,
        });
        const threadMs = ((await threadSeconds()) - threadBefore) * 1000;
        if (turn === traced) {
          const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
          await cdp.send('Tracing.end');
          await complete;
          writeFileSync(settings.tracePath as string, JSON.stringify({ traceEvents }));
          log(
            `trace of the dashboard's default row (not measured) in ${settings.tracePath}; the main thread's own time:`,
          );
          for (const { name, ms, share } of mainThreadBreakdown(traceEvents))
            log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${String(ms).padStart(7)} ms  ${name}`);
        }
        clicking = false;
        await clicks;
        const measured = await page.evaluate((args) => (window as any).benchDashboardCollect(args), {
          lastOffsets: fed.lastOffsets,
          maxpoints,
        });
        const chartFps = round(measured.chartFps, 1);
        const run: DashboardRun = {
          charts: count,
          maxpoints,
          rate,
          shared,
          frames,
          draw,
          scrolling,
          connections: measured.connections,
          browserFps: round(measured.browserFps, 1),
          longestFrameMs: round(measured.longestFrameMs, 0),
          chartFps,
          slowestChartFps: round(measured.slowestChartFps, 1),
          mainThreadMsPerDraw:
            measured.draws > 0 && Number.isFinite(threadMs) ? round(threadMs / measured.draws, 2) : null,
          inputDelayMs: measured.inputDelayMs === null ? null : round(measured.inputDelayMs, 0),
          inputDelayMaxMs: measured.inputDelayMaxMs === null ? null : round(measured.inputDelayMaxMs, 0),
          lost: measured.lost,
          catchUpMs: round(measured.drainMs, 0),
          rounds: 1,
          chartFpsRange: [chartFps, chartFps],
        };
        if (turn !== traced) measuredRounds[variant]?.push(run);
        log(
          `dashboard ${count} charts x ${maxpoints} @ ${rate}/s, ${frames} frames, by ${draw}, ${shared ? 'shared' : 'a connection per chart'}${scrolling ? ', scrolling' : ''}` +
            `${turn === traced ? ' (traced, not measured)' : rounds > 1 ? ` (round ${Math.floor(turn / variants.length) + 1} of ${rounds})` : ''}: ` +
            `browser ${run.browserFps} fps (longest frame ${run.longestFrameMs} ms), ${run.chartFps} fps per chart (slowest ${run.slowestChartFps}), main thread ${run.mainThreadMsPerDraw} ms a draw, ` +
            `click delay ${run.inputDelayMs} ms (max ${run.inputDelayMaxMs}), lost ${run.lost}, ${run.connections} connections, caught up in ${run.catchUpMs} ms`,
        );
      }
      results.dashboard.push(...measuredRounds.map(combineRounds));
      await page.setViewportSize({ width: 1000, height: 600 });
    }
    for (const config of settings.configs) {
      const { traces, maxpoints } = config;
      const decimate = config.decimate ?? 'auto';
      const signal = config.signal ?? 'noise';
      const columns = config.columns ?? true;
      const label = `${traces}x${maxpoints}${decimate === 'off' ? ' (decimate off)' : ''}${signal === 'noise' ? '' : ` (${signal})`}${columns ? '' : ' (runs without columns)'}`;
      for (const rate of config.rates ?? settings.rates) {
        const { fed, measured } = await elementRun(page, feeder, feederUrl, config, rate, settings.seconds);
        const fps = measured.fps as number;
        const pointsPerTrace = Math.max(1, Math.min(maxpoints, Math.round(rate / traces / Math.max(1, fps))));
        const floor: number[] = await page.evaluate((args) => (window as any).benchFloor(args), {
          traces,
          maxpoints,
          pointsPerTrace,
          frames: settings.floorFrames,
          signal,
        });
        const frameMs = distribution(measured.frameMs);
        const floorMs = distribution(floor);
        const run: ElementRun = {
          traces,
          maxpoints,
          decimate,
          signal,
          columns,
          rate,
          drawnPerTrace: round(measured.drawnPerTrace, 0),
          bandTraces: measured.bandTraces,
          fps: round(fps, 1),
          browserFps: round(measured.rafFrames / measured.seconds, 1),
          frameMs,
          callMs: distribution(measured.callMs),
          floorMs,
          overhead: round(frameMs.p50 / floorMs.p50, 2),
          messageHandlingMsPerSecond: round(measured.messageMs / measured.seconds, 1),
          latencyMs: distribution(measured.latencies),
          lost: measured.lost,
          droppedByDesign: measured.drops,
          feederBehindMs: round(fed.behindMs, 0),
          catchUpMs: round(measured.drainMs, 0),
        };
        results.runs.push(run);
        log(
          `element ${label} @ ${rate}/s: ${run.fps} fps (browser ${run.browserFps}), frame p50 ${round(frameMs.p50)} ms vs floor ${round(floorMs.p50)} ms ` +
            `(x${run.overhead}), ${run.drawnPerTrace} points drawn a trace (${run.bandTraces} as bands), latency p50 ${round(run.latencyMs.p50)} / p99 ${round(run.latencyMs.p99)} ms, ` +
            `lost ${run.lost}, dropped ${run.droppedByDesign}, caught up in ${run.catchUpMs} ms, feeder behind ${run.feederBehindMs} ms`,
        );
      }
      // Sustained: nothing lost, no backlog when the feeder stopped, and the frame rate held: the
      // target, or, where Plotly alone cannot draw that fast (big windows), what it drew at the
      // lowest rate.
      const mine = results.runs.filter(
        (r) =>
          r.traces === traces &&
          r.maxpoints === maxpoints &&
          r.decimate === decimate &&
          r.signal === signal &&
          r.columns === columns,
      );
      const held = 0.9 * Math.min(settings.targetFps, mine[0]?.fps ?? settings.targetFps);
      const ok = mine.filter((r) => r.fps >= held && r.lost === 0 && r.catchUpMs < 500);
      results.sustained.push({
        traces,
        maxpoints,
        decimate,
        signal,
        columns,
        rate: ok.length ? Math.max(...ok.map((r) => r.rate)) : null,
      });
      if (config.naive === false) continue;
      await feeder.ask({ op: 'signal', signal: 'noise' });

      for (const rate of settings.naiveRates) {
        const tokens = Array.from({ length: traces }, (_, i) => `t${i}`);
        await page.evaluate((args) => (window as any).benchNaive(args), {
          src: feederUrl,
          tokens,
          maxpoints,
          seconds: settings.seconds,
        });
        await feeder.ask({ op: 'run', rate, seconds: settings.seconds, tokens });
        const measured = await page.evaluate((args) => (window as any).benchNaiveCollect(args), { settleMs: 300 });
        const run: NaiveRun = {
          traces,
          maxpoints,
          rate,
          browserFps: round(measured.rafFrames / measured.seconds, 1),
          keptUp: round(measured.processed / Math.max(1, measured.received), 3),
        };
        results.naive.push(run);
        log(
          `naive ${traces}x${maxpoints} @ ${rate}/s: ${run.browserFps} browser fps, drew ${round(run.keptUp * 100, 1)}% of messages in time`,
        );
      }
      const slow = results.naive.filter((r) => r.traces === traces && r.maxpoints === maxpoints && r.browserFps < 10);
      results.naiveBelow10Fps.push({
        traces,
        maxpoints,
        rate: slow.length ? Math.min(...slow.map((r) => r.rate)) : null,
      });
    }

    if (settings.heapPoints > 0) {
      // A fresh page: what earlier charts (a million points of big windows) left for the collector is not counted.
      await page.goto(server.url);
      const config = settings.configs[0] as ElementConfig;
      const { traces, maxpoints } = config;
      const rate = settings.heapRate;
      const { measured } = await elementRun(page, feeder, feederUrl, config, rate, settings.heapPoints / rate);
      const floor = await page.evaluate((args) => (window as any).benchHeapFloor(args), {
        traces,
        maxpoints,
        frames: measured.frames,
        pointsPerFrame: Math.round(settings.heapPoints / traces / Math.max(1, measured.frames)),
      });
      results.heap = {
        floorStartMiB: round(floor.start / 2 ** 20, 1),
        floorEndMiB: round(floor.end / 2 ** 20, 1),
        frames: measured.frames,
        points: settings.heapPoints,
        rate,
        traces,
        maxpoints,
        startMiB: round((measured.heapStart ?? NaN) / 2 ** 20, 1),
        endMiB: round((measured.heapEnd ?? NaN) / 2 ** 20, 1),
      };
      log(
        `heap: ${results.heap.startMiB} MiB at start, ${results.heap.endMiB} MiB after ${settings.heapPoints} points at ${rate}/s ` +
          `(${results.heap.frames} frames); the bare Plotly floor drawn as often: ${results.heap.floorStartMiB} -> ${results.heap.floorEndMiB} MiB`,
      );
    }
  } finally {
    await browser.close();
    await feeder.stop();
    server.close();
  }
  return results;
}

/** Draws the report's charts with Plotly in the browser; returns SVG texts by name. */
export async function drawCharts(
  figures: Record<string, { data: unknown[]; layout: Record<string, unknown> }>,
): Promise<Record<string, string>> {
  const server = await staticServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const out: Record<string, string> = {};
    for (const [name, figure] of Object.entries(figures))
      out[name] = await page.evaluate((f) => (window as any).benchChart(f), figure);
    return out;
  } finally {
    await browser.close();
    server.close();
  }
}

/** One variant's rounds as one row: medians of the rates, the worst of the frames and delays, all the losses. */
export function combineRounds(runs: DashboardRun[]): DashboardRun {
  const first = runs[0] as DashboardRun;
  // Of an even count, the lower of the middle two.
  const median = (values: number[]) => distribution(values).p50;
  const nullable = (pick: (run: DashboardRun) => number | null, combine: (values: number[]) => number) => {
    const values = runs.map(pick).filter((value): value is number => value !== null);
    return values.length === 0 ? null : combine(values);
  };
  const chartFps = runs.map((run) => run.chartFps);
  return {
    ...first,
    connections: Math.max(...runs.map((run) => run.connections)),
    browserFps: median(runs.map((run) => run.browserFps)),
    longestFrameMs: Math.max(...runs.map((run) => run.longestFrameMs)),
    chartFps: median(chartFps),
    slowestChartFps: median(runs.map((run) => run.slowestChartFps)),
    mainThreadMsPerDraw: nullable((run) => run.mainThreadMsPerDraw, median),
    inputDelayMs: nullable((run) => run.inputDelayMs, median),
    inputDelayMaxMs: nullable(
      (run) => run.inputDelayMaxMs,
      (values) => Math.max(...values),
    ),
    lost: runs.reduce((sum, run) => sum + run.lost, 0),
    catchUpMs: Math.max(...runs.map((run) => run.catchUpMs)),
    rounds: runs.length,
    chartFpsRange: [Math.min(...chartFps), Math.max(...chartFps)],
  };
}
