import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { haveRedis } from '../../scripts/redis-server.js';

const run = promisify(execFile);

// The harness end to end on tiny settings: no timing is asserted, only that every part ran and
// reported (and that the element lost nothing). `npm run bench` is where speed is measured.
describe('npm run bench -- --tiny', () => {
  it('runs the harness end to end and writes its report', { timeout: 240_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const readme = readFileSync('README.md', 'utf8');
      const trace = join(out, 'trace.json');
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--tiny', '--out', out, '--trace', trace],
        { maxBuffer: 10 * 2 ** 20 },
      );
      assert.equal(readFileSync('README.md', 'utf8'), readme, 'a run writes its results only');
      const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
      assert.equal(report.mode, 'tiny');
      assert.ok(report.sizes.length >= 3);
      assert.ok(report.sizes[0].gzipBytes > 4096, 'the element alone is measured whole, chunks included');
      assert.ok(report.relay.ingest.oneProducerLinesPerSecond > 0);
      assert.ok(report.relay.fanout.some((f: { server: string }) => f.server === 'bare ws'));
      assert.ok(report.relay.fanout.some((f: { server: string }) => f.server === 'bare ws, frame per message'));
      if (haveRedis || process.env['CI']) {
        assert.ok(report.relay.redis.ingest.oneProducerLinesPerSecond > 0, 'the Redis engine rows ran');
        assert.equal(report.relay.redis.fanout[0].delivered, report.relay.redis.fanout[0].expected);
        assert.equal(report.relay.redis.workers[0].server, 'relay, 2 workers');
        assert.equal(report.relay.redis.workers[0].delivered, report.relay.redis.workers[0].expected);
      }
      assert.equal(report.relay.hostile.relayExited, false, 'the hostile suite ran, and the relay lived');
      const dashboard = report.relay.dashboard;
      assert.equal(dashboard.delivered, dashboard.expected, "the dashboard viewer got every token's every line");
      assert.ok(dashboard.framesPerSecond > 0 && dashboard.messagesPerFrame >= 1, JSON.stringify(dashboard));
      assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /relay → 1 viewer of 3 tokens/);
      assert.ok(report.relay.hostile.memory.peakMiB > 0);
      assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /relay under every hostile client at once/);
      assert.equal(report.element.runs.length, 1);
      assert.equal(report.element.runs[0].lost, 0);
      assert.ok(report.element.runs[0].floorMs.n > 0);
      assert.equal(report.element.naive.length, 1);
      type Dashboard = {
        charts: number;
        frames: string;
        draw: string;
        shared: boolean;
        scrolling: boolean;
        connections: number;
        lost: number;
        inputDelayMs: number | null;
        rounds: number;
        chartFps: number;
        chartFpsRange: [number, number];
        mainThreadMsPerDraw: number | null;
      };
      assert.deepEqual(
        report.element.dashboard.map((d: Dashboard) => [
          d.charts,
          d.frames,
          d.draw,
          d.shared,
          d.scrolling,
          d.connections,
          d.lost,
        ]),
        [
          [3, 'own', 'extendTraces', true, false, 1, 0],
          [3, 'page', 'extendTraces', true, false, 1, 0],
          [3, 'page', 'range', true, false, 1, 0],
          [3, 'page', 'range', false, false, 3, 0],
          [6, 'own', 'extendTraces', true, true, 1, 0],
          [6, 'page', 'range', true, true, 1, 0],
        ],
        "the dashboard ran in each chart's frames and the page's, by extendTraces and the range path, shared and apart, scrolling, nothing lost",
      );
      assert.ok(
        report.element.dashboard.every((d: Dashboard) => d.inputDelayMs !== null),
        'clicks were measured in every run',
      );
      assert.ok(
        report.element.dashboard.every(
          (d: Dashboard) => d.rounds === 2 && d.chartFpsRange[0] <= d.chartFps && d.chartFps <= d.chartFpsRange[1],
        ),
        'each dashboard row is its two rounds together (not the traced one), its fps per chart within their range',
      );
      const { traceEvents } = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: Array<{ name: string }> };
      assert.ok(
        traceEvents.some((e) => e.name === 'FunctionCall'),
        'the trace has the page running script',
      );
      assert.match(stdout, /the main thread's own time:\n.*%.* ms {2}\S/, "the trace's breakdown is logged");
      assert.ok(
        report.element.dashboard.every((d: Dashboard) => d.mainThreadMsPerDraw !== null && d.mainThreadMsPerDraw > 0),
        "each dashboard row has its main thread's CPU time a draw",
      );
      assert.ok(report.parts.length > 3, "the element's parts were measured");
      assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /## Summary/);
      for (const chart of ['element-fps.svg', 'relay-latency.svg']) assert.ok(existsSync(join(out, chart)), chart);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses --trace for a run without the dashboard', async () => {
    for (const args of [['--only', '1x500'], ['--skip-element']]) {
      const refused = await run(process.execPath, [
        '--import',
        'tsx',
        'bench/run.ts',
        '--tiny',
        ...args,
        '--trace',
        'x.json',
      ]).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(refused?.code, 2, args.join(' '));
      assert.match(refused.stderr, /--trace traces the dashboard/);
    }
  });

  it('refuses --update-readme for a run that is not a full or quick run of both parts into bench/results', async () => {
    for (const args of [['--tiny'], ['--quick', '--skip-relay'], ['--quick', '--out', tmpdir()]]) {
      const refused = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args, '--update-readme']).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(refused?.code, 2, args.join(' '));
      assert.match(refused.stderr, /--update-readme takes a full or --quick run/);
    }
  });
});

describe('combineRounds', () => {
  it("gives the rounds' medians of the rates, the worst frames and delays, and all the losses", async () => {
    const { combineRounds } = await import('../../bench/element-bench.js');
    const round = (chartFps: number, longestFrameMs: number, lost: number, inputDelayMs: number | null) => ({
      charts: 50,
      maxpoints: 500,
      rate: 10_000,
      shared: true,
      frames: 'page' as const,
      draw: 'range' as const,
      scrolling: false,
      connections: 1,
      browserFps: chartFps * 3,
      longestFrameMs,
      chartFps,
      slowestChartFps: chartFps - 1,
      mainThreadMsPerDraw: chartFps === 10 ? null : 20 / chartFps,
      inputDelayMs,
      inputDelayMaxMs: inputDelayMs === null ? null : inputDelayMs * 2,
      lost,
      catchUpMs: longestFrameMs,
      rounds: 1,
      chartFpsRange: [chartFps, chartFps] as [number, number],
    });
    const row = combineRounds([round(7, 50, 0, 12), round(10, 83, 2, null), round(4, 67, 1, 20)]);
    assert.equal(row.chartFps, 7);
    assert.equal(row.browserFps, 21);
    assert.equal(row.slowestChartFps, 6);
    assert.equal(row.longestFrameMs, 83);
    assert.equal(row.catchUpMs, 83);
    assert.equal(row.inputDelayMs, 12, 'the median of the rounds that had clicks');
    assert.equal(row.mainThreadMsPerDraw, 20 / 7, 'the lower middle of the rounds that drew (2.86 and 5)');
    assert.equal(row.inputDelayMaxMs, 40);
    assert.equal(row.lost, 3);
    assert.equal(row.rounds, 3);
    assert.deepEqual(row.chartFpsRange, [4, 10]);
  });
});
