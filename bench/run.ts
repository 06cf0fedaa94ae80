/**
 * `npm run bench [-- --quick | --tiny] [--out DIR] [--skip-element] [--skip-relay] [--no-build] [--update-readme]`
 * `[--only 10x1000[,1x500,dashboard...]] [--rates 500000,...]` (element charts to run, and their rates: for a look at one case)
 * `[--trace FILE]` (a Chromium trace of one more, unmeasured round of the dashboard's default row, and
 * where its main thread's time went, logged)
 *
 * Measures the element (in Debian's headless Chromium) and the relay (in Node), side by side with
 * their floors and the naive way, and writes DIR/latest.json, DIR/latest.md and SVG charts drawn by
 * Plotly. It writes nothing else: only `--update-readme` (with a full or --quick run of both parts
 * into bench/results) rewrites the README's Benchmarks summary, so a run never dirties tracked docs
 * by surprise. Everything runs on 127.0.0.1, in bounded time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../scripts/chromium.js';
import { drawCharts, elementBench, type ElementResults, type ElementSettings } from './element-bench.js';
import { relayBench, type RelayResults, type RelaySettings } from './relay-bench.js';
import { elementParts, sizes, type PartRow, type SizeRow } from './size.js';
import { collectorTerms, formatHostileReport } from '../scripts/hostile.js';
import { round } from './lib/stats.js';

type Mode = 'full' | 'quick' | 'tiny';

const ELEMENT: Record<Mode, ElementSettings> = {
  full: {
    dashboard: { charts: 50, maxpoints: 500, rate: 10_000, scrollingCharts: 200, warmupSeconds: 2, rounds: 3 },
    configs: [
      { traces: 1, maxpoints: 500, rates: [1000, 10_000, 100_000, 500_000, 1_000_000] },
      { traces: 10, maxpoints: 1000 },
      { traces: 10, maxpoints: 5000 },
      { traces: 50, maxpoints: 1000 },
      // Big windows: drawn reduced per pixel column; every point (the gain); a sensor-like signal.
      { traces: 10, maxpoints: 100_000, rates: [10_000], naive: false },
      { traces: 10, maxpoints: 100_000, rates: [10_000], decimate: 'off', naive: false },
      { traces: 10, maxpoints: 100_000, rates: [10_000], signal: 'wave', naive: false },
      // The wire without columns (runs of messages, as from a relay that does not know them), side by side.
      { traces: 1, maxpoints: 500, rates: [500_000, 1_000_000], columns: false, naive: false },
      { traces: 10, maxpoints: 1000, rates: [100_000, 500_000], columns: false, naive: false },
    ],
    rates: [1000, 10_000, 100_000, 500_000],
    naiveRates: [1000, 10_000, 100_000, 500_000],
    seconds: 4,
    floorFrames: 40,
    heapPoints: 10_000_000,
    heapRate: 500_000,
    targetFps: 20,
  },
  quick: {
    dashboard: { charts: 50, maxpoints: 500, rate: 10_000, scrollingCharts: 200, warmupSeconds: 1, rounds: 1 },
    configs: [
      { traces: 1, maxpoints: 500 },
      { traces: 10, maxpoints: 1000 },
      { traces: 10, maxpoints: 100_000, rates: [10_000], naive: false },
    ],
    rates: [1000, 10_000, 100_000],
    naiveRates: [1000, 10_000],
    seconds: 2,
    floorFrames: 20,
    heapPoints: 1_000_000,
    heapRate: 500_000,
    targetFps: 20,
  },
  tiny: {
    dashboard: { charts: 3, maxpoints: 20, rate: 300, scrollingCharts: 6, warmupSeconds: 0, rounds: 2 },
    configs: [{ traces: 1, maxpoints: 50 }],
    rates: [1000],
    naiveRates: [1000],
    seconds: 0.5,
    floorFrames: 3,
    heapPoints: 0,
    heapRate: 1000,
    targetFps: 20,
  },
};

const RELAY: Record<Mode, RelaySettings> = {
  full: {
    ingestLines: 1_000_000,
    concurrentProducers: 10,
    seconds: 3,
    payloadBytes: 32,
    fanout: [
      { kind: 'websocket', subscribers: 1, rate: 1000 },
      { kind: 'websocket', subscribers: 1, rate: 10_000 },
      { kind: 'websocket', subscribers: 100, rate: 1000 },
      { kind: 'websocket', subscribers: 100, rate: 10_000 },
      { kind: 'websocket', subscribers: 1000, rate: 1000 },
      { kind: 'websocket', subscribers: 1000, rate: 10_000 },
      { kind: 'sse', subscribers: 100, rate: 1000 },
      { kind: 'sse', subscribers: 100, rate: 10_000 },
    ],
    slowCrowd: { subscribers: 100, rate: 1000 },
    redisFanout: [
      { kind: 'websocket', subscribers: 100, rate: 1000 },
      { kind: 'websocket', subscribers: 100, rate: 10_000 },
      { kind: 'websocket', subscribers: 1000, rate: 1000 },
    ],
    workersFanout: [{ kind: 'websocket', subscribers: 1000, rate: 1000 }],
    hostileSeconds: 60,
    dashboard: { tokens: 50, rate: 10_000 },
  },
  quick: {
    ingestLines: 200_000,
    concurrentProducers: 10,
    seconds: 1.5,
    payloadBytes: 32,
    fanout: [
      { kind: 'websocket', subscribers: 1, rate: 10_000 },
      { kind: 'websocket', subscribers: 100, rate: 1000 },
      { kind: 'websocket', subscribers: 100, rate: 10_000 },
      { kind: 'websocket', subscribers: 1000, rate: 1000 },
      { kind: 'sse', subscribers: 100, rate: 1000 },
    ],
    slowCrowd: { subscribers: 50, rate: 1000 },
    redisFanout: [
      { kind: 'websocket', subscribers: 100, rate: 1000 },
      { kind: 'websocket', subscribers: 1000, rate: 1000 },
    ],
    workersFanout: [{ kind: 'websocket', subscribers: 1000, rate: 1000 }],
    hostileSeconds: 20,
    dashboard: { tokens: 50, rate: 10_000 },
  },
  tiny: {
    ingestLines: 2000,
    concurrentProducers: 2,
    seconds: 0.5,
    payloadBytes: 8,
    fanout: [{ kind: 'websocket', subscribers: 1, rate: 100 }],
    slowCrowd: null,
    redisFanout: [{ kind: 'websocket', subscribers: 1, rate: 100 }],
    workersFanout: [{ kind: 'websocket', subscribers: 1, rate: 100 }],
    hostileSeconds: 3,
    dashboard: { tokens: 3, rate: 300 },
  },
};

export interface BenchReport {
  mode: Mode;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; browser: string | null; os: string };
  command: string;
  sizes: SizeRow[];
  /** What each part of the element costs (lit and plotly.js external). */
  parts: PartRow[];
  element: ElementResults | null;
  relay: RelayResults | null;
  seconds: number;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    tiny: { type: 'boolean' },
    out: { type: 'string' },
    'skip-element': { type: 'boolean' },
    'skip-relay': { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'update-readme': { type: 'boolean' },
    only: { type: 'string' },
    rates: { type: 'string' },
    trace: { type: 'string' },
  },
});
const mode: Mode = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
const out = resolve(values.out ?? 'bench/results');
// The README shows the summary of a real run of both parts, kept in bench/results (not --tiny).
const updateReadme = values['update-readme'] === true;
if (
  updateReadme &&
  (mode === 'tiny' ||
    out !== resolve('bench/results') ||
    values['skip-element'] ||
    values['skip-relay'] ||
    values.only !== undefined ||
    values.rates !== undefined)
) {
  console.error('bench: --update-readme takes a full or --quick run of both parts into bench/results');
  process.exit(2);
}
if (
  values.trace !== undefined &&
  (values['skip-element'] || (values.only !== undefined && !values.only.split(',').includes('dashboard')))
) {
  console.error(
    'bench: --trace traces the dashboard: run the element part with it (no --skip-element; --only, if given, names dashboard)',
  );
  process.exit(2);
}
const log = (line: string) => console.log(`[bench] ${line}`);
const started = performance.now();

if (!values['no-build']) {
  log('building dist/ (ESM and IIFE)');
  execFileSync('npx', ['vite', 'build', '--mode', 'esm', '--logLevel', 'error'], { stdio: 'inherit' });
  execFileSync('npx', ['vite', 'build', '--mode', 'iife', '--logLevel', 'error'], { stdio: 'inherit' });
}

const report: BenchReport = {
  mode,
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    browser: null,
    os: `${os.type()} ${os.release()}`,
  },
  command: `npm run bench${mode === 'full' ? '' : ` -- --${mode}`}`,
  sizes: await sizes(),
  parts: await elementParts(),
  element: null,
  relay: null,
  seconds: 0,
};
for (const size of report.sizes) log(`size: ${size.name}: ${size.minBytes} B min, ${size.gzipBytes} B gzip`);
for (const part of report.parts)
  log(`size of a part: ${part.part}: ${part.minBytes} B min, ~${part.gzipShare} B of the gzip`);

/** The mode's element settings, narrowed by --only and --rates, with --trace. */
function elementSettings(): ElementSettings {
  const settings = { ...ELEMENT[mode], ...(values.trace === undefined ? {} : { tracePath: resolve(values.trace) }) };
  if (values.only === undefined && values.rates === undefined) return settings;
  const only = values.only?.split(',');
  const rates = values.rates?.split(',').map(Number);
  return {
    ...settings,
    dashboard: only?.includes('dashboard') ? settings.dashboard : null,
    naiveRates: [],
    heapPoints: 0,
    configs: settings.configs
      .filter((c) => only === undefined || only.includes(`${c.traces}x${c.maxpoints}`))
      .map((c) => (rates === undefined ? c : { ...c, rates })),
  };
}

if (!values['skip-relay']) report.relay = await relayBench(RELAY[mode], log);
if (!values['skip-element']) {
  report.element = await elementBench(elementSettings(), log);
  report.machine.browser = `Chromium ${report.element.browser} (headless, no GPU)`;
} else {
  const browser = await launchBrowser();
  report.machine.browser = `Chromium ${browser.version()} (headless, no GPU)`;
  await browser.close();
}
report.seconds = round((performance.now() - started) / 1000, 0);

// --- the report -------------------------------------------------------------------------------
const signedMiB = (n: number) => `${n >= 0 ? '+' : ''}${round(n, 1)} MiB`;
const kb = (bytes: number) => `${round(bytes / 1024, 1)} KiB`;
const ms = (n: number) => (Number.isFinite(n) ? `${round(n, 1)}` : '–');
const rate = (n: number) =>
  n >= 1e6 ? `${round(n / 1e6, 2)}M` : n >= 1000 ? `${round(n / 1000, 1)}k` : `${round(n, 0)}`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

function summaryTable(r: BenchReport): string {
  const rows: Array<Array<string | number>> = [];
  const e = r.element;
  if (e) {
    for (const s of e.sustained) {
      const naive = e.naiveBelow10Fps.find((n) => n.traces === s.traces && n.maxpoints === s.maxpoints);
      const configRuns = e.runs.filter(
        (x) =>
          x.traces === s.traces &&
          x.maxpoints === s.maxpoints &&
          x.decimate === s.decimate &&
          x.signal === s.signal &&
          x.columns === s.columns,
      );
      const best = configRuns.find((x) => x.rate === s.rate);
      const reduced = best !== undefined && best.drawnPerTrace < best.maxpoints;
      rows.push([
        `element, ${chartLabel(s)}`,
        s.rate === null
          ? `not even ${rate(Math.min(...configRuns.map((x) => x.rate)))} points/s, its lowest rate`
          : `${rate(s.rate)} points/s at ${best?.fps ?? '–'} fps, 0 lost`,
        best
          ? `frame ${ms(best.frameMs.p50)} ms, of it the Plotly call ${ms(best.callMs.p50)} ms${reduced ? `, drawing ${best.drawnPerTrace} points a trace` : ''}${best.bandTraces ? `, ${best.bandTraces} lines as bands` : ''}; bare extendTraces ${ms(best.floorMs.p50)} ms (×${best.overhead}); latency p50 ${ms(best.latencyMs.p50)} ms, p99 ${ms(best.latencyMs.p99)} ms`
          : '',
        naive === undefined
          ? best
            ? `bare extendTraces of the same windows: ${round(1000 / best.floorMs.p50, 1)} fps`
            : ''
          : naive.rate == null
            ? `naive way stays ≥ 10 fps up to ${rate(Math.max(...e.naive.map((x) => x.rate)))}`
            : `naive way < 10 fps from ${rate(naive.rate)} points/s`,
      ]);
    }
    const dashboard = (frames: 'page' | 'own', draw: 'range' | 'extendTraces', scrolling: boolean) =>
      e.dashboard.find((d) => d.shared && d.scrolling === scrolling && d.frames === frames && d.draw === draw);
    const [paged, pagedFull, own] = [
      dashboard('page', 'range', false),
      dashboard('page', 'extendTraces', false),
      dashboard('own', 'extendTraces', false),
    ];
    if (paged && own)
      rows.push([
        `dashboard, ${paged.charts} charts × 1 × ${paged.maxpoints} in view`,
        `browser ${paged.browserFps} fps, ${paged.chartFps} fps per chart (slowest ${paged.slowestChartFps}), ${paged.lost} lost`,
        `${rate(paged.rate)} points/s in all; longest frame ${paged.longestFrameMs} ms, click delay ${paged.inputDelayMs} ms` +
          (paged.mainThreadMsPerDraw === null ? '' : `, main thread ${paged.mainThreadMsPerDraw} ms a draw`) +
          (paged.rounds > 1
            ? `; medians of ${paged.rounds} rounds taking turns (fps per chart ${paged.chartFpsRange[0]} to ${paged.chartFpsRange[1]})`
            : '') +
          (pagedFull
            ? `; every frame by extendTraces: ${pagedFull.chartFps} fps per chart, browser ${pagedFull.browserFps} fps${pagedFull.mainThreadMsPerDraw === null ? '' : `, ${pagedFull.mainThreadMsPerDraw} ms a draw`}`
            : ''),
        `each chart its own frames, by extendTraces (before): browser ${own.browserFps} fps, ${own.chartFps} fps per chart, longest frame ${own.longestFrameMs} ms, click delay ${own.inputDelayMs} ms`,
      ]);
    const [scrolled, scrolledBefore] = [dashboard('page', 'range', true), dashboard('own', 'extendTraces', true)];
    if (scrolled)
      rows.push([
        `dashboard, ${scrolled.charts} charts on a scrolling page`,
        `browser ${scrolled.browserFps} fps, ${scrolled.lost} lost`,
        `${rate(scrolled.rate)} points/s in all; longest frame ${scrolled.longestFrameMs} ms, click delay ${scrolled.inputDelayMs} ms`,
        scrolledBefore
          ? `each chart its own frames, by extendTraces (before; charts out of view draw nothing in both): browser ${scrolledBefore.browserFps} fps, click delay ${scrolledBefore.inputDelayMs} ms`
          : 'charts out of view draw nothing',
      ]);
    if (e.heap)
      rows.push([
        'element memory',
        `${e.heap.startMiB} → ${e.heap.endMiB} MiB JS heap (${signedMiB(e.heap.endMiB - e.heap.startMiB)})`,
        `after ${rate(e.heap.points)} points at ${rate(e.heap.rate)}/s, ${e.heap.frames} frames`,
        `bare Plotly drawn as often: ${e.heap.floorStartMiB} → ${e.heap.floorEndMiB} MiB (${signedMiB(e.heap.floorEndMiB - e.heap.floorStartMiB)})`,
      ]);
  }
  const relay = r.relay;
  if (relay) {
    rows.push([
      'relay ingest',
      `${rate(relay.ingest.oneProducerLinesPerSecond)} lines/s`,
      `${rate(relay.ingest.concurrentLinesPerSecond)} lines/s from ${relay.ingest.concurrentProducers} producers`,
      '',
    ]);
    const d = relay.dashboard;
    if (d)
      rows.push([
        `relay → 1 viewer of ${d.tokens} tokens, each written a line at a time @ ${rate(d.rate)} msgs/s in all`,
        `${rate(d.framesPerSecond)} frames/s, ${d.messagesPerFrame} messages a frame`,
        `${round((100 * d.delivered) / Math.max(1, d.expected), 1)}% delivered, p99 ${ms(d.latencyMs.p99)} ms, CPU ${d.cpuPercent}% (${d.cpuSecondsPerMillion} s per 1M delivered)`,
        `a frame per token per write (as before a viewer's ticks of a turn went out together) is ${rate(d.rate)} frames/s`,
      ]);
    const fb = relay.frameBuild;
    rows.push([
      'relay, a tick as columns',
      `${fb.columnsMicrosPerMessage} µs a message to build, ${fb.columnsBytesPerMessage} bytes`,
      `once per tick for every viewer at the edge (${fb.messages} messages a tick)`,
      `a run of messages: ${fb.runMicrosPerMessage} µs, ${fb.runBytesPerMessage} bytes`,
    ]);
    for (const f of relay.fanout.filter((x) => x.server === 'relay')) {
      const same = (x: RelayResults['fanout'][number]) =>
        x.kind === f.kind && x.subscribers === f.subscribers && x.rate === f.rate;
      const perMessage = relay.fanout.find((x) => x.server === 'bare ws, frame per message' && same(x));
      const batched = relay.fanout.find((x) => x.server === 'bare ws' && same(x));
      const v8Growth = relay.fanout.find((x) => x.server === 'relay, V8 heap growth' && same(x));
      const floors = [
        v8Growth
          ? `V8's own heap growth (--heap-growth 0): CPU ${v8Growth.cpuSecondsPerMillion} s per 1M, ${round(v8Growth.rssMiB, 0)} MiB`
          : '',
        perMessage
          ? `bare ws, frame per message: ${round((100 * perMessage.delivered) / Math.max(1, perMessage.expected), 1)}% delivered, p99 ${ms(perMessage.latencyMs.p99)} ms, CPU ${perMessage.cpuSecondsPerMillion} s per 1M`
          : '',
        batched
          ? `bare ws batching every 2 ms: p99 ${ms(batched.latencyMs.p99)} ms, CPU ${batched.cpuSecondsPerMillion} s per 1M`
          : '',
      ].filter((x) => x !== '');
      rows.push([
        `relay → ${f.subscribers} ${f.kind === 'sse' ? 'SSE' : 'WebSocket'} viewer${f.subscribers === 1 ? '' : 's'} @ ${rate(f.rate)} msgs/s`,
        `${rate(f.deliveredPerSecond)} msgs/s delivered (${round((100 * f.delivered) / Math.max(1, f.expected), 1)}%)`,
        `p50 ${ms(f.latencyMs.p50)} ms, p99 ${ms(f.latencyMs.p99)} ms, CPU ${f.cpuPercent}% (${f.cpuSecondsPerMillion} s per 1M delivered), ${round(f.rssMiB, 0)} MiB`,
        floors.join('; '),
      ]);
    }
  }
  if (relay?.redis) {
    const rr = relay.redis;
    rows.push([
      'relay ingest, Redis engine',
      `${rate(rr.ingest.oneProducerLinesPerSecond)} lines/s into one token`,
      `${rate(rr.ingest.concurrentLinesPerSecond)} lines/s from ${rr.ingest.concurrentProducers} producers; ${rr.server}`,
      `memory engine: ${rate(relay.ingest.oneProducerLinesPerSecond)} lines/s`,
    ]);
    for (const f of rr.fanout) {
      const memory = relay.fanout.find(
        (x) => x.server === 'relay' && x.kind === f.kind && x.subscribers === f.subscribers && x.rate === f.rate,
      );
      rows.push([
        `relay, Redis engine → ${f.subscribers} ${f.kind === 'sse' ? 'SSE' : 'WebSocket'} viewer${f.subscribers === 1 ? '' : 's'} @ ${rate(f.rate)} msgs/s`,
        `${rate(f.deliveredPerSecond)} msgs/s delivered (${round((100 * f.delivered) / Math.max(1, f.expected), 1)}%)`,
        `p50 ${ms(f.latencyMs.p50)} ms, p99 ${ms(f.latencyMs.p99)} ms, CPU ${f.cpuPercent}%`,
        memory
          ? `memory engine: p50 ${ms(memory.latencyMs.p50)} ms, p99 ${ms(memory.latencyMs.p99)} ms, CPU ${memory.cpuPercent}%`
          : '',
      ]);
    }
    for (const f of rr.workers) {
      const one = rr.fanout.find((x) => x.kind === f.kind && x.subscribers === f.subscribers && x.rate === f.rate);
      rows.push([
        `relay --workers 2 → ${f.subscribers} ${f.kind === 'sse' ? 'SSE' : 'WebSocket'} viewer${f.subscribers === 1 ? '' : 's'} @ ${rate(f.rate)} msgs/s`,
        `${rate(f.deliveredPerSecond)} msgs/s delivered (${round((100 * f.delivered) / Math.max(1, f.expected), 1)}%)`,
        `p50 ${ms(f.latencyMs.p50)} ms, p99 ${ms(f.latencyMs.p99)} ms, CPU ${f.cpuPercent}% (both workers)`,
        one
          ? `one relay (Redis engine): p50 ${ms(one.latencyMs.p50)} ms, p99 ${ms(one.latencyMs.p99)} ms, CPU ${one.cpuPercent}%`
          : '',
      ]);
    }
  }
  const hostile = relay?.hostile;
  if (hostile) {
    const m = hostile.memory;
    rows.push([
      `relay under every hostile client at once, ${hostile.seconds} s`,
      `peak RSS ${round(m.peakMiB, 0)} MiB of a bound of ${round(m.boundMiB, 0)} MiB (${round((100 * m.peakMiB) / m.boundMiB, 0)}%)`,
      `bound: at rest ${round(m.atRestMiB, 0)} + budgets ${round(m.budgetsMiB, 0)} + collector ${round(m.gcSlackMiB, 0)} (${collectorTerms(m.heapGrowthPercent)}) + connections ${round(m.connectionsMiB, 0)} MiB; normal viewers ${hostile.normal.websocket}/${hostile.normal.sent} and ${hostile.normal.sse}/${hostile.normal.sent} in order; ${hostile.relayExited ? 'the relay EXITED' : 'never exited'}; ${hostile.stuckHeld} of ${hostile.stuckViewers} stuck viewers still held`,
      [
        `at rest: ${round(m.atRestMiB, 0)} MiB (the same relay, no client)`,
        relay?.hostileV8Growth
          ? `V8's own heap growth (--heap-growth 0): peak ${round(relay.hostileV8Growth.memory.peakMiB, 0)} MiB`
          : '',
      ]
        .filter((x) => x !== '')
        .join('; '),
    ]);
  }
  const iife = r.sizes.find((s) => s.name.includes('iife'));
  const alone = r.sizes[0];
  if (alone && iife)
    rows.push([
      'size (min + gzip)',
      `${kb(alone.gzipBytes)} element alone`,
      `${kb(iife.gzipBytes)} script-tag bundle with Lit and Plotly`,
      '',
    ]);
  return table(['What', 'Result', 'Detail', 'Compared with'], rows);
}

/** `10 × 1000`, with `, decimate off` for a row that draws every point, `, wave` for a sensor-like signal. */
function chartLabel(c: {
  traces: number;
  maxpoints: number;
  decimate: 'auto' | 'off';
  signal: 'noise' | 'wave';
  columns?: boolean;
}): string {
  return `${c.traces} × ${c.maxpoints}${c.decimate === 'off' ? ', decimate off' : ''}${c.signal === 'noise' ? '' : `, ${c.signal}`}${c.columns === false ? ', runs without columns' : ''}`;
}

function machineLine(r: BenchReport): string {
  const m = r.machine;
  return `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.browser ?? 'no browser'}; ${r.date.slice(0, 10)}, \`${r.command}\` (${r.seconds} s)`;
}

const SUSTAINED = [
  'An element row gives the highest input rate it took with nothing lost, no backlog when the input',
  'stopped, and its frame rate held: 20 fps, or, for windows Plotly itself cannot redraw 20 times a',
  'second, the rate it drew at 1k points/s. Its frame time is set against a bare `Plotly.extendTraces`',
  'of the same update (the floor).',
].join('\n');

function markdown(r: BenchReport, charts: string[]): string {
  const parts = [
    `# plotly-stream benchmarks (${r.mode})`,
    '',
    machineLine(r),
    '',
    '## Summary',
    '',
    summaryTable(r),
    '',
    SUSTAINED,
    '',
  ];
  parts.push(
    'Figures are measured side by side in one run on a shared, noisy machine: read the ratios and the',
    'shapes, not the last digit. Frame time is the main-thread time of a drawing frame, from its start to',
    "the element's plotly-stream-render event (planning, the one Plotly call, also shown alone, and what",
    "follows the call: the difference is the element's own work); the",
    'floor is a bare `Plotly.extendTraces` of the same update on the same kind of plot with full windows,',
    "in the same page, measured after the element's runs (so Plotly's code is warm for it).",
    '',
  );
  for (const chart of charts) parts.push(`![${chart}](${chart})`, '');
  if (r.element) {
    parts.push('## Element', '');
    parts.push(
      table(
        [
          'traces × maxpoints',
          'input points/s',
          'fps',
          'browser fps',
          'drawn points a trace',
          'frame ms p50 / p95 / max',
          'of it, the Plotly call p50',
          'floor ms p50',
          'overhead',
          'msg handling ms/s',
          'latency ms p50 / p99',
          'backlog ms',
          'lost',
          'dropped by design',
        ],
        r.element.runs.map((x) => [
          chartLabel(x),
          rate(x.rate),
          x.fps,
          x.browserFps,
          x.bandTraces ? `${x.drawnPerTrace} (${x.bandTraces} as bands)` : x.drawnPerTrace,
          `${ms(x.frameMs.p50)} / ${ms(x.frameMs.p95)} / ${ms(x.frameMs.max)}`,
          ms(x.callMs.p50),
          ms(x.floorMs.p50),
          `×${x.overhead}`,
          x.messageHandlingMsPerSecond,
          `${ms(x.latencyMs.p50)} / ${ms(x.latencyMs.p99)}`,
          x.catchUpMs,
          x.lost,
          x.droppedByDesign,
        ]),
      ),
      '',
      '"lost" counts points missing from a trace\'s final window once everything sent has arrived (must',
      'be 0); "dropped by design" counts points pushed out of a window before any frame drew them (more',
      'than maxpoints per frame); "backlog" is how long, after the feeder stopped, the page still took to',
      'receive what was sent (the input rate was more than the page could take in). "drawn points a trace"',
      'is what Plotly was given at the end: below maxpoints where a line is drawn reduced (at most four',
      'points a pixel column; "as bands": lines dense enough to be drawn without antialiasing); its frame',
      'time includes the reduction. The floor draws every point.',
      '',
      '### The naive way: one `Plotly.extendTraces` per message',
      '',
      table(
        ['traces × maxpoints', 'input points/s', 'browser fps', 'messages drawn in time'],
        r.element.naive.map((x) => [
          `${x.traces} × ${x.maxpoints}`,
          rate(x.rate),
          x.browserFps,
          `${round(x.keptUp * 100, 1)}%`,
        ]),
      ),
      '',
    );
    if (r.element.heap) {
      const h = r.element.heap;
      parts.push(
        `Memory: JS heap ${h.startMiB} MiB at start, ${h.endMiB} MiB after ${h.points} points at ${rate(h.rate)}/s (${h.traces} × ${h.maxpoints}, ${h.frames} frames); a bare Plotly chart drawn as many times, its window moving as far, went from ${h.floorStartMiB} to ${h.floorEndMiB} MiB. What grows in both is Plotly's own (it keeps up to 10 000 measured label boxes, then starts over); the element's windows are fixed-size rings.`,
        '',
      );
    }
    if (r.element.dashboard.length > 0) {
      parts.push(
        '### A dashboard: many small charts on one page',
        '',
        `Each chart is its own element with one trace on its own token; the points/s are for all of them together. Each row streams ${ELEMENT[r.mode].dashboard?.warmupSeconds ?? 0} s before it is measured (the page warm, as a wall screen that has been up a while).`,
        "Frames: `page`, the page's frames shared in turns within a budget (the default); `own`, each chart asking the browser for its own frames, all drawing in the same one (before).",
        "Drawn by: `range`, Plotly's range path for plain lines (the default); `extendTraces`, every frame by Plotly's full redraw (before; the element given a Plotly without a version). Both have the element's other cuts (tick labels unmeasured, each chart composited apart).",
        'Shared, the charts join one connection (the default); apart, each has its own. Scrolling: the page scrolls up and down, 20 px a frame, while the charts stream; charts out of view draw nothing (in both rows: the element no longer can).',
        'Click delay: a click every 200 ms, from its input event to its handler (median / most).',
        `The variants take turns, ${ELEMENT[r.mode].dashboard?.rounds ?? 1} round(s) of each (the host's load changes by the minute): a row gives the rounds' medians of the rates and of the median click delay, the worst round's longest frame, most click delay and catch-up, and all rounds' losses; fps per chart shows the rounds' lowest and highest after the median.`,
        "Main-thread ms a draw: the page's main thread's CPU time while the charts streamed (Chromium's `ThreadTime`: its JavaScript, the messages and clicks, the browser's style, layout and paint) over the charts' draws, the rounds' median: all of it, so a page's own work in each frame weighs more where fewer charts draw a frame; the host's load sways it less than the rates.",
        '',
        table(
          [
            'charts',
            'frames',
            'drawn by',
            'points/s in all',
            'connections',
            'browser fps',
            'longest frame ms',
            'click delay ms',
            'fps per chart',
            'slowest chart fps',
            'main-thread ms a draw',
            'lost',
            'caught up in ms',
          ],
          r.element.dashboard.map((d) => [
            `${d.charts} × 1 × ${d.maxpoints}${d.shared ? ', shared' : ', apart'}${d.scrolling ? ', scrolling' : ''}`,
            d.frames,
            d.draw,
            rate(d.rate),
            d.connections,
            d.browserFps,
            d.longestFrameMs,
            `${d.inputDelayMs ?? '-'} / ${d.inputDelayMaxMs ?? '-'}`,
            d.rounds > 1 ? `${d.chartFps} (${d.chartFpsRange[0]}–${d.chartFpsRange[1]})` : d.chartFps,
            d.scrolling ? '-' : d.slowestChartFps,
            d.mainThreadMsPerDraw ?? '-',
            d.lost,
            d.catchUpMs,
          ]),
        ),
        '',
      );
    }
  }
  if (r.relay) {
    parts.push(
      '## Relay',
      '',
      `Ingest: ${r.relay.ingest.oneProducerLinesPerSecond} lines/s into one token from one chunked POST; ${r.relay.ingest.concurrentLinesPerSecond} lines/s from ${r.relay.ingest.concurrentProducers} concurrent producers.`,
      '',
      table(
        [
          'server',
          'transport',
          'viewers',
          'msgs/s in',
          'delivered msgs/s',
          'delivered',
          'latency ms p50 / p99',
          'CPU %',
          'CPU s / 1M delivered',
          'RSS MiB',
        ],
        [...r.relay.fanout, ...(r.relay.redis?.fanout ?? []), ...(r.relay.redis?.workers ?? [])].map((f) => [
          f.server,
          f.kind,
          f.subscribers,
          rate(f.rate),
          f.deliveredPerSecond,
          `${round((100 * f.delivered) / Math.max(1, f.expected), 1)}%`,
          `${ms(f.latencyMs.p50)} / ${ms(f.latencyMs.p99)}`,
          f.cpuPercent,
          f.cpuSecondsPerMillion,
          f.rssMiB,
        ]),
      ),
      '',
      ...(r.relay.redis
        ? [
            `With the Redis engine (${r.relay.redis.server}, on this machine): ingest ${r.relay.redis.ingest.oneProducerLinesPerSecond} lines/s into one token, ${r.relay.redis.ingest.concurrentLinesPerSecond} lines/s from ${r.relay.redis.ingest.concurrentProducers} producers; its fan-out rows are marked "relay, Redis engine" above.`,
            '',
          ]
        : []),
      'The relay gets every message through a chunked POST, gives it a position, keeps it in history and',
      'queues it per viewer; the bare `ws` server makes the same messages itself and broadcasts them, as',
      'a frame per message (a plain broadcaster; run up to 1M deliveries a second, past which it falls',
      'minutes behind) or batched every 2 ms like the relay (a stricter floor).',
      "CPU s / 1M delivered is the server's CPU time per million messages that reached a viewer: it stays",
      'comparable when a server falls behind. The viewers run in one separate process, which also limits',
      'what can be delivered at the largest sizes.',
      '',
    );
    if (r.relay.hostile) {
      parts.push(
        '## The relay under hostile clients',
        '',
        'scripts/hostile.ts (`npm run hostile`): one relay process with TLS, every hostile client at once',
        "beside a normal producer and viewers; its peak RSS (the kernel's high-water mark) against the",
        "README's bound for its limits.",
        '',
        '```',
        formatHostileReport(r.relay.hostile),
        '```',
        '',
      );
    }
    if (r.relay.slowSubscriber) {
      const s = r.relay.slowSubscriber;
      parts.push(
        `A viewer that never reads, among ${s.subscribers} at ${rate(s.rate)} msgs/s: the others' latency p50 / p99 is ${ms(s.withoutSlow.p50)} / ${ms(s.withoutSlow.p99)} ms without it and ${ms(s.withSlow.p50)} / ${ms(s.withSlow.p99)} ms with it (it is cut off when its queue passes the limit).`,
        '',
      );
    }
  }
  parts.push(
    '## Bundle sizes',
    '',
    table(
      ['bundle', 'min', 'gzip'],
      r.sizes.map((s) => [s.name, kb(s.minBytes), kb(s.gzipBytes)]),
    ),
    '',
    "What each part of the element costs (lit and plotly.js external; a part's gzip is its share of the whole, by its minified bytes):",
    '',
    table(
      ['part', 'min', 'gzip (share)'],
      (r.parts ?? []).map((p) => [p.part, kb(p.minBytes), kb(p.gzipShare)]),
    ),
    '',
  );
  return parts.join('\n');
}

function chartFigures(r: BenchReport) {
  const figures: Record<string, { data: unknown[]; layout: Record<string, unknown> }> = {};
  const e = r.element;
  if (e && e.runs.length > 0) {
    const configs = [
      ...new Set(e.runs.filter((x) => x.decimate === 'auto').map((x) => `${x.traces} × ${x.maxpoints}`)),
    ];
    figures['element-fps.svg'] = {
      data: configs.flatMap((c) => [
        {
          name: `element ${c}`,
          x: e.runs.filter((x) => chartLabel(x) === c).map((x) => x.rate),
          y: e.runs.filter((x) => chartLabel(x) === c).map((x) => x.fps),
          mode: 'lines+markers',
        },
        {
          name: `naive ${c}`,
          x: e.naive.filter((x) => `${x.traces} × ${x.maxpoints}` === c).map((x) => x.rate),
          y: e.naive.filter((x) => `${x.traces} × ${x.maxpoints}` === c).map((x) => round(x.keptUp * x.browserFps, 1)),
          mode: 'lines+markers',
          line: { dash: 'dot' },
        },
      ]),
      layout: {
        title: { text: 'Up-to-date frames per second by input rate' },
        xaxis: { type: 'log', title: { text: 'input points/s' } },
        yaxis: { title: { text: 'fps (naive: fps × share drawn in time)' } },
      },
    };
    figures['element-frame-vs-floor.svg'] = {
      data: [
        {
          type: 'bar',
          name: 'element frame p50',
          x: e.runs.map((x) => `${chartLabel(x)} @${rate(x.rate)}`),
          y: e.runs.map((x) => round(x.frameMs.p50, 2)),
        },
        {
          type: 'bar',
          name: 'bare extendTraces p50',
          x: e.runs.map((x) => `${chartLabel(x)} @${rate(x.rate)}`),
          y: e.runs.map((x) => round(x.floorMs.p50, 2)),
        },
      ],
      layout: {
        title: { text: 'Frame time: the element vs the floor (ms)' },
        barmode: 'group',
        yaxis: { type: 'log' },
        margin: { b: 110 },
      },
    };
  }
  const relay = r.relay;
  if (relay && relay.fanout.length > 0) {
    const label = (f: RelayResults['fanout'][number]) =>
      `${f.subscribers} ${f.kind === 'sse' ? 'SSE' : 'WS'} @${rate(f.rate)}`;
    figures['relay-latency.svg'] = {
      data: (['relay', 'bare ws, frame per message', 'bare ws'] as const).map((server) => ({
        type: 'bar',
        name: `${server} p99`,
        x: relay.fanout.filter((f) => f.server === server).map(label),
        y: relay.fanout.filter((f) => f.server === server).map((f) => round(f.latencyMs.p99, 2)),
      })),
      layout: { title: { text: 'Fan-out delivery latency p99 (ms)' }, barmode: 'group' },
    };
  }
  return figures;
}

mkdirSync(out, { recursive: true });
const charts = await drawCharts(chartFigures(report));
for (const [name, svg] of Object.entries(charts)) writeFileSync(join(out, name), svg);
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(out, 'latest.md'), markdown(report, Object.keys(charts)));
log(`wrote ${relative(process.cwd(), join(out, 'latest.md'))} and latest.json (${report.seconds} s)`);

if (updateReadme) {
  const readme = readFileSync('README.md', 'utf8');
  const section = [
    '<!-- bench:start -->',
    `Measured on ${machineLine(report)}.`,
    '',
    summaryTable(report),
    '',
    SUSTAINED,
    '',
    'Full tables and charts: [bench/results/latest.md](bench/results/latest.md).',
    '<!-- bench:end -->',
  ].join('\n');
  writeFileSync('README.md', readme.replace(/<!-- bench:start -->[\s\S]*?<!-- bench:end -->/, section));
  log("updated the README's Benchmarks section");
} else {
  log('README.md left as it is (npm run bench -- --update-readme rewrites its summary)');
}
