/**
 * The relay's HTTP server: routes ingest, subscriptions (WebSocket and SSE), the script-tag bundle,
 * health and metrics, and owns the lifecycle (listen, heartbeats, shutdown). The work is in the
 * modules it wires: ingest, subscription, sinks/, engine, bundle, keys, rate-limit, metrics.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { TOKEN_RULE, isValidToken } from '../shared/messages.js';
import { CloseCode, encodeError, parseSubscribeRequest, type SubscribeRequest } from '../shared/protocol.js';
import { BundleServer, defaultBundlePath } from './bundle.js';
import { isChartStudioTail, type HttpParseError } from './chart-studio-tail.js';
import {
  CORS_ALLOW_HEADERS,
  ENGINE_RETRY_MS,
  RELAY_DEFAULTS,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_RETRY_AFTER_S,
} from './constants.js';
import type { Engine } from './engine.js';
import { headerValue, rawResponse, requestUrl, sendJson, sendText } from './http.js';
import { Ingest } from './ingest.js';
import { checkWriteKey, type WriteKeys } from './keys.js';
import { MemoryEngine } from './memory-engine.js';
import { Fanout } from './fanout.js';
import { Metrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { RedisEngine } from './redis-engine.js';
import { openEventStream } from './sinks/sse.js';
import { webSocketSink } from './sinks/websocket.js';
import { Subscription, type FrameSink } from './subscription.js';

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

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const o = {
    ...RELAY_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as typeof RELAY_DEFAULTS & RelayOptions;
  const log = o.log ?? ((line: string) => console.error(`plotly-stream-relay: ${line}`));
  const keys: WriteKeys | null =
    o.keys == null ? null : o.keys instanceof Map ? o.keys : new Map(Object.entries(o.keys));
  const limits = { messages: o.historyMessages, bytes: o.historyBytes };
  const engine: Engine =
    o.engine ??
    (o.redis !== undefined
      ? await RedisEngine.connect({ url: o.redis, prefix: o.redisPrefix, limits, log })
      : new MemoryEngine(limits));
  const historySize = (token: string) =>
    engine instanceof MemoryEngine ? engine.size(token) : { messages: 0, bytes: 0 };
  const fanout = new Fanout(engine);
  const metrics = new Metrics();
  const limiter = new RateLimiter(o.rateLimit);
  const bundles = new BundleServer(o.bundlePath ?? defaultBundlePath(), o.cors);
  const producers = new Map<string, Ingest>();
  const ingestBySocket = new WeakMap<Socket, Ingest>();
  const subscriptions = new Set<Subscription>();
  let closing = false;
  // Under --workers, /healthz says which worker answered.
  const workerId = cluster.isWorker ? { worker: cluster.worker?.id } : {};

  // --- ingest ---------------------------------------------------------------------------------
  function ingest(req: IncomingMessage, res: ServerResponse): void {
    // A refused ingest may still be sending its body: answer, then close rather than read it.
    const cors = { 'access-control-allow-origin': o.cors, connection: 'close' };
    const token = headerValue(req, 'plotly-streamtoken');
    if (token === undefined || token === '') {
      sendText(res, 406, 'missing header plotly-streamtoken: name the stream to write to\n', cors);
      return;
    }
    if (!isValidToken(token)) {
      sendText(res, 400, `plotly-streamtoken must be ${TOKEN_RULE}\n`, cors);
      return;
    }
    const refused = checkWriteKey(keys, token, req);
    if (refused !== null) {
      log(`ingest for ${token} refused: ${refused}`);
      sendText(res, 401, `${refused}\n`, { ...cors, 'www-authenticate': 'Bearer' });
      return;
    }
    if (closing) {
      sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
      return;
    }
    const counters = metrics.token(token);
    res.setHeader('access-control-allow-origin', o.cors);
    const producer = new Ingest(
      token,
      req,
      res,
      { idleTimeoutMs: o.idleTimeoutMs, maxLineBytes: o.maxLineBytes },
      {
        publish: (text) => engine.publish(token, text, Date.now()),
        onStored: () => {
          counters.messagesIn++;
        },
        allow: () => {
          if (limiter.allow(token)) return true;
          counters.rateLimited++;
          return false;
        },
        onRejected: (error) => {
          if (error.code === 'not-stored') counters.notStored++;
          else counters.rejected++;
          log(
            `ingest ${token}: line ${error.line} ${error.code === 'not-stored' ? 'not stored' : `rejected (${error.code})`}: ${error.message}`,
          );
        },
        onEnd: (ended) => {
          if (producers.get(token) === ended) producers.delete(token);
          claims.delete(ended);
          counters.producers--;
          metrics.connections.ingest--;
          if (ended.summary.closed) log(`ingest ${token} ended: ${ended.summary.closed}`);
        },
      },
    );
    const previous = producers.get(token);
    producers.set(token, producer);
    claimAcrossRelays(token, producer);
    counters.producers++;
    metrics.connections.ingest++;
    ingestBySocket.set(req.socket, producer);
    previous?.finish(409, TAKEN_OVER);
    producer.start();
  }

  // An engine shared by several relays numbers each ingest: the newest wins on every relay.
  const claims = new Map<Ingest, { claim: number | null; newest: number }>();
  const TAKEN_OVER = 'another ingest connection took over this token';
  function claimAcrossRelays(token: string, producer: Ingest): void {
    if (engine.claimProducer === undefined) return;
    const state = { claim: null as number | null, newest: 0 };
    claims.set(producer, state);
    engine.claimProducer(token).then(
      (claim) => {
        state.claim = claim;
        // A newer claim may have been heard before this one's number came back.
        if (state.newest > claim) producer.finish(409, `${TAKEN_OVER} (on another relay)`);
      },
      // Redis away: this relay's own rule still holds; the stores will answer 503 if need be.
      () => undefined,
    );
  }
  engine.onProducerClaim?.((token, claim) => {
    const producer = producers.get(token);
    const state = producer === undefined ? undefined : claims.get(producer);
    if (producer === undefined || state === undefined) return;
    state.newest = Math.max(state.newest, claim);
    if (state.claim !== null && claim > state.claim) producer.finish(409, `${TAKEN_OVER} (on another relay)`);
  });

  // --- subscriptions --------------------------------------------------------------------------
  function readSubscription(req: IncomingMessage): SubscribeRequest {
    const request = parseSubscribeRequest(requestUrl(req).searchParams, headerValue(req, 'last-event-id'));
    request.tokens = request.tokens.slice(0, o.maxTokensPerSubscription);
    return request;
  }

  /** Starts a subscription on a sink; returns what ends it (idempotent). */
  function subscribe(
    kind: 'websocket' | 'sse',
    sink: FrameSink,
    { tokens, invalid, resume }: SubscribeRequest,
  ): () => void {
    const subscription = new Subscription(fanout, tokens, sink, o.maxBufferedBytes, {
      onTooSlow: (names) => {
        for (const name of names) metrics.token(name).slowDisconnects++;
        log(`${kind} subscriber of ${names.join(',')} cut off: more than ${o.maxBufferedBytes} bytes waiting`);
      },
      onReset: (token) => metrics.token(token).resets++,
    });
    subscriptions.add(subscription);
    metrics.connections[kind]++;
    for (const token of tokens) metrics.token(token).subscribers++;
    for (const token of invalid) {
      subscription.sendNow(
        encodeError(
          'bad-token',
          `${JSON.stringify(token.slice(0, 130))} is not a token (${TOKEN_RULE}); not subscribed`,
        ),
      );
    }
    const begin = (): void => {
      subscription.start(resume).catch((error: unknown) => {
        if (subscription.closed) return;
        // The engine is away (Redis down): keep the viewer connected and start again when it is back.
        if (!engine.health().ok) {
          waitingForEngine.set(subscription, begin);
          engineRetry ??= setInterval(retryWaiting, ENGINE_RETRY_MS);
          return;
        }
        log(`subscription to ${tokens.join(',')} failed: ${(error as Error).message}`);
        subscription.close(CloseCode.internalError, 'the relay could not read history');
      });
    };
    begin();
    return () => {
      waitingForEngine.delete(subscription);
      if (!subscriptions.delete(subscription)) return;
      subscription.close();
      metrics.connections[kind]--;
      for (const token of tokens) metrics.token(token).subscribers--;
    };
  }

  /** Subscriptions that could not start while the engine was away, and how to start each again. */
  const waitingForEngine = new Map<Subscription, () => void>();
  let engineRetry: NodeJS.Timeout | null = null;
  function retryWaiting(): void {
    if (!engine.health().ok) return;
    const waiting = [...waitingForEngine.values()];
    waitingForEngine.clear();
    if (engineRetry !== null) clearInterval(engineRetry);
    engineRetry = null;
    for (const begin of waiting) begin();
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (requestUrl(req).pathname !== '/subscribe' || closing) {
      socket.end(rawResponse(closing ? '503 Service Unavailable' : '404 Not Found'));
      return;
    }
    const request = readSubscription(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (request.tokens.length === 0) {
        ws.close(CloseCode.badRequest, 'name at least one valid token: /subscribe?token=...');
        return;
      }
      const done = subscribe('websocket', webSocketSink(ws), request);
      ws.on('close', done);
      ws.on('error', done);
    });
  }

  function serveEventStream(req: IncomingMessage, res: ServerResponse): void {
    const request = readSubscription(req);
    if (request.tokens.length === 0) {
      sendText(res, 400, 'name at least one valid token: /subscribe?token=...\n', {
        'access-control-allow-origin': o.cors,
      });
      return;
    }
    const done = subscribe('sse', openEventStream(res, o.cors), request);
    res.on('close', done);
    res.on('error', done);
  }

  // --- routing --------------------------------------------------------------------------------
  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = requestUrl(req);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': o.cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    switch (url.pathname) {
      case '/':
        if (method === 'POST') ingest(req, res);
        else
          sendText(res, 405, 'ingest takes POST with a plotly-streamtoken header (subscribe at /subscribe)\n', {
            allow: 'POST, OPTIONS',
          });
        return;
      case '/subscribe':
        if (method !== 'GET') sendText(res, 405, 'subscribe with GET\n', { allow: 'GET' });
        else if (String(req.headers.accept ?? '').includes('text/event-stream')) serveEventStream(req, res);
        else
          sendText(res, 426, 'subscribe with a WebSocket upgrade, or with Accept: text/event-stream\n', {
            upgrade: 'websocket',
          });
        return;
      case '/plotly-stream.js':
      case '/plotly-stream.no-plotly.js':
        if (method === 'GET' || method === 'HEAD') bundles.serve(req, res, url.pathname);
        else sendText(res, 405, 'GET only\n', { allow: 'GET, HEAD' });
        return;
      case '/healthz': {
        const health = engine.health();
        if (closing) sendJson(res, 503, { status: 'closing', engine: health.engine });
        else if (!health.ok)
          sendJson(res, 503, { status: 'unavailable', engine: health.engine, reason: health.reason });
        else sendJson(res, 200, { status: 'ok', engine: health.engine, ...workerId });
        return;
      }
      case '/metrics':
        if (url.searchParams.get('format') === 'json') sendJson(res, 200, metrics.toJSON(historySize));
        else
          sendText(res, 200, metrics.toPrometheus(historySize), {
            'content-type': 'text/plain; version=0.0.4; charset=utf-8',
          });
        return;
      default:
        sendText(
          res,
          404,
          'not found: POST / to ingest, GET /subscribe to watch, GET /plotly-stream.js for the element\n',
        );
    }
  }

  /** Requests Node's parser refused: chart_studio's tail is a clean end, anything else a 400 (431). */
  function clientError(error: HttpParseError, socket: Socket): void {
    const producer = ingestBySocket.get(socket);
    if (producer && !producer.done && isChartStudioTail(error)) {
      producer.finishFromTail();
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    log(`malformed HTTP from ${socket.remoteAddress}: ${error.code ?? error.message}`);
    if (producer) {
      producer.abandon();
      socket.end(
        rawResponse(
          status,
          `${JSON.stringify({ ...producer.summary, closed: `malformed HTTP (${error.code})` })}\n`,
          'application/json',
        ),
      );
    } else {
      socket.end(rawResponse(status, `malformed HTTP request (${error.code ?? error.message})\n`));
    }
  }

  // --- lifecycle ------------------------------------------------------------------------------
  const server = createServer({ ...o.httpServerOptions, requestTimeout: 0 }, route);
  // Ingest streams stay open for days: no socket inactivity timeout either (the ingest has its own).
  server.setTimeout(0);
  server.on('upgrade', upgrade);
  server.on('clientError', clientError);

  const heartbeat = setInterval(() => {
    // No heartbeat events while the engine is away: viewers show `stale` instead of a false `live`.
    const healthy = engine.health().ok;
    for (const subscription of subscriptions) subscription.heartbeat(healthy);
  }, o.heartbeatMs);
  heartbeat.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(heartbeat);
    const reason = new Error(`cannot listen on ${o.host}:${o.port}: ${(error as Error).message}`, { cause: error });
    // An engine this call made (Redis connections) must not keep the process alive.
    if (o.engine === undefined) await engine.close();
    throw reason;
  }
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
      if (engineRetry !== null) clearInterval(engineRetry);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const producer of [...producers.values()]) producer.finish(503, 'the relay is shutting down');
      for (const subscription of [...subscriptions])
        subscription.close(CloseCode.goingAway, 'the relay is shutting down');
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(grace);
      wss.close();
      await engine.close();
    },
  };
}
