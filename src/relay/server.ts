/**
 * The relay's HTTP server: routes ingest, subscriptions (WebSocket and SSE), the script-tag bundle,
 * health and metrics, and owns the lifecycle (listen, heartbeats, shutdown). The work is in the
 * modules it wires: ingest, subscription, sinks/, engine, bundle, keys, rate-limit, metrics.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { TOKEN_RULE, isValidToken } from '../shared/messages.js';
import { CONTROL_VERSION, CloseCode, parseSubscribeRequest, type SubscribeRequest } from '../shared/protocol.js';
import { BundleServer, defaultBundlePath } from './http/bundle.js';
import { isChartStudioTail, type HttpParseError } from './http/chart-studio-tail.js';
import { ClientLimits, isLoopback } from './access/client-limits.js';
import { ConnectionGuard, defaultMaxConnections } from './access/connection-guard.js';
import { ControlChannel } from './viewers/control.js';
import {
  CORS_ALLOW_HEADERS,
  ENGINE_RETRY_MS,
  MAX_CONTROL_BYTES,
  MAX_STREAMS_PER_SESSION,
  MAX_VIEWER_MESSAGE_BYTES,
  RELAY_DEFAULTS,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_RETRY_AFTER_S,
} from './constants.js';
import type { Engine } from './engines/engine.js';
import {
  BAD_TARGET,
  answerInternalError,
  bearerToken,
  closeReason,
  describeError,
  headerValue,
  isHttp2,
  parseTarget,
  rawResponse,
  sendJson,
  sendText,
  type Headers,
  type RequestTarget,
} from './http/http.js';
import { Ingest } from './producers/ingest.js';
import { LineWriter } from './producers/line-writer.js';
import { Producers } from './producers/producers.js';
import { checkWriteKey, sameSecret, type WriteKeys } from './access/keys.js';
import { RelayLog } from './log.js';
import { Fanout } from './viewers/fanout.js';
import { Metrics } from './metrics.js';
import { MqttBridge } from './producers/mqtt-bridge.js';
import { OriginPolicy } from './access/origins.js';
import { ByteBudget } from './byte-budget.js';
import { RateLimiter } from './access/rate-limit.js';
import { ReadAccess, isRefusal, type ReadGrant, type ReadRefusal } from './access/read-access.js';
import { openEngine } from './engines/open-engine.js';
import { RequestGate } from './access/request-gate.js';
import { openEventStream } from './http/sinks/sse.js';
import { webSocketSink } from './http/sinks/websocket.js';
import { Subscription, badTokensEvent, tooManyTokensEvent, type FrameSink } from './viewers/subscription.js';

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
   * Requests without `Origin` (not from a page) always pass. See origins.ts.
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
  /** Subscribe requests a second per client address, loopback exempt (429 past it; 0: no limit). Default 10. */
  subscribeRate?: number;
  /** Where log lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Passed to http.createServer; `requestTimeout` is always 0 (ingest streams stay open for days). */
  httpServerOptions?: ServerOptions;
}

export interface Relay {
  /** `http://host:port` (`https://` with `tls`) */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** `http://127.0.0.1:port` of `/metrics` when `metricsPort` is set, else null. */
  readonly metricsUrl: string | null;
  readonly engine: Engine;
  readonly metrics: Metrics;
  /** The MQTT bridge when `mqtt` was given (`ready()` resolves once it is subscribed). */
  mqtt: MqttBridge | null;
  /** Ends ingests (503, summary), closes subscribers (1001 / an SSE error event), stops listening. */
  close(): Promise<void>;
}

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const o = {
    ...RELAY_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as typeof RELAY_DEFAULTS & RelayOptions;
  const relayLog = new RelayLog(o.log ?? ((line: string) => console.error(`plotly-stream-relay: ${line}`)));
  const log = relayLog.line.bind(relayLog);
  const keys: WriteKeys | null =
    o.keys == null ? null : o.keys instanceof Map ? o.keys : new Map(Object.entries(o.keys));
  // Everything that can refuse to start is checked before anything is opened.
  const origins = new OriginPolicy(o.allowOrigin);
  if (o.readSecret !== undefined && o.readPublicKey !== undefined)
    throw new Error('give readSecret or readPublicKey, not both');
  const readAccess =
    o.readSecret !== undefined
      ? ReadAccess.fromSecret(o.readSecret)
      : o.readPublicKey !== undefined
        ? ReadAccess.fromPublicKey(o.readPublicKey)
        : null;
  const limits = {
    messages: o.historyMessages,
    bytes: o.historyBytes,
    totalBytes: o.historyTotalBytes,
    tokenTtlMs: o.tokenTtlMs > 0 ? o.tokenTtlMs : undefined,
  };
  const { engine, owned: ownsEngine } = await openEngine({
    ...(o.engine === undefined ? {} : { engine: o.engine }),
    ...(o.redis === undefined ? {} : { redis: o.redis, redisPrefix: o.redisPrefix }),
    limits,
    log: (line) => log('lifecycle', line),
  });
  const historySize = (token: string) => engine.size?.(token) ?? { messages: 0, bytes: 0 };
  const fanout = new Fanout(engine);
  const metrics = new Metrics();
  // What waits for all viewers together, held under maxTotalBufferedBytes at every write.
  const outgoing = new ByteBudget(o.maxTotalBufferedBytes, {
    reason: (limit, held) =>
      `the relay has more than ${limit} bytes waiting for its viewers, ${held} of them for this one; reconnect to resume`,
    onCut: () => metrics.refuse('outgoing-budget'),
  });
  // What producers' unfinished lines hold together, under maxTotalLineBytes at every chunk.
  const lineBudget = new ByteBudget(o.maxTotalLineBytes, {
    reason: (limit, held) =>
      `the relay holds more than ${limit} bytes of producers' lines (begun and not ended, or not yet stored), ${held} of them of this ingest; try again later`,
    onCut: () => metrics.refuse('line-budget'),
  });
  metrics.budgets = { outgoing, lines: lineBudget };
  const limiter = new RateLimiter(o.rateLimit);
  const bundles = new BundleServer(o.bundlePath ?? defaultBundlePath(), '*');
  const clients = new ClientLimits({
    connections: o.maxConnectionsPerClient,
    subscribesPerSecond: o.subscribeRate,
    subscribeBurst: 3 * o.subscribeRate,
  });
  const gate = new RequestGate(origins, readAccess, clients, metrics, relayLog);
  const producers = new Producers(engine);
  // Every producer's lines (HTTP ingests, MQTT devices) reach the engine one way.
  const lines = new LineWriter(engine, limiter, metrics);
  const subscriptions = new Set<Subscription>();
  let closing = false;
  // Under --workers, /healthz says which worker answered.
  const workerId = cluster.isWorker ? { worker: cluster.worker?.id } : {};

  // --- errors ---------------------------------------------------------------------------------
  /**
   * An error thrown while serving a request (a bug of the relay's, or of an engine passed in): it is
   * counted, logged (within the log's budget) and answered 500 on that request, or its connection
   * is closed; the relay serves on. Nothing a client sends may end the process.
   */
  function internalError(where: string, error: unknown, answer: ServerResponse | Socket | null): void {
    metrics.internalErrors++;
    log('internal', `${where} failed: ${describeError(error)}`);
    if (answer !== null) answerInternalError(answer);
  }

  /** A request handler whose throw is an `internalError` on the request it was serving. */
  function guarded<R, A extends ServerResponse | Socket, Rest extends unknown[]>(
    where: string,
    handler: (req: R, answer: A, ...rest: Rest) => void,
  ): (req: R, answer: A, ...rest: Rest) => void {
    return (req, answer, ...rest) => {
      try {
        handler(req, answer, ...rest);
      } catch (error) {
        internalError(where, error, answer);
      }
    };
  }

  // --- ingest ---------------------------------------------------------------------------------
  function ingest(req: IncomingMessage, res: ServerResponse): void {
    // A refused ingest may still be sending its body: answer, then close rather than read it.
    const pageHeaders = gate.cors(req);
    const cors = { ...pageHeaders, connection: 'close' };
    // A page may POST to a relay on the viewer's own machine: only allowed pages may write.
    const badOrigin = gate.checkOrigin(req, 'ingest');
    if (badOrigin !== null) {
      sendText(res, 403, `${badOrigin}\n`, cors);
      return;
    }
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
      metrics.refuse('write-key');
      log('refused', `ingest for ${token} from ${req.socket.remoteAddress} refused: ${refused}`);
      sendText(res, 401, `${refused}\n`, { ...cors, 'www-authenticate': 'Bearer' });
      return;
    }
    if (closing) {
      sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
      return;
    }
    const counters = metrics.connected(token);
    for (const [name, value] of Object.entries(pageHeaders)) res.setHeader(name, value);
    const producer = new Ingest(
      token,
      req,
      res,
      { idleTimeoutMs: o.idleTimeoutMs, maxLineBytes: o.maxLineBytes, lineBudget },
      {
        write: (line) => lines.write(token, line),
        tooLong: () => lines.rejected(token, 'line-too-long'),
        onRejected: (error) =>
          log(
            'rejected',
            `ingest ${token}: line ${error.line} ${error.code === 'not-stored' ? 'not stored' : `rejected (${error.code})`}: ${error.message}`,
          ),
        onEnd: (ended) => {
          producers.remove(ended);
          counters.producers--;
          metrics.connections.ingest--;
          if (ended.summary.closed) log('ended', `ingest ${token} ended: ${ended.summary.closed}`);
        },
      },
    );
    counters.producers++;
    metrics.connections.ingest++;
    producers.add(producer);
    producer.start();
  }

  // --- subscriptions --------------------------------------------------------------------------
  /** The subscription asked for, and the valid tokens past `maxTokensPerSubscription` (not served). */
  function readSubscription(
    req: IncomingMessage,
    target: RequestTarget,
  ): { request: SubscribeRequest; tooMany: string[] } {
    const request = parseSubscribeRequest(target.searchParams, headerValue(req, 'last-event-id'));
    const tooMany = request.tokens.slice(o.maxTokensPerSubscription);
    request.tokens = request.tokens.slice(0, o.maxTokensPerSubscription);
    return { request, tooMany };
  }

  /** Starts a subscription on a sink; returns it and what ends it (idempotent). */
  function subscribe(
    kind: 'websocket' | 'sse',
    sink: FrameSink,
    { request: { tokens, invalid, resume, runs, columns }, tooMany }: { request: SubscribeRequest; tooMany: string[] },
    grant: ReadGrant | null,
  ): { subscription: Subscription; done: () => void } {
    const subscription = new Subscription(
      fanout,
      tokens,
      sink,
      { maxBufferedBytes: o.maxBufferedBytes, runs, columns, budget: outgoing },
      {
        onTooSlow: (names) => {
          for (const name of names) metrics.token(name).slowDisconnects++;
          log('ended', `${kind} subscriber of ${names.join(',')} cut off: it did not keep up`);
        },
        onReset: (token) => metrics.token(token).resets++,
        onError: (error) => internalError(`${kind} subscription to ${tokens.join(',')}`, error, null),
      },
    );
    subscriptions.add(subscription);
    metrics.connections[kind]++;
    for (const token of tokens) metrics.connected(token).subscribers++;
    if (invalid.length > 0) subscription.sendNow(badTokensEvent(invalid, 'not subscribed'));
    if (tooMany.length > 0) subscription.sendNow(tooManyTokensEvent(tooMany, o.maxTokensPerSubscription));
    let expiry: NodeJS.Timeout | null = null;
    const done = () => {
      if (expiry !== null) clearTimeout(expiry);
      waitingForEngine.delete(subscription);
      if (!subscriptions.delete(subscription)) return;
      subscription.close();
      metrics.connections[kind]--;
      for (const token of subscription.tokens) metrics.token(token).subscribers--;
    };
    // A read token is good until it expires: the connection ends then (the viewer asks for a new one).
    if (grant !== null) {
      const expire = () => {
        const left = grant.expiresAt - Date.now();
        if (left > 0) {
          expiry = setTimeout(expire, Math.min(left, 2 ** 31 - 1));
          return;
        }
        metrics.refuse('read-expired');
        subscription.close(CloseCode.unauthorized, 'the read token has expired');
        done();
      };
      expire();
    }
    const begin = (): void => {
      // A WebSocket viewer is told it may change its tokens up the socket (control messages).
      const ready = kind === 'websocket' ? { control: CONTROL_VERSION, maxTokens: o.maxTokensPerSubscription } : {};
      subscription.start(resume, ready).catch((error: unknown) => {
        if (subscription.closed) return;
        // The engine is away (Redis down): keep the viewer connected and start again when it is back.
        if (!engine.health().ok) {
          waitingForEngine.set(subscription, begin);
          engineRetry ??= setInterval(retryWaiting, ENGINE_RETRY_MS);
          return;
        }
        log('lifecycle', `subscription to ${tokens.join(',')} failed: ${(error as Error).message}`);
        subscription.close(CloseCode.internalError, 'the relay could not read history');
      });
    };
    if (!subscription.closed) begin();
    return { subscription, done };
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

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_VIEWER_MESSAGE_BYTES });

  /** A refused upgrade: an HTTP answer on the raw socket (a browser sees only that it failed). */
  function refuseUpgrade(socket: Socket, status: string, text: string, headers: Headers = {}): void {
    socket.end(rawResponse(status, `${text}\n`, 'text/plain; charset=utf-8', headers));
  }

  function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const target = parseTarget(req.url);
    if (target === null) return refuseUpgrade(socket, '400 Bad Request', BAD_TARGET);
    if (target.pathname !== '/subscribe' || closing) {
      socket.end(rawResponse(closing ? '503 Service Unavailable' : '404 Not Found'));
      return;
    }
    const badOrigin = gate.checkOrigin(req, 'WebSocket subscription');
    if (badOrigin !== null) {
      // A browser shows a page nothing of a refused upgrade: accept it and close with 4403 and the
      // reason, as for a refused read token, so the element can stop and say why.
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(CloseCode.forbidden, closeReason(badOrigin)));
      return;
    }
    const wait = gate.checkSubscribeRate(req);
    if (wait > 0)
      return refuseUpgrade(socket, '429 Too Many Requests', 'too many subscribe requests from your address', {
        'retry-after': String(wait),
      });
    const asked = readSubscription(req, target);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Control messages go to the subscription's channel once it exists; before, they wait (a few).
      let control: ControlChannel | null = null;
      const early: Array<[string | null, number]> = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        // A message too big to be a control message is refused by its size: it is not decoded.
        const text = isBinary || data.length > MAX_CONTROL_BYTES ? null : data.toString('utf8');
        const message: [string | null, number] = [text, data.length];
        try {
          if (control !== null) control.receive(...message);
          else if (early.length < 16) early.push(message); // at most 16 x MAX_CONTROL_BYTES, while a read token is checked
        } catch (error) {
          internalError('control message', error, null);
          ws.close(CloseCode.internalError, 'the relay failed to read a control message; reconnect');
        }
      });
      if (asked.request.tokens.length === 0) {
        ws.close(CloseCode.badRequest, 'name at least one valid token: /subscribe?token=...');
        return;
      }
      const accepted = (grant: ReadGrant | ReadRefusal | null) => {
        if (ws.readyState !== ws.OPEN) return;
        if (grant !== null && isRefusal(grant)) {
          ws.close(grant.status === 401 ? CloseCode.unauthorized : CloseCode.forbidden, closeReason(grant.reason));
          return;
        }
        if (closing) {
          ws.close(CloseCode.goingAway, 'the relay is shutting down');
          return;
        }
        const { subscription, done } = subscribe('websocket', webSocketSink(ws as WebSocket), asked, grant);
        ws.on('close', done);
        ws.on('error', done);
        control = new ControlChannel(subscription, {
          maxTokens: o.maxTokensPerSubscription,
          grant,
          onAdded: (tokens) => {
            for (const token of tokens) metrics.connected(token).subscribers++;
          },
          onRemoved: (tokens) => {
            for (const token of tokens) metrics.token(token).subscribers--;
          },
          close: (code, reason) => ws.close(code, closeReason(reason)),
        });
        for (const message of early.splice(0)) control.receive(...message);
      };
      gate
        .checkRead(req, target, asked.request.tokens)
        .then(accepted)
        .catch((error: unknown) => {
          internalError('WebSocket subscription', error, null);
          ws.close(CloseCode.internalError, 'the relay failed to start this subscription');
        });
    });
  }

  function serveEventStream(req: IncomingMessage, res: ServerResponse, target: RequestTarget): void {
    const cors = gate.cors(req);
    const badOrigin = gate.checkOrigin(req, 'SSE subscription');
    if (badOrigin !== null) {
      // As a refused read token is answered: JSON the element reads (its page may read the refusal).
      sendJson(res, 403, { error: 'forbidden', reason: badOrigin }, gate.refusalCors(req));
      return;
    }
    const wait = gate.checkSubscribeRate(req);
    if (wait > 0) {
      sendText(res, 429, 'too many subscribe requests from your address\n', { ...cors, 'retry-after': String(wait) });
      return;
    }
    const asked = readSubscription(req, target);
    if (asked.request.tokens.length === 0) {
      sendText(res, 400, 'name at least one valid token: /subscribe?token=...\n', cors);
      return;
    }
    const accepted = (grant: ReadGrant | ReadRefusal | null) => {
      if (res.destroyed) return;
      if (grant !== null && isRefusal(grant)) {
        sendJson(
          res,
          grant.status,
          { error: grant.code, reason: grant.reason },
          {
            ...cors,
            ...(grant.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {}),
          },
        );
        return;
      }
      if (closing) {
        sendText(res, 503, 'the relay is shutting down\n', { ...cors, 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) });
        return;
      }
      const { done } = subscribe('sse', openEventStream(res, cors), asked, grant);
      res.on('close', done);
      res.on('error', done);
    };
    gate
      .checkRead(req, target, asked.request.tokens)
      .then(accepted)
      .catch((error: unknown) => internalError('SSE subscription', error, res));
  }

  // --- metrics --------------------------------------------------------------------------------
  /** `/metrics` names every token: with private streams it needs the metrics token (or its own port). */
  function serveMetrics(req: IncomingMessage, res: ServerResponse, target: RequestTarget, onOwnPort: boolean): void {
    if (o.metricsToken !== undefined) {
      const presented = bearerToken(req);
      if (presented === undefined || !sameSecret(presented, o.metricsToken)) {
        metrics.refuse('metrics-token');
        sendText(res, 401, 'metrics need Authorization: Bearer with the metrics token\n', {
          'www-authenticate': 'Bearer',
        });
        return;
      }
    } else if (readAccess !== null && !onOwnPort) {
      sendText(
        res,
        403,
        'with private streams, /metrics (which names every token) needs --metrics-token or --metrics-port\n',
      );
      return;
    }
    if (target.searchParams.get('format') === 'json') sendJson(res, 200, metrics.toJSON(historySize));
    else
      sendText(res, 200, metrics.toPrometheus(historySize), {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      });
  }

  // --- routing --------------------------------------------------------------------------------
  function route(req: IncomingMessage, res: ServerResponse): void {
    // An HTTP/2 stream is a connection of its own, against the caps.
    if (isHttp2(req)) {
      const stream = (req as unknown as { stream: ServerHttp2Stream }).stream;
      const refused = guard.admitStream(stream, req.socket.remoteAddress);
      if (refused !== null) {
        sendText(res, refused.status, refused.text, { 'retry-after': String(refused.retryAfter) });
        return;
      }
    }
    const target = parseTarget(req.url);
    if (target === null) {
      sendText(res, 400, `${BAD_TARGET}\n`, { connection: 'close' });
      return;
    }
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      // A preflight from a page that is not allowed gets no CORS headers: the browser stops there.
      res.writeHead(204, {
        ...gate.cors(req),
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    switch (target.pathname) {
      case '/':
        if (method === 'POST') ingest(req, res);
        else
          sendText(res, 405, 'ingest takes POST with a plotly-streamtoken header (subscribe at /subscribe)\n', {
            allow: 'POST, OPTIONS',
          });
        return;
      case '/subscribe':
        if (method !== 'GET') sendText(res, 405, 'subscribe with GET\n', { allow: 'GET' });
        else if (String(req.headers.accept ?? '').includes('text/event-stream')) serveEventStream(req, res, target);
        else
          sendText(res, 426, 'subscribe with a WebSocket upgrade, or with Accept: text/event-stream\n', {
            upgrade: 'websocket',
          });
        return;
      case '/plotly-stream.js':
      case '/plotly-stream.no-plotly.js':
        if (method === 'GET' || method === 'HEAD') bundles.serve(req, res, target.pathname);
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
        if (o.metricsPort !== undefined) sendText(res, 404, `metrics are served on port ${metricsPort}\n`);
        else serveMetrics(req, res, target, false);
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
    const producer = producers.onSocket(socket);
    if (producer && !producer.done && isChartStudioTail(error)) {
      producer.finishFromTail();
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    metrics.refuse('malformed-http');
    log('malformed', `malformed HTTP from ${socket.remoteAddress}: ${error.code ?? error.message}`);
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
  // Ingest streams stay open for days: no request timeout, no socket inactivity timeout (the ingest
  // has its own). The guard's header deadline comes first; Node's, a moment later, covers the next
  // request on a kept-alive connection.
  const serverOptions: ServerOptions = {
    ...o.httpServerOptions,
    requestTimeout: 0,
    headersTimeout: o.headersTimeoutMs > 0 ? o.headersTimeoutMs + 1000 : 0,
  };
  // With TLS the relay speaks HTTP/2 (SSE viewers of every tab share one connection) and HTTP/1.1
  // (WebSocket upgrades, and clients without HTTP/2).
  const server: Server =
    o.tls !== undefined
      ? (createSecureServer(
          {
            cert: o.tls.cert,
            key: o.tls.key,
            allowHTTP1: true,
            handshakeTimeout: o.headersTimeoutMs > 0 ? o.headersTimeoutMs : 120_000,
            // Streams one session may hold at once; the peer is told, and nghttp2 refuses more.
            settings: { maxConcurrentStreams: MAX_STREAMS_PER_SESSION },
          },
          guarded('request', route) as never,
        ) as unknown as Server)
      : createServer(serverOptions, guarded('request', route));
  server.setTimeout(0);
  if (o.tls !== undefined) {
    server.headersTimeout = serverOptions.headersTimeout as number;
    server.requestTimeout = 0;
  }
  /** Every socket and HTTP/2 session (TLS), so a shutdown can end them: the HTTP/2 server has no closeAllConnections. */
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const guard = new ConnectionGuard(
    {
      maxConnections: o.maxConnections ?? defaultMaxConnections(),
      maxConnectionsPerClient: o.maxConnectionsPerClient,
      headersTimeoutMs: o.headersTimeoutMs,
      plain: o.tls === undefined,
    },
    clients,
    relayLog,
    metrics,
  );
  guard.attach(server);
  server.on('upgrade', guarded('WebSocket upgrade', upgrade));
  server.on('clientError', (error: HttpParseError, socket: Socket) => {
    try {
      clientError(error, socket);
    } catch (thrown) {
      internalError('malformed request', thrown, null);
      socket.destroy();
    }
  });
  // A TLS handshake that fails (a scanner, plain HTTP on the https port) is not the relay's error.
  server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());

  const heartbeat = setInterval(() => {
    // No heartbeat events while the engine is away: viewers show `stale` instead of a false `live`.
    const healthy = engine.health().ok;
    for (const subscription of subscriptions) {
      try {
        subscription.heartbeat(healthy);
      } catch (error) {
        subscription.fail(error);
      }
    }
    clients.sweep();
    limiter.sweep();
  }, o.heartbeatMs);
  heartbeat.unref();

  let metricsServer: Server | null = null;
  let metricsPort = 0;
  const stopTimers = () => {
    clearInterval(heartbeat);
    guard.close();
  };
  try {
    await listen(server, o.port, o.host);
    if (o.metricsPort !== undefined) {
      metricsServer = createServer(
        guarded('metrics', (req: IncomingMessage, res: ServerResponse) => {
          const target = parseTarget(req.url);
          if (target === null) sendText(res, 400, `${BAD_TARGET}\n`);
          else if (target.pathname === '/metrics') serveMetrics(req, res, target, true);
          else sendText(res, 404, 'only /metrics here\n');
        }),
      );
      await listen(metricsServer, o.metricsPort, '127.0.0.1');
      metricsPort = (metricsServer.address() as AddressInfo).port;
    }
  } catch (error) {
    stopTimers();
    server.close();
    // An engine this call made (Redis connections) must not keep the process alive.
    if (ownsEngine) await engine.close();
    throw error;
  }
  const mqttBridge =
    o.mqtt === undefined || o.mqtt === null
      ? null
      : new MqttBridge(
          { url: o.mqtt.url, topic: o.mqtt.topic, maxLineBytes: o.maxLineBytes },
          {
            write: (token, line) => lines.write(token, line),
            rejected: (token, code) => lines.rejected(token, code),
            log,
          },
        );
  const address = server.address() as AddressInfo;
  origins.addOwnAddress(address.family === 'IPv6' ? `[${address.address}]` : address.address, address.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!isLoopback(address.address) && (keys === null || keys.size === 0))
    log(
      'lifecycle',
      `warning: listening on ${host}:${address.port} without write keys: anyone who can reach it can write to any token and take it over from its producer (--keys)`,
    );

  return {
    url: `${o.tls !== undefined ? 'https' : 'http'}://${host}:${address.port}`,
    port: address.port,
    server,
    metricsUrl: metricsServer === null ? null : `http://127.0.0.1:${metricsPort}`,
    engine,
    metrics,
    mqtt: mqttBridge,
    async close() {
      if (closing) return;
      closing = true;
      stopTimers();
      await mqttBridge?.close();
      if (engineRetry !== null) clearInterval(engineRetry);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      producers.finishAll(503, 'the relay is shutting down');
      for (const subscription of [...subscriptions])
        subscription.close(CloseCode.goingAway, 'the relay is shutting down');
      if (o.tls === undefined) server.closeIdleConnections();
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        if (o.tls === undefined) server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }, SHUTDOWN_GRACE_MS);
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await stopped;
      clearTimeout(grace);
      wss.close();
      relayLog.flush();
      await engine.close();
    },
  };
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
}
