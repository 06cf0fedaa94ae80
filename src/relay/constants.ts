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
  /** A token nobody writes or reads for this long is forgotten (24 h). */
  tokenTtlMs: 24 * 60 * 60 * 1000,
  /** History kept across all tokens, in bytes (memory engine); the least recently written goes first. */
  historyTotalBytes: 256 * 1024 * 1024,
  /** Bytes waiting for all viewers together; past it, the viewers with the most waiting are cut off. */
  maxTotalBufferedBytes: 256 * 1024 * 1024,
  /** Bytes of producers' lines begun and not ended (or not yet stored), all together; past it, the ingest holding the most gets 503. */
  maxTotalLineBytes: 64 * 1024 * 1024,
  /** A connection must send its request's headers within this long (slowloris). */
  headersTimeoutMs: 10_000,
  /** Open connections per client address (loopback exempt). */
  maxConnectionsPerClient: 128,
  /** Subscribe requests per second per client address (loopback exempt); three times as many at once. */
  subscribeRate: 10,
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
export const CORS_ALLOW_HEADERS =
  'content-type, plotly-streamtoken, plotly-streamkey, plotly-converttimestamp, authorization, last-event-id';

/**
 * Tokens one multiplexed ingest may write (its lines name them): a line naming one more is
 * rejected alone. Plotly's Arduino libraries write a handful; each token held costs the relay a
 * little state for as long as the ingest is open.
 */
export const MAX_TOKENS_PER_INGEST = 64;

/** Rejected lines listed in an ingest's summary (all are counted). */
export const MAX_REPORTED_ERRORS = 10;

/** Stores in flight (an asynchronous engine) before an ingest stops reading its body until they settle. */
export const MAX_PENDING_STORES = 1024;

/** Bytes of lines in stores in flight before an ingest stops reading its body (a thousand 1 MiB lines would be 1 GiB). */
export const MAX_PENDING_STORE_BYTES = 16 * 1024 * 1024;

/** Longest preview of a rejected line in a summary or a log line, in characters. */
export const MAX_ERROR_PREVIEW = 200;

/** What EventSource waits before reconnecting by itself (the element reconnects on its own schedule). */
export const SSE_RETRY_MS = 2000;

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

/** Log lines of one kind (rejected lines, refusals, ...) written per `LOG_WINDOW_MS`; the rest are counted. */
export const LOG_LINES_PER_KIND = 20;

/** The window of `LOG_LINES_PER_KIND`, in ms. */
export const LOG_WINDOW_MS = 1000;

/** A log line is cut to this many characters (what a client sent may be long). */
export const MAX_LOG_LINE = 1000;

/** A read secret (HS256) shorter than this is refused: RFC 7518 asks for a key as long as the hash. */
export const MIN_READ_SECRET_BYTES = 32;

/** Clock skew allowed when checking a read token's `exp`, in seconds. */
export const READ_TOKEN_CLOCK_TOLERANCE_S = 5;

/**
 * What holding a token costs the memory engine besides its messages (its log, epoch, name, map
 * entry: about 670 bytes measured, rounded up): counted against `historyTotalBytes`, so many tiny
 * tokens are bounded as big messages are.
 */
export const TOKEN_OVERHEAD_BYTES = 1024;

/** The memory engine looks for tokens to forget at least this often (ms). */
export const TOKEN_SWEEP_MAX_MS = 60_000;

/** Idle tokens (no producer, no subscriber) that keep their counters in `/metrics`; older ones go. */
export const MAX_METRIC_TOKENS = 1000;

/** HTTP/2 streams one session may have open at once (its SETTINGS_MAX_CONCURRENT_STREAMS); each also counts as a connection. */
export const MAX_STREAMS_PER_SESSION = 128;

/**
 * Bytes of request bodies (hosted charts' JSON, Plotly's plot call) the relay holds at once, all
 * requests together, each until it is answered: a thousand connections each sending a figure of
 * the largest size would otherwise hold a thousand of them. Past it: 503 with Retry-After.
 */
export const MAX_TOTAL_BODY_BYTES = 32 * 1024 * 1024;

/** File descriptors kept free below the process's limit when the connection cap is derived from it. */
export const FD_RESERVE = 128;

/** The largest message a viewer may send up a WebSocket (`ws` maxPayload); a bigger one closes it (1009). */
export const MAX_VIEWER_MESSAGE_BYTES = 64 * 1024;

/** The largest control message the relay reads (64 tokens and their positions fit); a bigger one is refused. */
export const MAX_CONTROL_BYTES = 32 * 1024;

/** Control messages a viewer may send a minute; more are refused, and ten times as many close it. */
export const MAX_VIEWER_MESSAGES_PER_MINUTE = 120;

/**
 * How far the relay process lets V8's heap grow past what was live at its last full collection
 * before it collects again, in percent (`limitHeapGrowth`; the CLI's --heap-growth). V8's own rule
 * lets it reach up to four times what is live when collecting is cheap beside the program, and
 * a relay holding its budgets (hundreds of MiB live) under a churn of big short-lived objects
 * (figures parsed per request, a cut viewer's queue, lines begun and dropped) then held 250 MiB of
 * garbage past them: its memory bound was no bound.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 25;
