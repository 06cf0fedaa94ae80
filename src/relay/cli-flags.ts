/**
 * The relay's command line read: `--help`'s text, the flags (and their environment variables) turned
 * into `RelayOptions`, each wrong value one line and exit code 2, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { loadKeysFile, parseKeys } from './access/keys.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, FD_RESERVE, REDIS_DEFAULTS, RELAY_DEFAULTS } from './constants.js';
import { isHeapGrowthPercent, MAX_HEAP_GROWTH_PERCENT } from './heap-growth.js';
import type { RelayOptions } from './options.js';

export const HELP = `plotly-stream-relay: a self-hosted Plotly streaming relay

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
  --mqtt URL            also take points from an MQTT broker (mqtt://user:pass@host:1883): each
                        message's payload (a JSON object or NDJSON lines) goes to the token named by
                        its topic's last level; write keys do not apply. Also PLOTLY_STREAM_MQTT
  --mqtt-topic FILTER   the topic filter to subscribe to (default plotly/+)
  --keys FILE           write keys: JSON {"token": "key"} or token=key lines; "*" covers other tokens.
                        Also from the environment: PLOTLY_STREAM_KEYS="token=key,other=key2"

Access:
  --allow-origin LIST   pages (by Origin) that may subscribe and POST besides loopback pages and the
                        relay's own address: https://app.example.com, https://*.example.com, null
                        (pages opened from disk), or * (every page); commas between them
  --read-secret SECRET  private streams: viewers need a JWT (HS256) signed with SECRET (32+ bytes).
                        Better from the environment: PLOTLY_STREAM_READ_SECRET
  --read-public-key FILE  private streams: viewers need a JWT (RS256/ES256) this PEM key verifies
  --metrics-token TEXT  /metrics needs Authorization: Bearer TEXT (also PLOTLY_STREAM_METRICS_TOKEN)
  --metrics-port N      serve /metrics on 127.0.0.1:N only, not on the main port
  --tls-cert FILE       serve https (HTTP/2 and HTTP/1.1) and wss with this PEM certificate (chain) ...
  --tls-key FILE        ... and this PEM private key
  --plain-port N        with --tls-cert: plain HTTP on port N too, same routes (Plotly's npm client
                        streams plain HTTP to port 80; Arduino boards have no TLS). Write keys sent
                        there cross the network unencrypted

Limits:
  --token-ttl SECS      forget a token nobody writes or reads this long (default ${RELAY_DEFAULTS.tokenTtlMs / 1000}; 0: never)
  --history-total SIZE  history kept across all tokens; the least recently written goes first (default 256MiB)
  --max-total-buffer SIZE  bytes waiting for all viewers together; past it the most behind are cut off (default 256MiB)
  --max-total-line-buffer SIZE  bytes of producers' lines begun and not ended (or not yet stored), all
                        together; past it the ingest holding the most gets 503 (default 64MiB)
  --headers-timeout SECS  a connection must send its request's headers this soon (default ${RELAY_DEFAULTS.headersTimeoutMs / 1000})
  --max-connections N   open connections in all (default: the open-file limit less ${FD_RESERVE})
  --max-client-connections N  open connections per client address, loopback exempt (default ${RELAY_DEFAULTS.maxConnectionsPerClient}; 0: none)
  --subscribe-rate N    subscribe requests (and chart pages and API calls) a second per client address,
                        loopback exempt (default ${RELAY_DEFAULTS.subscribeRate}; 0: none)
  --heap-growth PERCENT  how far the heap may grow past what is live before V8 collects it (default
                        ${DEFAULT_HEAP_GROWTH_PERCENT}; 0: V8's own rule, which may hold several times what is live)

  --quiet               log nothing but errors at start
  -h, --help            this text
  -v, --version         the version

Sizes take a unit: 512KiB, 4MiB, 1GiB (or plain bytes).

plotly-stream-relay sign-read-token --streams LIST --expires SPAN [--read-secret SECRET | --private-key FILE]
  prints a read token for a viewer: LIST is tokens or prefixes* (commas), SPAN like 3600, 30m, 1h, 7d;
  the secret defaults to PLOTLY_STREAM_READ_SECRET.
`;

/** Exits 2 with one line (and, for a wrong flag, a pointer to --help); never a stack trace. */
export function fail(message: string, { usage = true } = {}): never {
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

export function version(): string {
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

export function readFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    fail(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      usage: false,
    });
  }
}

/** What the command line asks for: the help, the version, or a relay (with `workers` processes). */
export type CliRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      options: RelayOptions;
      workers: number;
      quiet: boolean;
      writeKeyTokens: string[];
      /** Percent the heap may grow past what is live (`limitHeapGrowth`): process-wide, so not a relay option. */
      heapGrowthPercent: number;
    };

/** The relay's flags that take a value (`--allow-origin` may be given more than once). */
const VALUE_FLAGS = [
  'port',
  'host',
  'history',
  'history-bytes',
  'idle-timeout',
  'max-line',
  'rate-limit',
  'heartbeat',
  'max-buffer',
  'keys',
  'redis',
  'redis-prefix',
  'mqtt',
  'mqtt-topic',
  'workers',
  'read-secret',
  'read-public-key',
  'metrics-token',
  'metrics-port',
  'tls-cert',
  'tls-key',
  'plain-port',
  'token-ttl',
  'history-total',
  'max-total-buffer',
  'max-total-line-buffer',
  'headers-timeout',
  'max-connections',
  'max-client-connections',
  'subscribe-rate',
  'heap-growth',
] as const;

/** Switches and repeatable flags, as `parseArgs` takes them. */
const OTHER_FLAGS = {
  'allow-origin': { type: 'string', multiple: true },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type FlagValues<F extends string> = Partial<Record<F, string>> & {
  'allow-origin'?: string[];
  quiet?: boolean;
  help?: boolean;
  version?: boolean;
};

/** Reads `argv` against the flags named (each takes a value) and `others`; exits 2 on an unknown or malformed one. */
export function readFlags<F extends string>(
  argv: string[],
  valueFlags: readonly F[],
  others: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {},
): FlagValues<F> {
  const options = { ...Object.fromEntries(valueFlags.map((name) => [name, { type: 'string' as const }])), ...others };
  try {
    return parseArgs({ args: argv, options, strict: true }).values as FlagValues<F>;
  } catch (error) {
    fail((error as Error).message);
  }
}

/** Reads the relay's flags; exits 2 with one line on a wrong one. */
export function parseFlags(argv: string[]): CliRequest {
  const v = readFlags(argv, VALUE_FLAGS, OTHER_FLAGS);
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };
  const options: RelayOptions = {};
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
  const mqttUrl = v.mqtt ?? process.env['PLOTLY_STREAM_MQTT'];
  if (mqttUrl !== undefined && mqttUrl !== '') {
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(mqttUrl)) fail('--mqtt needs a broker URL: mqtt://host:1883');
    options.mqtt = { url: mqttUrl, ...(v['mqtt-topic'] === undefined ? {} : { topic: v['mqtt-topic'] }) };
  } else if (v['mqtt-topic'] !== undefined) fail('--mqtt-topic needs --mqtt (or PLOTLY_STREAM_MQTT)');
  if (v['allow-origin'] !== undefined) options.allowOrigin = v['allow-origin'].flatMap((x) => x.split(','));
  const readSecret = v['read-secret'] ?? process.env['PLOTLY_STREAM_READ_SECRET'];
  if (readSecret !== undefined && readSecret !== '') options.readSecret = readSecret;
  if (v['read-public-key'] !== undefined) {
    if (options.readSecret !== undefined)
      fail('give --read-secret (or PLOTLY_STREAM_READ_SECRET) or --read-public-key, not both');
    options.readPublicKey = readFile(v['read-public-key'], '--read-public-key');
  }
  const metricsToken = v['metrics-token'] ?? process.env['PLOTLY_STREAM_METRICS_TOKEN'];
  if (metricsToken !== undefined && metricsToken !== '') options.metricsToken = metricsToken;
  if (v['metrics-port'] !== undefined) options.metricsPort = parseCount(v['metrics-port'], '--metrics-port');
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) fail('--tls-cert and --tls-key go together');
  if (v['tls-cert'] !== undefined && v['tls-key'] !== undefined)
    options.tls = { cert: readFile(v['tls-cert'], '--tls-cert'), key: readFile(v['tls-key'], '--tls-key') };
  if (v['plain-port'] !== undefined) {
    if (options.tls === undefined) fail('--plain-port goes with --tls-cert (without TLS, --port is plain already)');
    options.plainPort = parseCount(v['plain-port'], '--plain-port');
  }
  if (v['token-ttl'] !== undefined) options.tokenTtlMs = parseCount(v['token-ttl'], '--token-ttl') * 1000;
  if (v['history-total'] !== undefined) options.historyTotalBytes = parseSize(v['history-total'], '--history-total');
  if (v['max-total-buffer'] !== undefined)
    options.maxTotalBufferedBytes = parseSize(v['max-total-buffer'], '--max-total-buffer');
  if (v['max-total-line-buffer'] !== undefined)
    options.maxTotalLineBytes = parseSize(v['max-total-line-buffer'], '--max-total-line-buffer');
  if (v['headers-timeout'] !== undefined)
    options.headersTimeoutMs = parseCount(v['headers-timeout'], '--headers-timeout') * 1000;
  if (v['max-connections'] !== undefined)
    options.maxConnections = parseCount(v['max-connections'], '--max-connections', 1);
  if (v['max-client-connections'] !== undefined)
    options.maxConnectionsPerClient = parseCount(v['max-client-connections'], '--max-client-connections');
  if (v['subscribe-rate'] !== undefined) options.subscribeRate = parseCount(v['subscribe-rate'], '--subscribe-rate');
  let heapGrowthPercent = DEFAULT_HEAP_GROWTH_PERCENT;
  if (v['heap-growth'] !== undefined) {
    heapGrowthPercent = parseCount(v['heap-growth'], '--heap-growth');
    if (!isHeapGrowthPercent(heapGrowthPercent))
      fail(`--heap-growth must be a whole percent from 0 to ${MAX_HEAP_GROWTH_PERCENT}, got "${v['heap-growth']}"`);
  }
  let workers = 1;
  if (v.workers !== undefined) {
    workers = v.workers === 'auto' ? availableParallelism() : parseCount(v.workers, '--workers', 1);
    if (!Number.isInteger(workers)) fail(`--workers must be a whole number or auto, got "${v.workers}"`);
  }
  // Every worker would subscribe and store each MQTT message once per worker.
  if (workers > 1 && options.mqtt !== undefined)
    fail('--mqtt takes one relay process: give it to a relay without --workers (it shares tokens through --redis)');

  const keys = new Map<string, string>();
  try {
    if (process.env['PLOTLY_STREAM_KEYS'])
      for (const [t, k] of parseKeys(process.env['PLOTLY_STREAM_KEYS'])) keys.set(t, k);
    if (v.keys !== undefined) for (const [t, k] of loadKeysFile(v.keys)) keys.set(t, k);
    if (keys.size > 0) options.keys = keys;
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    kind: 'run',
    options,
    workers,
    quiet: v.quiet === true,
    writeKeyTokens: [...keys.keys()],
    heapGrowthPercent,
  };
}
