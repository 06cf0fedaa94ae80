/**
 * One producer's POST: NDJSON lines, chunked or with Content-Length, open as long as it writes.
 * Each good line is published; each bad one is counted and reported, alone. The response comes at
 * the end (or when the relay ends the stream early: 408 idle, 409 taken over, 429 rate, 503 shutdown)
 * and says what was accepted and rejected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { IngestError, IngestErrorCode, IngestSummary } from '../../shared/ingest.js';
import { preview } from '../../shared/messages.js';
import type { BudgetAccount, BudgetMember, ByteBudget } from '../byte-budget.js';
import {
  EARLY_ANSWER_LINGER_MS,
  MAX_ERROR_PREVIEW,
  MAX_PENDING_STORE_BYTES,
  MAX_PENDING_STORES,
  MAX_REPORTED_ERRORS,
  SHUTDOWN_RETRY_AFTER_S,
} from '../constants.js';
import { forProtocol, isHttp2, rawResponse } from '../http/http.js';
import { LineSplitter } from './line-splitter.js';
import type { LineOutcome } from './line-writer.js';

export type { IngestError, IngestErrorCode, IngestSummary } from '../../shared/ingest.js';

/** What became of a line: the writer's outcome, or the ingest must end (a multiplexed ingest whose first message names no token: 406). */
export type IngestLineOutcome =
  | LineOutcome
  | { kind: 'rejected'; error: { code: IngestErrorCode; message: string } }
  | { kind: 'end'; status: number; reason: string };

export interface IngestHooks {
  /** One line, through the relay's one path to the engine (`LineWriter`; a multiplexed ingest's `Multiplexer` first). */
  write(line: string): IngestLineOutcome;
  /** A line the splitter found too long (the writer never sees it): counted. */
  tooLong(): void;
  /** A line rejected or not stored: for the log (it is counted already). */
  onRejected(error: IngestError): void;
  onEnd(ingest: Ingest): void;
}

export interface IngestOptions {
  /** An ingest with no byte for this long gets 408. */
  idleTimeoutMs: number;
  /** Longest line; a longer one is rejected alone. */
  maxLineBytes: number;
  /**
   * What all producers' lines may hold together (unfinished, or not yet stored): past it, the
   * ingest holding the most is ended with 503 (its unfinished line dropped).
   */
  lineBudget?: ByteBudget;
}

export class Ingest implements BudgetMember {
  /** The `plotly-streamtoken` header's token; null for a multiplexed ingest (each line names its own). */
  readonly token: string | null;
  readonly summary: IngestSummary;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #hooks: IngestHooks;
  readonly #idleTimeoutMs: number;
  readonly #splitter: LineSplitter;
  readonly #lineBudget: ByteBudget | null;
  readonly #lineAccount: BudgetAccount | null;
  #lineNumber = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  /** No more lines are taken; the answer waits for the stores in flight. */
  #ending = false;
  /** Answered, or given up on: the ingest is over. */
  #done = false;
  /** Stores in flight (an asynchronous engine), and the bytes of their lines. */
  #pending = 0;
  #pendingBytes = 0;
  #paused = false;
  #afterStores: (() => void) | null = null;
  #notStoredReason: string | null = null;

  constructor(
    token: string | null,
    req: IncomingMessage,
    res: ServerResponse,
    options: IngestOptions,
    hooks: IngestHooks,
  ) {
    this.token = token;
    this.#req = req;
    this.#res = res;
    this.#hooks = hooks;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.summary = {
      ...(token === null ? { tokens: [] } : { token }),
      accepted: 0,
      rejected: 0,
      heartbeats: 0,
      errors: [],
    };
    this.#splitter = new LineSplitter(
      options.maxLineBytes,
      (line) => this.#onLine(line),
      (bytes) => {
        this.#hooks.tooLong();
        this.#reject('line-too-long', `line of ${bytes} bytes is longer than the limit of ${options.maxLineBytes}`);
      },
    );
    this.#lineBudget = options.lineBudget ?? null;
    this.#lineAccount = this.#lineBudget?.open(this) ?? null;
  }

  /**
   * What the line budget counts: the line begun and not yet ended, and the lines handed to an
   * asynchronous engine and not yet stored.
   */
  get bufferedBytes(): number {
    return (this.#done || this.#ending ? 0 : this.#splitter.pendingBytes) + this.#pendingBytes;
  }

  /**
   * The relay holds too much of producers' lines, this ingest's the most: 503 with Retry-After (the
   * relay, not the request, is over its bound), the unfinished line dropped, the lines taken kept.
   */
  cutOff(reason: string): void {
    this.#splitter.discard();
    this.finish(503, reason);
  }

  /** Tells the line budget what this ingest holds now (after a chunk, after a store settles). */
  #reportLines(): void {
    if (this.#lineAccount !== null && this.#lineAccount.reported !== this.bufferedBytes)
      this.#lineBudget?.admit(this.#lineAccount, this.bufferedBytes);
  }

  get done(): boolean {
    return this.#done || this.#ending;
  }

  get socket(): Socket {
    return this.#req.socket;
  }

  start(): void {
    this.#armIdle();
    this.#req.on('data', (chunk: Buffer) => {
      if (this.#done || this.#ending) return;
      this.#armIdle();
      this.#splitter.push(chunk);
      this.#reportLines();
    });
    this.#req.on('end', () => this.finish(200));
    // A producer that resets its connection is a normal event here, never a crash. While it ends
    // (its body read, lines still being stored) `close` comes anyway: Node closes a request once its
    // body is read, and the end answers once the stores are done.
    this.#req.on('error', () => {
      if (!this.#done && !this.#ending) this.#end(null);
    });
    // The producer went away without ending its body: keep what it sent, nobody to answer.
    this.#req.on('close', () => {
      if (!this.#done && !this.#ending) this.#end(null);
    });
  }

  /**
   * Ends the stream: the last line without a newline counts, then, once every line taken is stored,
   * the summary goes out (503 instead of 200 when a line could not be stored).
   */
  finish(status: number, closed?: string): void {
    if (this.#done || this.#ending) return;
    if (status === 200 || status === 409 || status === 503) this.#splitter.end();
    this.#ending = true;
    if (closed !== undefined) this.summary.closed = closed;
    this.#whenStored(() => this.#end(this.#notStoredReason !== null && status === 200 ? 503 : status));
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
    if (this.#done || this.#ending) return;
    this.#splitter.end();
    this.#ending = true;
    this.#whenStored(() => {
      this.#stop();
      const stored = this.#notStoredReason === null;
      this.socket.end(
        rawResponse(
          stored ? '200 OK' : '503 Service Unavailable',
          `${JSON.stringify(this.summary)}\n`,
          'application/json',
          {
            ...(stored ? {} : { 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) }),
          },
        ),
      );
    });
  }

  #onLine(line: string): void {
    // Ended in the middle of a chunk (429): the rest of that chunk is not taken.
    if (this.#done || this.#ending) return;
    this.#lineNumber++;
    const outcome = this.#hooks.write(line);
    switch (outcome.kind) {
      case 'heartbeat':
        this.summary.heartbeats++;
        return;
      case 'rejected':
        this.#reject(outcome.error.code, outcome.error.message);
        return;
      case 'rate-limited':
        this.finish(429, 'rate limit: this token takes more messages a second than the relay allows');
        return;
      case 'end':
        this.finish(outcome.status, outcome.reason);
        return;
      case 'accepted':
        this.summary.accepted++;
        if (outcome.stored !== undefined) this.#track(outcome.stored, this.#lineNumber, line.length);
    }
  }

  #reject(code: IngestErrorCode, message: string): void {
    if (code === 'line-too-long') this.#lineNumber++;
    this.summary.rejected++;
    this.#report({ line: this.#lineNumber, code, message });
  }

  #report(error: IngestError): void {
    error.message = preview(error.message, MAX_ERROR_PREVIEW);
    if (this.summary.errors.length < MAX_REPORTED_ERRORS) this.summary.errors.push(error);
    this.#hooks.onRejected(error);
  }

  // --- an asynchronous engine: stores in flight, backpressure, failures -----------------------
  #track(stored: Promise<void>, line: number, bytes: number): void {
    this.#pending++;
    this.#pendingBytes += bytes;
    // Too many stores in flight, or too many bytes in them: stop reading the body until the engine catches up.
    if ((this.#pending >= MAX_PENDING_STORES || this.#pendingBytes >= MAX_PENDING_STORE_BYTES) && !this.#paused) {
      this.#paused = true;
      this.#req.pause();
    }
    stored.then(
      () => this.#onStored(bytes),
      (error: unknown) => this.#onNotStored(line, bytes, error),
    );
  }

  #onStored(bytes: number): void {
    this.#pending--;
    this.#pendingBytes -= bytes;
    this.#afterStore();
  }

  #onNotStored(line: number, bytes: number, error: unknown): void {
    this.#pending--;
    this.#pendingBytes -= bytes;
    const reason = error instanceof Error ? error.message : String(error);
    this.summary.accepted--;
    this.summary.notStored = (this.summary.notStored ?? 0) + 1;
    this.#report({ line, code: 'not-stored', message: `accepted but not stored: ${reason}` });
    if (this.#notStoredReason === null) {
      this.#notStoredReason = reason;
      this.summary.closed ??= `the relay could not store line ${line} (${reason}); try again later`;
      this.finish(503);
    }
    this.#afterStore();
  }

  #afterStore(): void {
    this.#reportLines();
    if (this.#paused && this.#pending <= MAX_PENDING_STORES / 2 && this.#pendingBytes <= MAX_PENDING_STORE_BYTES / 2) {
      this.#paused = false;
      this.#req.resume();
    }
    if (this.#pending === 0 && this.#afterStores !== null) {
      const then = this.#afterStores;
      this.#afterStores = null;
      then();
    }
  }

  #whenStored(then: () => void): void {
    if (this.#pending === 0) then();
    else this.#afterStores = then;
  }

  #armIdle(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(
      () => this.finish(408, `no byte for ${this.#idleTimeoutMs / 1000} s (send a newline as a heartbeat)`),
      this.#idleTimeoutMs,
    );
  }

  #stop(): void {
    if (this.#done) return; // (stopped once: its hooks hear of it once)
    this.#done = true;
    if (this.#lineAccount !== null) this.#lineBudget?.close(this.#lineAccount);
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#hooks.onEnd(this);
  }

  #end(status: number | null): void {
    this.#stop();
    if (status === null || this.#res.headersSent) return;
    const body = `${JSON.stringify(this.summary)}\n`;
    this.#res.writeHead(
      status,
      forProtocol(this.#res, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        connection: 'close',
        ...(status === 503 ? { 'retry-after': String(SHUTDOWN_RETRY_AFTER_S) } : {}),
      }),
    );
    if (this.#req.complete) {
      this.#res.end(body);
      return;
    }
    // Ended early (the body may still be coming): close rather than read the rest.
    if (isHttp2(this.#req)) {
      // HTTP/2: this stream alone ends, once the answer is written; the session goes on.
      const stream = (this.#req as unknown as { stream: { close(): void } }).stream;
      this.#res.end(body, () => stream.close());
      return;
    }
    this.#res.end(body);
    // A half-close lets the producer read the answer; the socket goes for good a moment later.
    this.#res.once('finish', () => {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), EARLY_ANSWER_LINGER_MS).unref();
    });
  }
}
