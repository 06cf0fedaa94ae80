/**
 * Relay benchmarks: ingest throughput, fan-out to many viewers against a bare `ws` broadcaster (the
 * floor), and a slow viewer in the crowd. The relay, the producers and the viewers each run in their
 * own process; everything stays on 127.0.0.1 and stops by itself.
 */
import { encodeColumnRuns, encodeFrame, encodeRun } from '../src/shared/protocol.js';
import { distribution, round, type Distribution } from './lib/stats.js';
import { startWorker, type Worker } from './lib/processes.js';
import { haveRedis, RedisServer, redisVersion } from '../scripts/redis-server.js';
import { DEFAULT_HOSTILE, formatHostileReport, runHostileSuite, type HostileReport } from '../scripts/hostile.js';

export interface RelaySettings {
  ingestLines: number;
  concurrentProducers: number;
  seconds: number;
  fanout: Array<{ kind: 'websocket' | 'sse'; subscribers: number; rate: number }>;
  slowCrowd: { subscribers: number; rate: number } | null;
  payloadBytes: number;
  /** Scenarios run with the Redis engine beside the memory engine (on a redis-server of our own). */
  redisFanout: Array<{ kind: 'websocket' | 'sse'; subscribers: number; rate: number }> | null;
  /** Scenarios run with `--workers 2` (Redis engine) beside one relay with the Redis engine. */
  workersFanout: Array<{ kind: 'websocket' | 'sse'; subscribers: number; rate: number }> | null;
  /** Seconds of the hostile suite (scripts/hostile.ts): the relay's memory against its bound (0: not run). */
  hostileSeconds: number;
  /**
   * A dashboard's connection: one WebSocket viewer of `tokens` tokens, each written by its own
   * producer a line at a time, `rate` lines a second in all: how many frames the page gets for them.
   */
  dashboard: { tokens: number; rate: number } | null;
}

/** One viewer of many tokens (a dashboard page's shared connection), each token written a line at a time. */
export interface DashboardFanoutResult {
  tokens: number;
  rate: number;
  expected: number;
  delivered: number;
  /** Frames the viewer got a second, and data messages in each on average. */
  framesPerSecond: number;
  messagesPerFrame: number;
  latencyMs: Distribution;
  cpuPercent: number;
  cpuSecondsPerMillion: number;
}

export interface FanoutResult {
  kind: 'websocket' | 'sse';
  subscribers: number;
  rate: number;
  server:
    | 'relay'
    | 'relay, V8 heap growth'
    | 'bare ws'
    | 'bare ws, frame per message'
    | 'relay, Redis engine'
    | 'relay, 2 workers';
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  latencyMs: Distribution;
  cpuPercent: number;
  /** The server's CPU time per million delivered messages: comparable when a server falls behind. */
  cpuSecondsPerMillion: number;
  rssMiB: number;
}

export interface IngestResult {
  oneProducerLinesPerSecond: number;
  concurrentProducers: number;
  concurrentLinesPerSecond: number;
}

/** What a tick's frame costs the relay to build (once for every viewer at the edge), as a run of messages and as columns. */
export interface FrameBuildResult {
  /** Messages per tick. */
  messages: number;
  runMicrosPerMessage: number;
  columnsMicrosPerMessage: number;
  runBytesPerMessage: number;
  columnsBytesPerMessage: number;
}

export interface RelayResults {
  ingest: IngestResult;
  frameBuild: FrameBuildResult;
  /** The same with the Redis engine (null when redis-server is not installed). */
  redis: { ingest: IngestResult; fanout: FanoutResult[]; workers: FanoutResult[]; server: string } | null;
  fanout: FanoutResult[];
  /** The relay under every hostile client at once: its peak memory against the documented bound. */
  hostile: HostileReport | null;
  /** The same with V8's own heap growth (--heap-growth 0), what the CLI's default is weighed against. */
  hostileV8Growth: HostileReport | null;
  slowSubscriber: { withoutSlow: Distribution; withSlow: Distribution; subscribers: number; rate: number } | null;
  dashboard: DashboardFanoutResult | null;
}

interface Usage {
  cpuMs: number;
  rss: number;
  at: number;
}

/** Deliveries a second (viewers × rate) up to which the frame-per-message floor is run. */
const PER_MESSAGE_FLOOR_MAX = 1_000_000;

/** Relays started so far: each gets its own Redis key prefix. */
let runs = 0;

async function measure(
  server: Worker,
  run: () => Promise<unknown>,
): Promise<{ cpuPercent: number; cpuSeconds: number; rssMiB: number }> {
  const before = await server.ask<Usage>({ op: 'usage' });
  let peakRss = before.rss;
  const sampler = setInterval(async () => {
    const now = await server.ask<Usage>({ op: 'usage' });
    peakRss = Math.max(peakRss, now.rss);
  }, 250);
  await run();
  clearInterval(sampler);
  const after = await server.ask<Usage>({ op: 'usage' });
  peakRss = Math.max(peakRss, after.rss);
  return {
    cpuPercent: (100 * (after.cpuMs - before.cpuMs)) / (after.at - before.at),
    cpuSeconds: (after.cpuMs - before.cpuMs) / 1000,
    rssMiB: peakRss / 2 ** 20,
  };
}

/** A server's CPU seconds per million messages delivered (comparable when a server falls behind). */
const perMillion = (cpuSeconds: number, delivered: number) => round(cpuSeconds / Math.max(1e-6, delivered / 1e6), 2);

async function fanoutRun(
  settings: RelaySettings,
  scenario: RelaySettings['fanout'][number],
  serverKind: FanoutResult['server'],
  slow = false,
  redisUrl = '',
): Promise<FanoutResult> {
  const relay = serverKind !== 'bare ws' && serverKind !== 'bare ws, frame per message';
  // The CLI's heap growth, or V8's own rule (0) to weigh what the CLI's costs.
  const heapGrowth = serverKind === 'relay, V8 heap growth' ? '0' : '';
  // Each run its own Redis keys: a run must not replay the previous run's history to its viewers.
  const prefix = `bench${++runs}:`;
  const server = await (serverKind === 'relay, 2 workers'
    ? startWorker('relay-cluster', [redisUrl, '2', prefix])
    : relay
      ? startWorker('relay-server', [String(4 * 1024 * 1024), redisUrl, prefix, heapGrowth])
      : startWorker('bare-broadcaster'));
  const crowd = await startWorker('subscribers');
  const producer = relay ? await startWorker('producer') : null;
  try {
    const url = await server.ask<string>({ op: 'url' });
    await crowd.ask({ op: 'open', url, token: 'fan', count: scenario.subscribers, kind: scenario.kind, slow });
    await new Promise((r) => setTimeout(r, 200)); // history and ready frames settle
    await crowd.ask({ op: 'reset' });
    const payload = 'x'.repeat(settings.payloadBytes);
    const started = performance.now();
    let sent = 0;
    const usage = await measure(server, async () => {
      sent =
        producer !== null
          ? await producer.ask<number>({
              op: 'paced',
              url,
              token: 'fan',
              rate: scenario.rate,
              seconds: settings.seconds,
              payload,
            })
          : await server.ask<number>({
              op: 'run',
              rate: scenario.rate,
              seconds: settings.seconds,
              payload,
              perMessage: serverKind === 'bare ws, frame per message',
            });
      await new Promise((r) => setTimeout(r, 300)); // the tail drains
    });
    // The crowd answers once it has read what was waiting for it: delivery ends no sooner.
    const collected = await crowd.ask<{ received: number; latencies: number[] }>({ op: 'collect' });
    const elapsed = Math.max(settings.seconds, (performance.now() - started) / 1000);
    await crowd.ask({ op: 'close' });
    return {
      ...scenario,
      server: serverKind,
      expected: sent * scenario.subscribers,
      delivered: collected.received,
      deliveredPerSecond: round(collected.received / elapsed, 0),
      latencyMs: distribution(collected.latencies),
      cpuPercent: round(usage.cpuPercent, 1),
      cpuSecondsPerMillion: perMillion(usage.cpuSeconds, collected.received),
      rssMiB: round(usage.rssMiB, 1),
    };
  } finally {
    await Promise.all([server.stop(), crowd.stop(), producer?.stop()]);
  }
}

async function dashboardRun(
  settings: RelaySettings,
  { tokens: count, rate }: { tokens: number; rate: number },
): Promise<DashboardFanoutResult> {
  const server = await startWorker('relay-server', [String(4 * 1024 * 1024), '', `bench${++runs}:`, '']);
  const crowd = await startWorker('subscribers');
  const producer = await startWorker('producer');
  try {
    const url = await server.ask<string>({ op: 'url' });
    const tokens = Array.from({ length: count }, (_, i) => `dash${i}`);
    await crowd.ask({ op: 'open', url, tokens, count: 1, kind: 'websocket' });
    await new Promise((r) => setTimeout(r, 200)); // the ready frame settles
    await crowd.ask({ op: 'reset' });
    const started = performance.now();
    let sent = 0;
    const usage = await measure(server, async () => {
      sent = await producer.ask<number>({ op: 'paced-many', url, tokens, rate, seconds: settings.seconds });
      await new Promise((r) => setTimeout(r, 300)); // the tail drains
    });
    const collected = await crowd.ask<{ received: number; frames: number; latencies: number[] }>({ op: 'collect' });
    const elapsed = Math.max(settings.seconds, (performance.now() - started) / 1000);
    await crowd.ask({ op: 'close' });
    return {
      tokens: count,
      rate,
      expected: sent,
      delivered: collected.received,
      framesPerSecond: round(collected.frames / elapsed, 0),
      messagesPerFrame: round(collected.received / Math.max(1, collected.frames), 1),
      latencyMs: distribution(collected.latencies),
      cpuPercent: round(usage.cpuPercent, 1),
      cpuSecondsPerMillion: perMillion(usage.cpuSeconds, collected.received),
    };
  } finally {
    await Promise.all([server.stop(), crowd.stop(), producer.stop()]);
  }
}

async function ingestRun(settings: RelaySettings, redisUrl = ''): Promise<IngestResult> {
  const server = await startWorker('relay-server', [String(4 * 1024 * 1024), redisUrl, `bench${++runs}:`]);
  const producer = await startWorker('producer');
  try {
    const url = await server.ask<string>({ op: 'url' });
    const one = await producer.ask<{ seconds: number; accepted: number }>({
      op: 'flood',
      url,
      token: 'ingest',
      lines: settings.ingestLines,
    });
    const many = await producer.ask<{ seconds: number; accepted: number }>({
      op: 'flood-many',
      url,
      token: 'ingest-many-',
      producers: settings.concurrentProducers,
      lines: Math.ceil(settings.ingestLines / settings.concurrentProducers),
    });
    return {
      oneProducerLinesPerSecond: round(one.accepted / one.seconds, 0),
      concurrentProducers: settings.concurrentProducers,
      concurrentLinesPerSecond: round(many.accepted / many.seconds, 0),
    };
  } finally {
    await Promise.all([server.stop(), producer.stop()]);
  }
}

/**
 * Builds the same ticks (messages like a sensor's, `{"x":..,"y":..}`) as one run of messages and as
 * runs with columns, alternately in this process, and times each: the relay's cost of columns.
 */
function frameBuildRun(messages = 2000, ticks = 300): FrameBuildResult {
  const texts = Array.from(
    { length: messages },
    (_, i) => `{"x":${1_764_000_000_000 + i},"y":${((i * 7919) % 1000) / 10}}`,
  );
  const times = texts.map(() => 1_764_000_000_000);
  let runMs = 0;
  let columnsMs = 0;
  let runBytes = 0;
  let columnsBytes = 0;
  for (let t = 0; t < ticks; t++) {
    let started = performance.now();
    const run = encodeRun('fan', 'e', 1 + t * messages, times, texts);
    runMs += performance.now() - started;
    started = performance.now();
    const columns = encodeFrame(encodeColumnRuns('fan', 'e', 1 + t * messages, times, texts));
    columnsMs += performance.now() - started;
    runBytes = run.length;
    columnsBytes = columns.length;
  }
  const perMessage = (ms: number) => round((1000 * ms) / ticks / messages, 3);
  return {
    messages,
    runMicrosPerMessage: perMessage(runMs),
    columnsMicrosPerMessage: perMessage(columnsMs),
    runBytesPerMessage: round(runBytes / messages, 1),
    columnsBytesPerMessage: round(columnsBytes / messages, 1),
  };
}

export async function relayBench(settings: RelaySettings, log: (line: string) => void): Promise<RelayResults> {
  const frameBuild = frameBuildRun();
  log(
    `frame building, ${frameBuild.messages} messages a tick: a run ${frameBuild.runMicrosPerMessage} µs and ${frameBuild.runBytesPerMessage} bytes a message, ` +
      `columns ${frameBuild.columnsMicrosPerMessage} µs and ${frameBuild.columnsBytesPerMessage} bytes`,
  );
  const ingest = await ingestRun(settings);
  log(
    `relay ingest: ${ingest.oneProducerLinesPerSecond} lines/s (1 producer), ${ingest.concurrentLinesPerSecond} lines/s (${settings.concurrentProducers})`,
  );

  const fanout: FanoutResult[] = [];
  for (const scenario of settings.fanout) {
    for (const serverKind of ['relay', 'relay, V8 heap growth', 'bare ws, frame per message', 'bare ws'] as const) {
      if (serverKind !== 'relay' && scenario.kind === 'sse') continue;
      // A frame per message falls minutes behind past this (it delivers ~150k msgs/s here): not run.
      if (serverKind === 'bare ws, frame per message' && scenario.subscribers * scenario.rate > PER_MESSAGE_FLOOR_MAX)
        continue;
      const result = await fanoutRun(settings, scenario, serverKind);
      fanout.push(result);
      log(
        `fan-out ${serverKind} ${scenario.subscribers} ${scenario.kind} @ ${scenario.rate}/s: ${result.deliveredPerSecond} msgs/s delivered ` +
          `(${result.delivered}/${result.expected}), p50 ${round(result.latencyMs.p50)} ms, p99 ${round(result.latencyMs.p99)} ms, cpu ${result.cpuPercent}% (${result.cpuSecondsPerMillion} s per 1M delivered)`,
      );
    }
  }

  let slowSubscriber: RelayResults['slowSubscriber'] = null;
  if (settings.slowCrowd) {
    const scenario = { kind: 'websocket' as const, ...settings.slowCrowd };
    const without = await fanoutRun(settings, scenario, 'relay', false);
    const withSlow = await fanoutRun(settings, scenario, 'relay', true);
    slowSubscriber = { withoutSlow: without.latencyMs, withSlow: withSlow.latencyMs, ...settings.slowCrowd };
    log(
      `slow subscriber: others' p99 ${round(without.latencyMs.p99)} ms without, ${round(withSlow.latencyMs.p99)} ms with`,
    );
  }
  let dashboard: DashboardFanoutResult | null = null;
  if (settings.dashboard !== null) {
    dashboard = await dashboardRun(settings, settings.dashboard);
    log(
      `one viewer of ${dashboard.tokens} tokens, each written a line at a time, ${dashboard.rate}/s in all: ${dashboard.framesPerSecond} frames/s ` +
        `(${dashboard.messagesPerFrame} messages a frame), ${dashboard.delivered}/${dashboard.expected} delivered, p99 ${round(dashboard.latencyMs.p99)} ms, ` +
        `cpu ${dashboard.cpuPercent}% (${dashboard.cpuSecondsPerMillion} s per 1M delivered)`,
    );
  }
  let redis: RelayResults['redis'] = null;
  if (settings.redisFanout !== null && haveRedis) {
    const server = await RedisServer.start();
    try {
      const redisIngest = await ingestRun(settings, server.url);
      log(
        `relay ingest, Redis engine: ${redisIngest.oneProducerLinesPerSecond} lines/s (1 producer), ${redisIngest.concurrentLinesPerSecond} lines/s (${settings.concurrentProducers})`,
      );
      const redisFanout: FanoutResult[] = [];
      for (const scenario of settings.redisFanout) {
        const result = await fanoutRun(settings, scenario, 'relay, Redis engine', false, server.url);
        redisFanout.push(result);
        log(
          `fan-out, Redis engine, ${scenario.subscribers} ${scenario.kind} @ ${scenario.rate}/s: ${result.deliveredPerSecond} msgs/s delivered ` +
            `(${result.delivered}/${result.expected}), p50 ${round(result.latencyMs.p50)} ms, p99 ${round(result.latencyMs.p99)} ms, cpu ${result.cpuPercent}%`,
        );
      }
      const workers: FanoutResult[] = [];
      for (const scenario of settings.workersFanout ?? []) {
        const result = await fanoutRun(settings, scenario, 'relay, 2 workers', false, server.url);
        workers.push(result);
        log(
          `fan-out, --workers 2, ${scenario.subscribers} ${scenario.kind} @ ${scenario.rate}/s: ${result.deliveredPerSecond} msgs/s delivered ` +
            `(${result.delivered}/${result.expected}), p50 ${round(result.latencyMs.p50)} ms, p99 ${round(result.latencyMs.p99)} ms, cpu ${result.cpuPercent}%`,
        );
      }
      redis = { ingest: redisIngest, fanout: redisFanout, workers, server: redisVersion() };
    } finally {
      await server.stop();
    }
  } else if (settings.redisFanout !== null) {
    log('Redis engine rows skipped: redis-server is not installed (apt-get install -y redis-server)');
  }

  let hostile: HostileReport | null = null;
  let hostileV8Growth: HostileReport | null = null;
  if (settings.hostileSeconds > 0) {
    hostile = await runHostileSuite({ ...DEFAULT_HOSTILE, seconds: settings.hostileSeconds });
    for (const line of formatHostileReport(hostile).split('\n')) log(line);
    hostileV8Growth = await runHostileSuite({
      ...DEFAULT_HOSTILE,
      seconds: settings.hostileSeconds,
      heapGrowthPercent: 0,
    });
    log("the same with V8's own heap growth (--heap-growth 0):");
    for (const line of formatHostileReport(hostileV8Growth).split('\n')) log(line);
  }

  return { ingest, frameBuild, redis, fanout, slowSubscriber, dashboard, hostile, hostileV8Growth };
}
