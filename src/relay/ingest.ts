/**
 * One producer's POST: NDJSON lines, chunked or with Content-Length, open as long as it writes.
 * Each good line is published; each bad one is counted and reported, alone. The response comes at
 * the end (or when the relay ends the stream early: 408 idle, 409 taken over, 429 rate, 503 shutdown)
 * and says what was accepted and rejected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseLine, preview, type LineErrorCode } from '../shared/messages.js';
import { EARLY_ANSWER_LINGER_MS, MAX_ERROR_PREVIEW, MAX_REPORTED_ERRORS, SHUTDOWN_RETRY_AFTER_S } from './constants.js';
import { rawResponse } from './http.js';
import { LineSplitter } from './line-splitter.js';

/** Why ingest rejects a line: the message rules' reasons, or longer than `maxLineBytes`. */
export type IngestErrorCode = LineErrorCode | 'line-too-long';

export interface IngestError {
  line: number;
  code: IngestErrorCode;
  message: string;
}

export interface IngestSummary {
  token: string;
  accepted: number;
  rejected: number;
  heartbeats: number;
  /** The first rejected lines (at most `MAX_REPORTED_ERRORS`), with their line numbers. */
  errors: IngestError[];
  /** Why the relay ended the stream, when it did. */
  closed?: string;
}

export interface IngestHooks {
  publish(text: string): void;
  /** True when the token may take one more message now (the optional rate limit). */
  allow(): boolean;
  onRejected(error: IngestError): void;
  onEnd(ingest: Ingest): void;
}

export class Ingest {
  readonly token: string;
  readonly summary: IngestSummary;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #hooks: IngestHooks;
  readonly #idleTimeoutMs: number;
  readonly #splitter: LineSplitter;
  #lineNumber = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #done = false;

  constructor(
    token: string,
    req: IncomingMessage,
    res: ServerResponse,
    options: { idleTimeoutMs: number; maxLineBytes: number },
    hooks: IngestHooks,
  ) {
    this.token = token;
    this.#req = req;
    this.#res = res;
    this.#hooks = hooks;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.summary = { token, accepted: 0, rejected: 0, heartbeats: 0, errors: [] };
    this.#splitter = new LineSplitter(
      options.maxLineBytes,
      (line) => this.#onLine(line),
      (bytes) =>
        this.#reject('line-too-long', `line of ${bytes} bytes is longer than the limit of ${options.maxLineBytes}`),
    );
  }

  get done(): boolean {
    return this.#done;
  }

  get socket(): Socket {
    return this.#req.socket;
  }

  start(): void {
    this.#armIdle();
    this.#req.on('data', (chunk: Buffer) => {
      if (this.#done) return;
      this.#armIdle();
      this.#splitter.push(chunk);
    });
    this.#req.on('end', () => this.finish(200));
    // A producer that resets its connection is a normal event here, never a crash.
    this.#req.on('error', () => {
      if (!this.#done) this.#end(null);
    });
    // The producer went away without ending its body: keep what it sent, nobody to answer.
    this.#req.on('close', () => {
      if (!this.#done) this.#end(null);
    });
  }

  /** Ends the stream: the last line without a newline counts, then the summary goes out. */
  finish(status: number, closed?: string): void {
    if (this.#done) return;
    if (status === 200 || status === 409 || status === 503) this.#splitter.end();
    if (closed !== undefined) this.summary.closed = closed;
    this.#end(status);
  }

  /** Stops without answering (the caller answers on the raw socket, or nobody is left to answer). */
  abandon(): void {
    if (!this.#done) this.#stop();
  }

  /**
   * Node's parser rejected the chart_studio tail after delivering every data byte: a clean end.
   * The answer goes straight to the socket (the HTTP layer has given up on it).
   */
  finishFromTail(): void {
    if (this.#done) return;
    this.#splitter.end();
    this.#stop();
    this.socket.end(rawResponse('200 OK', `${JSON.stringify(this.summary)}\n`, 'application/json'));
  }

  #onLine(line: string): void {
    // Ended in the middle of a chunk (429): the rest of that chunk is not taken.
    if (this.#done) return;
    this.#lineNumber++;
    const parsed = parseLine(line);
    if (parsed.kind === 'heartbeat') {
      this.summary.heartbeats++;
      return;
    }
    if (parsed.kind === 'rejected') {
      this.#reject(parsed.error.code, parsed.error.message);
      return;
    }
    if (!this.#hooks.allow()) {
      this.finish(429, 'rate limit: this token takes more messages a second than the relay allows');
      return;
    }
    this.summary.accepted++;
    this.#hooks.publish(line.trim());
  }

  #reject(code: IngestErrorCode, message: string): void {
    if (code === 'line-too-long') this.#lineNumber++;
    const error: IngestError = { line: this.#lineNumber, code, message: preview(message, MAX_ERROR_PREVIEW) };
    this.summary.rejected++;
    if (this.summary.errors.length < MAX_REPORTED_ERRORS) this.summary.errors.push(error);
    this.#hooks.onRejected(error);
  }

  #armIdle(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(
      () => this.finish(408, `no byte for ${this.#idleTimeoutMs / 1000} s (send a newline as a heartbeat)`),
      this.#idleTimeoutMs,
    );
  }

  #stop(): void {
    this.#done = true;
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#hooks.onEnd(this);
  }

  #end(status: number | null): void {
    this.#stop();
    if (status === null || this.#res.headersSent) return;
    const body = `${JSON.stringify(this.summary)}\n`;
    this.#res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
      ...(status === 503 ? { 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) } : {}),
    });
    this.#res.end(body);
    // Ended early (the body may still be coming): close rather than read the rest.
    // A half-close lets the producer read the answer; the socket goes for good a moment later.
    if (!this.#req.complete) {
      this.#res.on('finish', () => {
        this.socket.end();
        setTimeout(() => this.socket.destroy(), EARLY_ANSWER_LINGER_MS).unref();
      });
    }
  }
}
