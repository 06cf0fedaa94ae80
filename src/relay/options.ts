/**
 * What `createRelay` takes (every option documented), and those options with their defaults filled
 * in (`RELAY_DEFAULTS`, also what `--help` prints).
 */
import type { ServerOptions } from 'node:http';
import type { WriteKeys } from './access/keys.js';
import { RELAY_DEFAULTS } from './constants.js';
import type { Engine, HistoryLimits } from './engines/engine.js';

export interface RelayOptions {
  /** Port to listen on (0: any free port). Default 8080. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Messages of history kept per token. Default 5000. */
  historyMessages?: number;
  /** Bytes of history kept per token. Default 8 MiB. */
  historyBytes?: number;
  /** An ingest with no byte for this long gets 408 and is closed. Default 60 000 ms (Plotly's). */
  idleTimeoutMs?: number;
  /** Longest accepted line; a longer one is rejected alone. Default 1 MiB. */
  maxLineBytes?: number;
  /** Messages a second per token; past it the ingest gets 429 and is closed. Default 0 (no limit). */
  rateLimit?: number;
  /** Heartbeat to subscribers (and WebSocket ping) interval. Default 15 000 ms. */
  heartbeatMs?: number;
  /** Outgoing bytes a subscriber may have waiting before it is cut off. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Tokens one subscription may name. Default 64. */
  maxTokensPerSubscription?: number;
  /** Write keys by token (`*`: every other token). None: ingest is open. */
  keys?: WriteKeys | Record<string, string> | null;
  /**
   * An MQTT broker whose messages are produced into tokens: the relay subscribes to `topic`
   * (default `plotly/+`) and publishes each message's payload (a JSON object, or NDJSON lines) to
   * the token named by its topic's last level. Write keys do not apply (the broker's auth does).
   */
  mqtt?: { url: string; topic?: string } | null;
  /**
   * A Redis URL: history and live messages live in Redis (`RedisEngine`), so several relays share
   * tokens and a restart keeps every window. Default: none (a `MemoryEngine`).
   */
  redis?: string;
  /** With `redis`: prepended to every key and channel. Default `plotly-stream:`. */
  redisPrefix?: string;
  /** Where history and live messages live, when given (it takes precedence over `redis`). */
  engine?: Engine;
  /**
   * The script-tag bundle served at /plotly-stream.js. Default: the package's
   * dist/plotly-stream.iife.js. Its sibling `.no-plotly.iife.js` is served at /plotly-stream.no-plotly.js.
   */
  bundlePath?: string;
  /**
   * Pages (by `Origin`) that may subscribe and POST, besides loopback pages and the relay's own
   * address: exact origins, `https://*.example.com` patterns, `null`, or `*` for every page.
   * Requests without `Origin` (not from a page) always pass. See access/origins.ts.
   */
  allowOrigin?: string | readonly string[];
  /** Private streams: viewers need a JWT signed (HS256) with this secret (at least 32 bytes). */
  readSecret?: string;
  /** Private streams: viewers need a JWT signed (RS256 / ES256) by the private half of this PEM public key. */
  readPublicKey?: string | Buffer;
  /** `/metrics` needs `Authorization: Bearer` with this (required for /metrics with private streams, unless `metricsPort`). */
  metricsToken?: string;
  /** Serve `/metrics` on this port of 127.0.0.1 instead of the main port (0: any free port). */
  metricsPort?: number;
  /** Serve https and wss: PEM certificate (chain) and private key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * With `tls`: serve plain HTTP on this port of `host` too, the same routes (0: any free port). For
   * clients that cannot speak TLS: Plotly's npm client streams over plain HTTP to port 80, and
   * Arduino boards have no TLS. Write keys sent to it cross the network unencrypted.
   */
  plainPort?: number;
  /** A token nobody writes or reads for this long is forgotten. Default 24 h (0: never). */
  tokenTtlMs?: number;
  /** History kept across all tokens (memory engine); the least recently written goes first. Default 256 MiB. */
  historyTotalBytes?: number;
  /** Bytes waiting for all viewers together; past it, those with the most waiting are cut off. Default 256 MiB. */
  maxTotalBufferedBytes?: number;
  /**
   * Bytes of producers' lines the relay holds, all together: begun and not yet ended (each at most
   * `maxLineBytes`), or handed to an asynchronous engine and not yet stored. Past it, the ingest
   * holding the most is ended with 503 (its unfinished line dropped). Default 64 MiB.
   */
  maxTotalLineBytes?: number;
  /** A connection must send its request's headers within this long. Default 10 000 ms. */
  headersTimeoutMs?: number;
  /** Open connections in all (refused with 503 past it). Default: the open-file limit less a reserve. */
  maxConnections?: number;
  /** Open connections per client address, loopback exempt (429 past it; 0: no limit). Default 128. */
  maxConnectionsPerClient?: number;
  /** Subscribe requests (and hosted-chart pages and API calls) a second per client address, loopback exempt (429 past it; 0: no limit). Default 10. */
  subscribeRate?: number;
  /** Where log lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Passed to http.createServer; `requestTimeout` is always 0 (ingest streams stay open for days). */
  httpServerOptions?: ServerOptions;
}

/** The options with every default filled in. */
export type ResolvedOptions = typeof RELAY_DEFAULTS & RelayOptions;

/** Fills in the defaults; an option given as `undefined` takes its default. */
export function resolveOptions(options: RelayOptions): ResolvedOptions {
  return {
    ...RELAY_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as ResolvedOptions;
}

/** What each token's history (and all of them together) may hold. */
export function historyLimits(o: ResolvedOptions): HistoryLimits {
  return {
    messages: o.historyMessages,
    bytes: o.historyBytes,
    totalBytes: o.historyTotalBytes,
    tokenTtlMs: o.tokenTtlMs > 0 ? o.tokenTtlMs : undefined,
  };
}
