/**
 * The relay's HTTP server: routes ingest, subscriptions (WebSocket and SSE), the script-tag bundle,
 * health and metrics; holds the options and the lifecycle. The work is in the modules it wires.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_MAX_LINE_BYTES, isValidToken } from '../shared/messages.js';
import { CloseCode, parsePositions, SubscribeParam, type Positions } from '../shared/protocol.js';
import { MemoryEngine, type Engine } from './engine.js';
import { CHART_STUDIO_TAIL, Ingest } from './ingest.js';
import { checkWriteKey, type WriteKeys } from './keys.js';
import { Metrics } from './metrics.js';
import { openEventStream, sseKeepAlive } from './sinks/sse.js';
import { Subscription, type FrameSink } from './subscription.js';
import { pingOrTerminate, watchPongs, webSocketSink } from './sinks/websocket.js';

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
  /** Where history and live messages live. Default: a MemoryEngine with the history limits. */
  engine?: Engine;
  /**
   * The script-tag bundle served at /plotly-stream.js. Default: the package's
   * dist/plotly-stream.iife.js. Its sibling `.no-plotly.iife.js` is served at /plotly-stream.no-plotly.js.
   */
  bundlePath?: string;
  /** Access-Control-Allow-Origin for subscriptions, the bundle and ingest. Default `*`. */
  cors?: string;
  /** Where log lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Passed to http.createServer; `requestTimeout` is always 0 (ingest streams stay open for days). */
  httpServerOptions?: ServerOptions;
}

export interface Relay {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly engine: Engine;
  readonly metrics: Metrics;
  /** Ends ingests (503, summary), closes subscribers (1001 / an SSE error event), stops listening. */
  close(): Promise<void>;
}

export const RELAY_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  historyMessages: 5000,
  historyBytes: 8 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  rateLimit: 0,
  heartbeatMs: 15_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxTokensPerSubscription: 64,
  cors: '*',
} as const;

const INGEST_HEADERS = 'content-type, plotly-streamtoken, plotly-streamkey, authorization, last-event-id';

/** The IIFE bundle next to this file's package (from src/relay or from dist/node/relay). */
function defaultBundlePath(): string {
  for (const relative of ['../../dist/plotly-stream.iife.js', '../../plotly-stream.iife.js']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../dist/plotly-stream.iife.js', import.meta.url));
}

/** A token bucket per token: `rate` messages a second, bursts up to one second's worth. */
class RateLimiter {
  readonly #rate: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(rate: number) {
    this.#rate = rate;
  }
  allow(token: string): boolean {
    if (this.#rate <= 0) return true;
    const now = performance.now();
    const bucket = this.#buckets.get(token) ?? { tokens: this.#rate, at: now };
    bucket.tokens = Math.min(this.#rate, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(token, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

interface Subscriber {
  subscription: Subscription;
  kind: 'websocket' | 'sse';
  socket?: WebSocket;
  res?: ServerResponse;
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const o = { ...RELAY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof RELAY_DEFAULTS &
    RelayOptions;
  const log = o.log ?? ((line: string) => console.error(`plotly-stream-relay: ${line}`));
  const keys: WriteKeys | null = o.keys == null ? null : o.keys instanceof Map ? o.keys : new Map(Object.entries(o.keys));
  const engine = o.engine ?? new MemoryEngine({ messages: o.historyMessages, bytes: o.historyBytes });
  const historySize = (token: string) => (engine instanceof MemoryEngine ? engine.size(token) : { messages: 0, bytes: 0 });
  const metrics = new Metrics();
  const limiter = new RateLimiter(o.rateLimit);
  const producers = new Map<string, Ingest>();
  const ingestBySocket = new WeakMap<Socket, Ingest>();
  const subscribers = new Set<Subscriber>();
  const bundlePath = o.bundlePath ?? defaultBundlePath();
  const bundles: Record<string, string> = {
    '/plotly-stream.js': bundlePath,
    '/plotly-stream.no-plotly.js': bundlePath.replace(/(\.iife)?\.js$/, '.no-plotly.iife.js'),
  };
  const bundleCache = new Map<string, { mtime: number; raw: Buffer; gzip: Buffer; etag: string }>();
  let closing = false;

  // --- ingest ---------------------------------------------------------------------------------
  function ingest(req: IncomingMessage, res: ServerResponse): void {
    // A refused ingest may still be sending its body: answer, then close rather than read it.
    const cors = { 'access-control-allow-origin': o.cors, connection: 'close' };
    const header = req.headers['plotly-streamtoken'];
    const token = Array.isArray(header) ? header[0] : header;
    if (token === undefined || token === '') {
      sendText(res, 406, 'missing header plotly-streamtoken: name the stream to write to\n', cors);
      return;
    }
    if (!isValidToken(token)) {
      sendText(res, 400, 'plotly-streamtoken must be 1-128 characters of A-Z a-z 0-9 _ . ~ -\n', cors);
      return;
    }
    const refused = checkWriteKey(keys, token, req);
    if (refused !== null) {
      log(`ingest for ${token} refused: ${refused}`);
      sendText(res, 401, `${refused}\n`, { ...cors, 'www-authenticate': 'Bearer' });
      return;
    }
    if (closing) {
      sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': '5' });
      return;
    }
    const counters = metrics.token(token);
    res.setHeader('access-control-allow-origin', o.cors);
    const producer = new Ingest(token, req, res, { idleTimeoutMs: o.idleTimeoutMs, maxLineBytes: o.maxLineBytes }, {
      publish: (text) => {
        counters.messagesIn++;
        void engine.publish(token, text);
      },
      allow: () => {
        if (limiter.allow(token)) return true;
        counters.rateLimited++;
        return false;
      },
      onRejected: (error) => {
        counters.rejected++;
        log(`ingest ${token}: line ${error.line} rejected (${error.code}): ${error.message}`);
      },
      onEnd: (ended) => {
        if (producers.get(token) === ended) producers.delete(token);
        counters.producers--;
        metrics.connections.ingest--;
        if (ended.summary.closed) log(`ingest ${token} ended: ${ended.summary.closed}`);
      },
    });
    const previous = producers.get(token);
    producers.set(token, producer);
    counters.producers++;
    metrics.connections.ingest++;
    ingestBySocket.set(req.socket, producer);
    previous?.finish(409, 'another ingest connection took over this token');
    producer.start();
  }

  // --- subscriptions --------------------------------------------------------------------------
  function readSubscription(req: IncomingMessage): { tokens: string[]; invalid: string[]; resume: Positions } {
    const url = new URL(req.url ?? '/', 'http://relay');
    const requested = [...new Set(url.searchParams.getAll(SubscribeParam.token))];
    const tokens = requested.filter(isValidToken).slice(0, o.maxTokensPerSubscription);
    const invalid = requested.filter((t) => !isValidToken(t));
    const resumeValues = url.searchParams.getAll(SubscribeParam.resume);
    const lastEventId = req.headers['last-event-id'];
    if (typeof lastEventId === 'string') resumeValues.unshift(lastEventId);
    return { tokens, invalid, resume: parsePositions(resumeValues) };
  }

  function subscribe(kind: Subscriber['kind'], sink: FrameSink, tokens: string[], invalid: string[], resume: Positions, extra: Partial<Subscriber>) {
    const subscription = new Subscription(engine, tokens, sink, o.maxBufferedBytes, {
      onTooSlow: (names) => {
        for (const name of names) metrics.token(name).slowDisconnects++;
        log(`${kind} subscriber of ${names.join(',')} cut off: more than ${o.maxBufferedBytes} bytes waiting`);
      },
      onReset: (token) => metrics.token(token).resets++,
    });
    const subscriber: Subscriber = { subscription, kind, ...extra };
    subscribers.add(subscriber);
    metrics.connections[kind]++;
    for (const token of tokens) metrics.token(token).subscribers++;
    for (const token of invalid) {
      const message = `${JSON.stringify(token.slice(0, 130))} is not a token (1-128 characters of A-Z a-z 0-9 _ . ~ -); not subscribed`;
      sink.send(JSON.stringify({ type: 'error', code: 'bad-token', message }), () => '');
    }
    subscription.start(resume).catch((error: unknown) => {
      log(`subscription to ${tokens.join(',')} failed: ${(error as Error).message}`);
      subscription.close(1011, 'the relay could not read history');
    });
    return () => {
      if (!subscribers.delete(subscriber)) return;
      subscription.close();
      metrics.connections[kind]--;
      for (const token of tokens) metrics.token(token).subscribers--;
    };
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    if (path !== '/subscribe' || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const { tokens, invalid, resume } = readSubscription(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (tokens.length === 0) {
        ws.close(CloseCode.badRequest, 'name at least one valid token: /subscribe?token=...');
        return;
      }
      watchPongs(ws);
      const done = subscribe('websocket', webSocketSink(ws), tokens, invalid, resume, { socket: ws });
      ws.on('close', done);
      ws.on('error', done);
    });
  }

  function serveEventStream(req: IncomingMessage, res: ServerResponse): void {
    const { tokens, invalid, resume } = readSubscription(req);
    if (tokens.length === 0) {
      sendText(res, 400, 'name at least one valid token: /subscribe?token=...\n', { 'access-control-allow-origin': o.cors });
      return;
    }
    const done = subscribe('sse', openEventStream(res, o.cors), tokens, invalid, resume, { res });
    res.on('close', done);
    res.on('error', done);
  }

  // --- the bundle -----------------------------------------------------------------------------
  function serveBundle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const headers = { 'access-control-allow-origin': o.cors };
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      sendText(res, 503, `the script-tag bundle is not built (${path}): run npm run build\n`, headers);
      return;
    }
    let cache = bundleCache.get(path);
    if (cache === undefined || cache.mtime !== mtime) {
      const raw = readFileSync(path);
      cache = { mtime, raw, gzip: gzipSync(raw), etag: `"${raw.length.toString(36)}-${Math.round(mtime).toString(36)}"` };
      bundleCache.set(path, cache);
    }
    if (req.headers['if-none-match'] === cache.etag) {
      res.writeHead(304, { ...headers, etag: cache.etag });
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? cache.gzip : cache.raw;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'no-cache',
      etag: cache.etag,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  // --- routing --------------------------------------------------------------------------------
  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://relay');
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': o.cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': INGEST_HEADERS,
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    switch (url.pathname) {
      case '/':
        if (method === 'POST') ingest(req, res);
        else sendText(res, 405, 'ingest takes POST with a plotly-streamtoken header (subscribe at /subscribe)\n', { allow: 'POST, OPTIONS' });
        return;
      case '/subscribe':
        if (method !== 'GET') sendText(res, 405, 'subscribe with GET\n', { allow: 'GET' });
        else if (String(req.headers.accept ?? '').includes('text/event-stream')) serveEventStream(req, res);
        else sendText(res, 426, 'subscribe with a WebSocket upgrade, or with Accept: text/event-stream\n', { upgrade: 'websocket' });
        return;
      case '/plotly-stream.js':
      case '/plotly-stream.no-plotly.js':
        if (method === 'GET' || method === 'HEAD') serveBundle(req, res, bundles[url.pathname] as string);
        else sendText(res, 405, 'GET only\n', { allow: 'GET, HEAD' });
        return;
      case '/healthz':
        sendJson(res, closing ? 503 : 200, { status: closing ? 'closing' : 'ok' });
        return;
      case '/metrics':
        if (url.searchParams.get('format') === 'json') sendJson(res, 200, metrics.toJSON(historySize));
        else sendText(res, 200, metrics.toPrometheus(historySize), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return;
      default:
        sendText(res, 404, 'not found: POST / to ingest, GET /subscribe to watch, GET /plotly-stream.js for the element\n');
    }
  }

  const server = createServer({ ...o.httpServerOptions, requestTimeout: 0 }, route);
  // Ingest streams stay open for days: no socket inactivity timeout either (the ingest has its own).
  server.setTimeout(0);
  server.on('upgrade', upgrade);
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const producer = ingestBySocket.get(socket);
    const raw = error.rawPacket?.toString('latin1') ?? '';
    if (producer && !producer.done && error.code === 'HPE_INVALID_CHUNK_SIZE' && raw.startsWith('\r\n') && CHART_STUDIO_TAIL.startsWith(raw)) {
      // chart_studio's Stream.close() sends one CRLF too many after the last chunk: a clean end.
      producer.finishFromTail();
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = producer
      ? `${JSON.stringify({ ...producer.summary, closed: `malformed HTTP (${error.code})` })}\n`
      : `malformed HTTP request (${error.code ?? error.message})\n`;
    producer?.abandon();
    log(`malformed HTTP from ${socket.remoteAddress}: ${error.code ?? error.message}`);
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: ${producer ? 'application/json' : 'text/plain'}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  const heartbeat = setInterval(() => {
    for (const subscriber of subscribers) {
      subscriber.subscription.heartbeat();
      if (subscriber.socket) pingOrTerminate(subscriber.socket);
      if (subscriber.res) sseKeepAlive(subscriber.res);
    }
  }, o.heartbeatMs);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    engine,
    metrics,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const producer of [...producers.values()]) producer.finish(503, 'the relay is shutting down');
      for (const subscriber of [...subscribers]) subscriber.subscription.close(CloseCode.goingAway, 'the relay is shutting down');
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await stopped;
      clearTimeout(grace);
      wss.close();
      await engine.close();
    },
  };
}
