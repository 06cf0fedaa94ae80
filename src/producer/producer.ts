/**
 * A Node producer: one chunked POST to a relay that stays open while the service writes, NDJSON
 * lines, keep-alive heartbeats in silences (the relay ends an ingest idle for 60 s), backpressure
 * (`write()` false, then `drain`) and, when the relay ends the stream (a restart, 409 taken over,
 * 408 idle, 503), a new POST with full-jitter backoff as soon as there is something to send. A
 * refused stream (400, 401, 403) stops it, with the relay's reason.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { fullJitterDelay, type BackoffOptions } from '../shared/backoff.js';
import type { IngestSummary } from '../shared/ingest.js';
import { isValidToken, TOKEN_RULE } from '../shared/messages.js';

export interface ProducerOptions {
  /** The token's write key, when the relay has keys (sent as `plotly-streamkey`). */
  key?: string;
  /** Milliseconds of silence after which a heartbeat (a blank line) keeps the stream open. Default 15 000. */
  heartbeatMs?: number;
  /** Reconnect delays: the first at most `initialMs` (default 500), doubling to at most `maxMs` (default 30 000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Lines kept while no stream is open; past it the oldest are dropped and counted in `dropped`. Default 10 000. */
  maxQueued?: number;
}

/** Why the relay refused the stream; retrying as is will not help. */
export class ProducerRefusedError extends Error {
  readonly status: number;
  constructor(status: number, reason: string) {
    super(`the relay refused the stream (${status}): ${reason}`);
    this.name = 'ProducerRefusedError';
    this.status = status;
  }
}

/** Answers after which a new stream may work; others (400, 401, 403, 413) are a refusal. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);

export interface ProducerEvents {
  /** The stream can take more after `write()` returned false. */
  drain: [];
  /** A stream the relay ended (or a failed connect); a new one follows when there is something to send. */
  reconnect: [{ attempt: number; delayMs: number; reason: string }];
  /** The relay's answer at the end of each stream: what it accepted and rejected. */
  summary: [IngestSummary];
  /**
   * The relay refused the stream (bad token, key, origin): the producer stops; the next `write()`
   * throws the same error. (Not `error`: an unheard `error` event would end the process.)
   */
  refused: [ProducerRefusedError];
}

const emptySummary = (token: string): IngestSummary => ({ token, accepted: 0, rejected: 0, heartbeats: 0, errors: [] });

export class Producer extends EventEmitter<ProducerEvents> {
  readonly url: URL;
  readonly token: string;
  /** Lines dropped because more than `maxQueued` waited while no stream was open. */
  dropped = 0;
  readonly #key: string | undefined;
  readonly #heartbeatMs: number;
  readonly #backoff: BackoffOptions;
  readonly #maxQueued: number;
  #request: http.ClientRequest | null = null;
  /** Lines waiting for a stream (written while none was open). */
  #queue: string[] = [];
  /** Lines written on the current request before it connected: sent again when it never does. */
  #unconnected: string[] | null = null;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #needsDrain = false;
  #closing: Promise<IngestSummary> | null = null;
  #closed = false;
  #refused: ProducerRefusedError | null = null;

  constructor(url: string | URL, token: string, options: ProducerOptions = {}) {
    super();
    if (!isValidToken(token)) throw new TypeError(`token must be ${TOKEN_RULE}`);
    this.url = new URL(url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:')
      throw new TypeError(`the relay's URL must be http: or https:, got ${this.url.protocol}`);
    this.token = token;
    this.#key = options.key;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#backoff = { baseMs: options.backoff?.initialMs ?? 500, capMs: options.backoff?.maxMs ?? 30_000 };
    this.#maxQueued = options.maxQueued ?? 10_000;
  }

  /**
   * Sends one message (an object, or one line of JSON text). Throws before sending anything for a
   * message that cannot be a line (not an object, a cycle, a newline in the text) and after a
   * refusal or `close()`. Returns false when the line waits (the socket is full, or a new stream is
   * being opened): wait for `drain` before writing much more.
   */
  write(message: Record<string, unknown> | string): boolean {
    return this.#send(`${toLine(message)}\n`);
  }

  /** Sends a heartbeat (a blank line): the relay keeps an idle stream open. Sent on its own in silences. */
  heartbeat(): boolean {
    return this.#send('\n');
  }

  /** Ends the stream; resolves with the relay's summary of it (what it accepted and rejected). */
  close(): Promise<IngestSummary> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#stopTimers();
    this.#closing = new Promise<IngestSummary>((resolve, reject) => {
      if (this.#refused !== null) return reject(this.#refused);
      if (this.#request === null && this.#queue.length > 0) this.#open();
      const request = this.#request;
      if (request === null) return resolve(emptySummary(this.token));
      this.once('summary', resolve);
      this.once('refused', reject);
      request.end();
    });
    return this.#closing;
  }

  #send(line: string): boolean {
    if (this.#refused !== null) throw this.#refused;
    if (this.#closed) throw new Error('the producer is closed');
    this.#armHeartbeat();
    const request = this.#request;
    if (request === null) {
      this.#queue.push(line);
      if (this.#queue.length > this.#maxQueued) {
        this.#queue.shift();
        this.dropped++;
      }
      if (this.#retryTimer === null) this.#open();
      this.#needsDrain = true;
      return false;
    }
    const room = this.#writeOn(request, line);
    if (!room) this.#needsDrain = true;
    return room;
  }

  #open(): void {
    const headers: Record<string, string> = {
      'plotly-streamtoken': this.token,
      'content-type': 'application/x-ndjson',
      'transfer-encoding': 'chunked',
    };
    if (this.#key !== undefined) headers['plotly-streamkey'] = this.#key;
    const client = this.url.protocol === 'https:' ? https : http;
    const request = client.request(this.url, { method: 'POST', headers });
    this.#request = request;
    request.setNoDelay(true);
    request.flushHeaders();
    request.on('drain', () => this.#drained());
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 65_536) body += chunk;
      });
      response.on('end', () => this.#ended(request, response.statusCode ?? 0, body));
    });
    request.on('error', (error) => this.#ended(request, 0, error.message));
    this.#unconnected = [];
    request.on('socket', (socket) => {
      const connected = () => {
        if (this.#request === request) this.#unconnected = null;
      };
      if (socket.connecting) socket.once('connect', connected);
      else connected();
    });
    // What waited for a stream goes first, in order.
    const queued = this.#queue;
    this.#queue = [];
    let room = true;
    for (const line of queued) room = this.#writeOn(request, line);
    // Asynchronously: the caller of the write() that returned false is still to listen for it.
    if (room) process.nextTick(() => this.#drained());
  }

  #writeOn(request: http.ClientRequest, line: string): boolean {
    this.#unconnected?.push(line);
    return request.write(line);
  }

  #drained(): void {
    if (!this.#needsDrain || this.#request === null) return;
    this.#needsDrain = false;
    this.emit('drain');
  }

  /** The stream is over: the relay answered (at the end, or early) or the connection failed. */
  #ended(request: http.ClientRequest, status: number, body: string): void {
    if (this.#request !== request) return;
    this.#request = null;
    // Lines of a request that never connected (the relay was down) were not sent: they go again.
    if (this.#unconnected !== null) this.#queue.unshift(...this.#unconnected.splice(0, this.#maxQueued));
    this.#unconnected = null;
    const summary = parseSummary(body);
    if (summary !== null) {
      this.#attempt = 0;
      this.emit('summary', summary);
    }
    if (this.#closed) {
      if (summary === null) this.emit('summary', { ...emptySummary(this.token), closed: body.trim() || 'no answer' });
      return;
    }
    if (status !== 0 && status !== 200 && !RETRYABLE.has(status)) {
      this.#refused = new ProducerRefusedError(status, summary?.closed ?? body.trim());
      this.#stopTimers();
      this.emit('refused', this.#refused);
      return;
    }
    // A new stream as soon as there is something to send (lines waiting, or the next write), after backoff.
    const reason = summary?.closed ?? (status === 0 ? body : `the relay answered ${status}`);
    const delayMs = fullJitterDelay(this.#attempt++, this.#backoff);
    this.emit('reconnect', { attempt: this.#attempt, delayMs, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#queue.length > 0 && this.#request === null && !this.#closed) this.#open();
    }, delayMs);
  }

  #armHeartbeat(): void {
    if (this.#heartbeatTimer !== null) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeatTimer = null;
      // Only an open stream needs keeping open; a closed one reopens on the next write.
      if (this.#request !== null && !this.#closed) this.heartbeat();
    }, this.#heartbeatMs);
    this.#heartbeatTimer.unref();
  }

  #stopTimers(): void {
    if (this.#heartbeatTimer !== null) clearTimeout(this.#heartbeatTimer);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#heartbeatTimer = null;
    this.#retryTimer = null;
  }
}

/** One message as one line of JSON. */
function toLine(message: Record<string, unknown> | string): string {
  if (typeof message === 'string') {
    if (/[\r\n]/.test(message)) throw new TypeError('a message is one line: no line breaks in it');
    return message;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new TypeError('a message is a JSON object');
  const line = JSON.stringify(message);
  if (line === undefined) throw new TypeError('a message is a JSON object');
  return line;
}

function parseSummary(body: string): IngestSummary | null {
  try {
    const value = JSON.parse(body) as IngestSummary;
    return typeof value === 'object' && value !== null && typeof value.accepted === 'number' ? value : null;
  } catch {
    return null;
  }
}

/** Opens a producer for a token on a relay (`http://host:port/`, or the relay's base URL). */
export function createProducer(url: string | URL, token: string, options?: ProducerOptions): Producer {
  return new Producer(url, token, options);
}
