/** Real clients for relay tests: raw TCP, chunked HTTP POSTs, WebSocket (ws) and SSE (http.get). */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { WebSocket } from 'ws';
import { decodeEvents, runMessages, type DataEvent, type RelayEvent } from '../../src/shared/protocol.js';
import { sseReader } from '../../scripts/sse-reader.js';

/** http or https for a URL (https: the tests' certificates are self-signed). */
function clientFor(url: string): { request: typeof http.request; get: typeof http.get; tls: object } {
  return url.startsWith('https:')
    ? { request: https.request, get: https.get, tls: { rejectUnauthorized: false } }
    : { request: http.request, get: http.get, tls: {} };
}

/** Collects relay events and resolves waits on them. */
class EventLog {
  readonly events: RelayEvent[] = [];
  readonly frames: string[] = [];
  #waiters: Array<() => void> = [];

  add(frame: string): void {
    this.frames.push(frame);
    const { events, errors } = decodeEvents(frame);
    if (errors.length > 0) throw new Error(`bad frame from the relay: ${errors.join('; ')}`);
    this.events.push(...events);
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Data messages received (in `data` or `run` events), as their `message` objects. */
  get messages(): Array<Record<string, unknown>> {
    return dataOf(this.events).map((e) => e.message);
  }

  /** Resolves when `test` holds for the events so far (fails after `ms`). */
  until(test: (events: RelayEvent[]) => boolean, ms = 5000): Promise<void> {
    if (test(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; got ${JSON.stringify(this.events).slice(0, 800)}`)),
        ms,
      );
      const waiter = () => {
        if (!test(this.events)) return;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.#waiters.push(waiter);
    });
  }

  untilMessages(count: number, ms?: number): Promise<void> {
    return this.until(() => this.messages.length >= count, ms);
  }
}

export interface WsClient extends EventLog {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

export async function wsSubscribe(
  relayUrl: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<WsClient & EventLog> {
  const log = new EventLog() as WsClient;
  const socket = new WebSocket(`${relayUrl.replace('http', 'ws')}/subscribe?${query}`, {
    headers,
    rejectUnauthorized: false,
  });
  log.socket = socket;
  log.closed = new Promise((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (data) => log.add(data.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
  return log;
}

/** A WebSocket upgrade the relay answers with an HTTP status instead: that status and body. */
export function wsRefusal(relayUrl: string, query: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${relayUrl.replace('http', 'ws')}/subscribe?${query}`, { headers });
    socket.on('unexpected-response', (_request, response) => resolve(readResult(response)));
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

export interface SseClient extends EventLog {
  response: http.IncomingMessage;
  /** The last `id:` seen. */
  lastId: string | null;
  comments: string[];
  ended: Promise<void>;
  close(): void;
}

export function sseSubscribe(
  relayUrl: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const client = clientFor(relayUrl);
    const request = client.get(
      `${relayUrl}/subscribe?${query}`,
      { headers: { accept: 'text/event-stream', ...headers }, ...client.tls },
      (response) => {
        const log = new EventLog() as SseClient;
        log.response = response;
        log.lastId = null;
        log.comments = [];
        log.close = () => request.destroy();
        log.ended = new Promise((done) => response.on('close', () => done()));
        response.setEncoding('utf8');
        response.on(
          'data',
          sseReader({
            data: (data) => log.add(data),
            id: (id) => (log.lastId = id),
            comment: (line) => log.comments.push(line),
          }),
        );
        resolve(log);
      },
    );
    request.on('error', reject);
  });
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Reads a whole response. */
function readResult(response: http.IncomingMessage): Promise<HttpResult> {
  return new Promise((resolve) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (c: string) => (body += c));
    response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
  });
}

/** POSTs a body (string, or chunks written one by one) with chunked encoding, as producers do. */
export function post(
  url: string,
  chunks: string[] | string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const client = clientFor(url);
    const request = client.request(
      url,
      { method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers }, ...client.tls },
      (response) => resolve(readResult(response)),
    );
    request.on('error', reject);
    for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) request.write(chunk);
    request.end();
  });
}

export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const client = clientFor(url);
    const request = client.request(url, { method, headers, ...client.tls }, (response) =>
      resolve(readResult(response)),
    );
    request.on('error', reject);
    request.end();
  });
}

/** A raw TCP conversation: writes the given byte strings (with optional pauses), returns all it read. */
export function rawExchange(port: number, writes: Array<string | number>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.on('connect', async () => {
      for (const item of writes) {
        if (typeof item === 'number') await new Promise((r) => setTimeout(r, item));
        else socket.write(item, 'latin1');
      }
    });
  });
}

/** An open chunked POST the test writes to line by line. */
export function openIngest(url: string, headers: Record<string, string>) {
  let resolveResult: (r: Promise<HttpResult>) => void;
  const result = new Promise<HttpResult>((resolve) => (resolveResult = resolve));
  const client = clientFor(url);
  const request = client.request(
    url,
    { method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers }, ...client.tls },
    (response) => resolveResult(readResult(response)),
  );
  request.on('error', () => undefined);
  request.flushHeaders();
  return {
    write: (text: string) => request.write(text),
    end: () => request.end(),
    destroy: () => request.destroy(),
    result,
  };
}

/** Polls until `test` holds (for states with no event to wait on: a connection coming back). */
export async function eventually(test: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** NDJSON lines `{"y": from}` .. `{"y": to}`, as a producer writes them. */
export const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"y": ${from + i}}\n`).join('');

/** `from` .. `to`. */
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every message as a `data` event: `data` events as they are, each message of a `run` with its offset and time. */
export function dataOf(events: RelayEvent[]): DataEvent[] {
  return events.flatMap((e): DataEvent[] => {
    if (e.type === 'data') return [e];
    if (e.type !== 'run') return [];
    return runMessages(e).map((message, i) => ({
      type: 'data',
      token: e.token,
      epoch: e.epoch,
      offset: e.offset + i,
      ...(e.time === undefined ? {} : { time: e.time + (e.dt?.[i] ?? 0) }),
      message: message ?? {},
    }));
  });
}

/** The `y` of each message (of one token, when given), from `data` and `run` events. */
export const ys = (events: RelayEvent[], token?: string) =>
  dataOf(events).flatMap((e) => (token === undefined || e.token === token ? [e.message['y']] : []));

/** The offset of each message, from `data` and `run` events. */
export const offsets = (events: RelayEvent[]) => dataOf(events).map((e) => e.offset);
