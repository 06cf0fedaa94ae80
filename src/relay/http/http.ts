/** Small HTTP helpers the relay's routes share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Headers = Record<string, string>;

/** What a request asks for: its path and its query. */
export interface RequestTarget {
  /** The path, normalised (`/a/../b` is `/b`), or `*` for `OPTIONS *`. */
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/**
 * Reads a request target (HTTP/1.1's request line, HTTP/2's `:path`) once, for every route: a path
 * (`/subscribe?token=a`), an absolute URL (`http://host/subscribe`, as proxies send) or `*`. Null for
 * anything else, and for a target that is not a valid URL once joined to a base (`//[` reads as a
 * host there): the caller answers 400. Never throws: `new URL()` does, and a throw in a request
 * handler must never reach the process.
 */
export function parseTarget(target: string | undefined): RequestTarget | null {
  if (target === undefined || target === '') return null;
  if (target === '*') return { pathname: '*', searchParams: new URLSearchParams() };
  let url: URL;
  try {
    if (target.startsWith('/')) {
      if (!URL.canParse(target, 'http://relay')) return null;
      // Read as a path: `//x/subscribe` is the path `//x/subscribe`, not the host x.
      url = new URL(`http://relay${target}`);
    } else if (/^https?:\/\//i.test(target)) url = new URL(target);
    else return null;
  } catch {
    return null;
  }
  return { pathname: url.pathname, searchParams: url.searchParams };
}

/** The first value of a request header, or undefined. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True for a request over HTTP/2 (the relay with TLS speaks both). */
export function isHttp2(req: IncomingMessage | undefined): boolean {
  return req?.httpVersionMajor === 2;
}

/** Headers HTTP/2 forbids (RFC 9113 8.2.2): Node throws on a response that sets one. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Headers for a response: over HTTP/2, without the connection-specific ones (`connection`, `upgrade`, ...). */
export function forProtocol(res: ServerResponse, headers: Headers): Headers {
  if (!isHttp2(res.req)) return headers;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CONNECTION_SPECIFIC.has(name.toLowerCase())));
}

/** The credential of `Authorization: Bearer CREDENTIAL` (one word), or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization');
  return auth === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
}

/** A `Host` header that is a host name or address, with or without a port (anything else is not echoed). */
const HOST = /^[\w.-]+(:\d{1,5})?$|^\[[\da-fA-F:.]+\](:\d{1,5})?$/;

/**
 * `scheme://host[:port]` the request was sent to, for links the relay answers with: its own scheme
 * (https on the TLS port, http on a plain one) and its `Host` (`:authority` over HTTP/2), or
 * `localhost` when that is not a plain host.
 */
export function requestOrigin(req: IncomingMessage): string {
  const host = headerValue(req, 'host') ?? headerValue(req, ':authority');
  const encrypted = (req.socket as Socket & { encrypted?: boolean }).encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host !== undefined && HOST.test(host) ? host : 'localhost'}`;
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Headers = {}): void {
  res.writeHead(
    status,
    forProtocol(res, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    }),
  );
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(
    status,
    forProtocol(res, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    }),
  );
  res.end(body);
}

/**
 * A whole HTTP/1.1 response as text, for a socket Node's HTTP layer has given up on (a parse error,
 * a refused upgrade): it always closes the connection.
 */
export function rawResponse(
  status: string,
  body = '',
  contentType = 'text/plain; charset=utf-8',
  headers: Headers = {},
): string {
  const type = body === '' ? '' : `content-type: ${contentType}\r\n`;
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${status}\r\n${type}${extra}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** What the relay answers to a request target it cannot read. */
export const BAD_TARGET = 'bad request target: ask for a path, such as /subscribe?token=...';

/** An error's message and where it was thrown (the first frames of its stack), on one line. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frames = (error.stack ?? '')
    .split('\n')
    .slice(1, 4)
    .map((frame) => frame.trim());
  return [`${error.name}: ${error.message}`, ...frames].join(' | ');
}

/**
 * Answers 500 on a request whose handler failed: on its response when nothing was sent yet (and
 * the connection closes after it), on the raw socket of an upgrade; else the connection is ended.
 */
export function answerInternalError(answer: ServerResponse | Socket): void {
  const text = 'internal error: the relay failed to serve this request (its log says why)\n';
  try {
    if ('writeHead' in answer) {
      if (answer.headersSent || answer.destroyed) answer.destroy();
      else sendText(answer, 500, text, { connection: 'close' });
    } else if (answer.writable) {
      answer.end(rawResponse('500 Internal Server Error', text));
    } else answer.destroy();
  } catch {
    answer.destroy();
  }
}

/** A WebSocket close reason cut to what the protocol allows (123 bytes of UTF-8), whole characters only. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}…`; // the ellipsis is 3 bytes
}
