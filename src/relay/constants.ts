/**
 * The relay's constants in one place: option defaults (`RELAY_DEFAULTS`, also what `--help` prints)
 * and the fixed limits and timings nothing configures.
 */

/** Defaults of `createRelay` options and of the CLI's flags. */
export const RELAY_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  historyMessages: 5000,
  historyBytes: 8 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  /** The longest line ingest accepts, in bytes (1 MiB); a longer one is rejected alone. */
  maxLineBytes: 1024 * 1024,
  rateLimit: 0,
  heartbeatMs: 15_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxTokensPerSubscription: 64,
  cors: '*',
} as const;

/** Defaults of the Redis engine (`--redis`, `--redis-prefix`). */
export const REDIS_DEFAULTS = {
  /** Prepended to every key and channel. */
  prefix: 'plotly-stream:',
  /** A Redis command without an answer in this long fails (node-redis has none by default for us). */
  commandTimeoutMs: 5000,
  /** Reconnect attempts back off up to this. */
  maxReconnectDelayMs: 2000,
  /** The pub/sub probe's period: a silent pub/sub connection is replaced within two of them. */
  probeMs: 5000,
} as const;

/** Messages of one token the Redis engine stores in one script call at most. */
export const MAX_PUBLISH_BATCH = 512;

/** Request headers a page may send cross-origin (ingest and SSE resumes). */
export const CORS_ALLOW_HEADERS = 'content-type, plotly-streamtoken, plotly-streamkey, authorization, last-event-id';

/** Rejected lines listed in an ingest's summary (all are counted). */
export const MAX_REPORTED_ERRORS = 10;

/** Stores in flight (an asynchronous engine) before an ingest stops reading its body until they settle. */
export const MAX_PENDING_STORES = 1024;

/** Longest preview of a rejected line in a summary or a log line, in characters. */
export const MAX_ERROR_PREVIEW = 200;

/** What EventSource waits before reconnecting by itself (the element reconnects on its own schedule). */
export const SSE_RETRY_MS = 2000;

/** WebSocket close reasons are limited to 123 bytes; ours are ASCII, cut to this many characters. */
export const MAX_CLOSE_REASON = 120;

/**
 * A token's live frames are at least this far apart (ms): at high rates its messages share frames,
 * one socket write per viewer each, for at most this much more latency.
 */
export const FEED_MIN_INTERVAL_MS = 1;

/** While the engine is away, viewers that arrived wait; the relay looks this often whether it is back. */
export const ENGINE_RETRY_MS = 500;

/** A worker that died (`--workers`) is replaced after this long, so a crash loop does not spin. */
export const WORKER_RESTART_DELAY_MS = 500;

/** On shutdown, connections still open this long after the close began are destroyed. */
export const SHUTDOWN_GRACE_MS = 2000;

/** An ingest answered early is half-closed so the producer can read the answer, then destroyed after this. */
export const EARLY_ANSWER_LINGER_MS = 2000;

/** `Retry-After` of a 503 while shutting down, in seconds. */
export const SHUTDOWN_RETRY_AFTER_S = 5;
