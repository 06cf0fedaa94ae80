/** Small HTTP helpers the relay's routes share. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Headers = Record<string, string>;

/** The request's URL (its path and query; the host is a placeholder). */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://relay');
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

/**
 * Headers for a response: HTTP/2 has no connection-specific headers (`connection`, `keep-alive`),
 * and Node refuses a response that sets one, so they are left out there.
 */
export function forProtocol(res: ServerResponse, headers: Headers): Headers {
  if (!isHttp2(res.req)) return headers;
  const { connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
}

/** The credential of `Authorization: Bearer CREDENTIAL` (one word), or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization');
  return auth === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
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
