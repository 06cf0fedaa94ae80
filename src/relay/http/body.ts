/**
 * A request's whole body, for the routes that take one (hosted charts' JSON, Plotly's form):
 * at most `maxBytes` (past it, 413 and the connection closed, the rest not read), within the time
 * a client has between bytes (408), as UTF-8 text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http.js';

export interface BodyLimits {
  maxBytes: number;
  /** No byte for this long: 408. */
  idleMs: number;
  /** The answer to a refusal, as status and JSON (default: `{error}`); a route's clients may read other fields. */
  answer?: (status: number, error: string) => [number, unknown];
}

/** Resolves the body, or null once it has answered the request (413, 408, a client gone). */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits): Promise<string | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (body: string | null, refusal?: { status: number; error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeAllListeners('data');
      if (refusal !== undefined && !res.headersSent) {
        const [status, value] = limits.answer?.(refusal.status, refusal.error) ?? [
          refusal.status,
          { error: refusal.error },
        ];
        sendJson(res, status, value, { connection: 'close' });
      }
      resolve(body);
    };
    const tooBig = { status: 413, error: `the body is longer than ${limits.maxBytes} bytes` };
    let timer = setTimeout(() => finish(null, { status: 408, error: 'the body stopped coming' }), limits.idleMs);
    if (declared > limits.maxBytes) return finish(null, tooBig);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return finish(null, tooBig);
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => finish(null, { status: 408, error: 'the body stopped coming' }), limits.idleMs);
    });
    req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => finish(null));
    req.on('close', () => finish(null));
  });
}
