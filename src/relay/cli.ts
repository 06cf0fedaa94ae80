#!/usr/bin/env node
/** `plotly-stream-relay`: the relay from the command line. */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { loadKeysFile, parseKeys } from './keys.js';
import { REDIS_DEFAULTS, RELAY_DEFAULTS } from './constants.js';
import { RedisEngine, redactRedisUrl } from './redis-engine.js';
import { createRelay, type RelayOptions } from './server.js';
import { runPrimary, type WorkerListening } from './workers.js';

const HELP = `plotly-stream-relay: a self-hosted Plotly streaming relay

Producers POST newline-delimited JSON to / with a plotly-streamtoken header (Plotly's old streaming
protocol); viewers subscribe at /subscribe?token=... over WebSocket or Server-Sent Events;
/plotly-stream.js serves the <plotly-stream> element for a script tag.

Usage: plotly-stream-relay [options]

  --port N              port to listen on (default ${RELAY_DEFAULTS.port}; 0 = any free port)
  --host ADDRESS        address to listen on (default ${RELAY_DEFAULTS.host}; 0.0.0.0 for all)
  --history N           messages kept per token for late joiners and resumes (default ${RELAY_DEFAULTS.historyMessages})
  --history-bytes SIZE  bytes kept per token (default 8MiB)
  --idle-timeout SECS   close an ingest silent this long with 408 (default ${RELAY_DEFAULTS.idleTimeoutMs / 1000})
  --max-line SIZE       longest accepted line; longer lines are rejected alone (default 1MiB)
  --rate-limit N        messages per second per token; past it the ingest gets 429 (default: none)
  --heartbeat SECS      heartbeat and ping interval to subscribers (default ${RELAY_DEFAULTS.heartbeatMs / 1000})
  --max-buffer SIZE     bytes a slow subscriber may have waiting before it is cut off (default 4MiB)
  --redis URL           keep history and live messages in Redis (redis://host:6379): several relays
                        share tokens and a restart keeps every window. Also PLOTLY_STREAM_REDIS.
                        Default: in this process's memory
  --redis-prefix TEXT   prepended to every Redis key and channel (default ${REDIS_DEFAULTS.prefix})
  --workers N|auto      run N relay processes on one port (auto: one per CPU); needs --redis,
                        restarts a worker that dies (default 1: this process alone)
  --keys FILE           write keys: JSON {"token": "key"} or token=key lines; "*" covers other tokens.
                        Also from the environment: PLOTLY_STREAM_KEYS="token=key,other=key2"
  --quiet               log nothing but errors at start
  -h, --help            this text
  -v, --version         the version

Sizes take a unit: 512KiB, 4MiB, 1GiB (or plain bytes).
`;

/** Exits 2 with one line (and, for a wrong flag, a pointer to --help); never a stack trace. */
function fail(message: string, { usage = true } = {}): never {
  console.error(`plotly-stream-relay: ${message}${usage ? '\nRun plotly-stream-relay --help for the options.' : ''}`);
  process.exit(2);
}

function parseSize(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|kb|k|mib|mb|m|gib|gb|g)?$/i.exec(text.trim());
  if (!match) fail(`${name} must be a size like 4MiB, got "${text}"`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const scale = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  return Math.round(Number(match[1]) * scale);
}

function parseCount(text: string, name: string, min = 0): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n) || n < min)
    fail(`${name} must be a number ≥ ${min}, got "${text}"`);
  return n;
}

function version(): string {
  // src/relay/cli.ts or dist/node/relay/cli.js
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'plotly-stream') return pkg.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        history: { type: 'string' },
        'history-bytes': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'max-line': { type: 'string' },
        'rate-limit': { type: 'string' },
        heartbeat: { type: 'string' },
        'max-buffer': { type: 'string' },
        keys: { type: 'string' },
        redis: { type: 'string' },
        'redis-prefix': { type: 'string' },
        workers: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  if (v.version) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const options: RelayOptions = {};
  let writeKeyTokens: string[] = [];
  if (v.port !== undefined) options.port = parseCount(v.port, '--port');
  if (v.host !== undefined) options.host = v.host;
  if (v.history !== undefined) options.historyMessages = parseCount(v.history, '--history', 1);
  if (v['history-bytes'] !== undefined) options.historyBytes = parseSize(v['history-bytes'], '--history-bytes');
  if (v['idle-timeout'] !== undefined)
    options.idleTimeoutMs = parseCount(v['idle-timeout'], '--idle-timeout', 0.001) * 1000;
  if (v['max-line'] !== undefined) options.maxLineBytes = parseSize(v['max-line'], '--max-line');
  if (v['rate-limit'] !== undefined) options.rateLimit = parseCount(v['rate-limit'], '--rate-limit');
  if (v.heartbeat !== undefined) options.heartbeatMs = parseCount(v.heartbeat, '--heartbeat', 0.001) * 1000;
  if (v['max-buffer'] !== undefined) options.maxBufferedBytes = parseSize(v['max-buffer'], '--max-buffer');
  const redis = v.redis ?? process.env['PLOTLY_STREAM_REDIS'];
  if (redis !== undefined && redis !== '') options.redis = redis;
  if (v['redis-prefix'] !== undefined) {
    if (options.redis === undefined) fail('--redis-prefix needs --redis (or PLOTLY_STREAM_REDIS)');
    options.redisPrefix = v['redis-prefix'];
  }
  let workers = 1;
  if (v.workers !== undefined) {
    workers = v.workers === 'auto' ? availableParallelism() : parseCount(v.workers, '--workers', 1);
    if (!Number.isInteger(workers)) fail(`--workers must be a whole number or auto, got "${v.workers}"`);
  }
  if (workers > 1 && options.redis === undefined) {
    fail('--workers needs --redis (or PLOTLY_STREAM_REDIS): the workers share tokens through it');
  }
  try {
    const keys = new Map<string, string>();
    if (process.env['PLOTLY_STREAM_KEYS'])
      for (const [t, k] of parseKeys(process.env['PLOTLY_STREAM_KEYS'])) keys.set(t, k);
    if (v.keys !== undefined) for (const [t, k] of loadKeysFile(v.keys)) keys.set(t, k);
    if (keys.size > 0) options.keys = keys;
    writeKeyTokens = [...keys.keys()];
  } catch (error) {
    fail((error as Error).message);
  }

  const banner = (url: string) => {
    if (v.quiet) return;
    console.error(`plotly-stream-relay listening on ${url}`);
    console.error(
      `  ingest:    curl -H 'plotly-streamtoken: TOKEN' -H 'Transfer-Encoding: chunked' --data-binary @- ${url}/`,
    );
    console.error(`  subscribe: ${url.replace('http', 'ws')}/subscribe?token=TOKEN (or SSE)`);
    console.error(`  element:   <script src="${url}/plotly-stream.js"></script>`);
    if (writeKeyTokens.length > 0) console.error(`  write keys: required for ${writeKeyTokens.join(', ')}`);
    const engine = options.redis !== undefined ? `Redis (${redactRedisUrl(options.redis)})` : 'memory';
    console.error(`  engine:    ${engine}${workers > 1 ? `, ${workers} workers` : ''}`);
  };

  if (workers > 1 && cluster.isPrimary) {
    // Reach Redis once here: a wrong URL is one line, not one per worker.
    try {
      const probe = await RedisEngine.connect({
        url: options.redis as string,
        prefix: options.redisPrefix,
        limits: { messages: 1, bytes: 1 },
      });
      await probe.close();
    } catch (error) {
      fail((error as Error).message, { usage: false });
    }
    runPrimary({ count: workers, onListening: banner, log: (line) => console.error(`plotly-stream-relay: ${line}`) });
    return;
  }

  let relay;
  try {
    relay = await createRelay(options);
  } catch (error) {
    fail((error as Error).message, { usage: false });
  }
  if (cluster.isWorker) process.send?.({ type: 'plotly-stream-listening', url: relay.url } satisfies WorkerListening);
  else banner(relay.url);
  const name = cluster.isWorker ? `plotly-stream-relay (worker ${cluster.worker?.id})` : 'plotly-stream-relay';
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A worker may hear both the terminal's signal and its primary's: the first one counts.
      if (cluster.isWorker) return;
      process.exit(1); // a second signal: do not wait
    }
    stopping = true;
    console.error(`${name}: ${signal}, closing`);
    relay.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main(process.argv.slice(2));
