/**
 * A request's whole body, for the routes that take one (hosted charts' JSON, Plotly's form):
 * at most `maxBytes` (past it, 413 and the connection closed, the rest not read), within the time
 * a client has between bytes (408), within what all bodies together may hold (`BodyAllowance`:
 * past it, 503 with Retry-After), as UTF-8 text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_TOTAL_BODY_BYTES } from '../constants.js';
import { sendJson } from './http.js';

/** Bytes of bodies held by all requests together, each until its request is answered. */
export class BodyAllowance {
  readonly limit: number;
  #held = 0;

  constructor(limit = MAX_TOTAL_BODY_BYTES) {
    this.limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` if they fit; false when they do not (nothing taken). */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}

export interface BodyLimits {
  maxBytes: number;
  /** No byte for this long: 408. */
  idleMs: number;
  /** The answer to a refusal, as status and JSON (default: `{error}`); a route's clients may read other fields. */
  answer?: (status: number, error: string) => [number, unknown];
  /** What all bodies together may hold: this one's bytes are taken as they come, given back once it is answered. */
  allowance?: BodyAllowance;
}

/** Resolves the body, or null once it has answered the request (413, 408, 503, a client gone). */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<string | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // What this body holds of the allowance, given back when the request is answered (or gone).
    let taken = 0;
    const allowance = limits.allowance;
    if (allowance !== undefined) res.once('close', () => allowance.give(taken));
    const finish = (body: string | null, refusal?: { status: number; error: string; retryAfter?: number }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeAllListeners('data');
      if (refusal !== undefined && !res.headersSent) {
        const [status, value] = limits.answer?.(refusal.status, refusal.error) ?? [
          refusal.status,
          { error: refusal.error },
        ];
        const headers: Record<string, string> = { connection: 'close' };
        if (refusal.retryAfter !== undefined) headers['retry-after'] = String(refusal.retryAfter);
        sendJson(res, status, value, headers);
      }
      resolve(body);
    };
    const busy = {
      status: 503,
      error: 'the relay is reading as many request bodies as it may at once; try again in a moment',
      retryAfter: 1,
    };
    const tooBig = { status: 413, error: `the body is longer than ${limits.maxBytes} bytes` };
    let timer = setTimeout(() => finish(null, { status: 408, error: 'the body stopped coming' }), limits.idleMs);
    if (declared > limits.maxBytes) return finish(null, tooBig);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(null, tooBig);
      if (allowance !== undefined) {
        if (!allowance.take(chunk.length)) return finish(null, busy);
        taken += chunk.length;
      }
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => finish(null, { status: 408, error: 'the body stopped coming' }), limits.idleMs);
    });
    req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => finish(null));
    req.on('close', () => finish(null));
  });
}
