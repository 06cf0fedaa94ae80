/**
 * The one place a request's target is read (`parseTarget`: a target that is not a URL is a 400,
 * never a throw) and the table of routes by path: every HTTP/1.1 and HTTP/2 request, and every
 * WebSocket upgrade, goes through here. Each route is a function of its own (`routes/`); a throw in
 * one is a 500 on that request (`InternalErrors`), never the process's end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { StreamRefusal } from '../access/connection-guard.js';
import { BAD_TARGET, isHttp2, parseTarget, rawResponse, sendText } from './http.js';
import type { InternalErrors } from './internal-errors.js';
import type { RouteHandler, UpgradeHandler } from './routes/route.js';

export interface RouterTable {
  /** Handlers by path (each answers its own methods). */
  routes: Record<string, RouteHandler>;
  /** Handlers of every path under a prefix ending in `/` (`/api/charts/`: a chart's id follows), longest first. */
  prefixes?: Array<[prefix: string, handler: RouteHandler]>;
  /** `OPTIONS` on any path (without it, `OPTIONS` is routed by path as other methods are). */
  preflight?: RouteHandler;
  /** WebSocket upgrades by path. */
  upgrades: Record<string, UpgradeHandler>;
  /** WebSocket upgrades of every path under a prefix ending in `/`. */
  upgradePrefixes?: Array<[prefix: string, handler: UpgradeHandler]>;
  /** The answer to a path with no route. */
  notFound: string;
  /** An HTTP/2 stream is a connection of its own: null when it may be served, else how it is refused. */
  admitStream?(stream: ServerHttp2Stream, address: string | undefined): StreamRefusal | null;
}

export class Router {
  readonly #table: RouterTable;
  /** Every request (HTTP/1.1 and HTTP/2). */
  readonly request: (req: IncomingMessage, res: ServerResponse) => void;
  /** Every upgrade request. */
  readonly upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void;

  constructor(table: RouterTable, errors: InternalErrors) {
    this.#table = table;
    this.request = errors.guarded('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
    this.upgrade = errors.guarded('WebSocket upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#upgrade(req, socket, head),
    );
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    if (isHttp2(req) && this.#table.admitStream !== undefined) {
      const stream = (req as unknown as { stream: ServerHttp2Stream }).stream;
      const refused = this.#table.admitStream(stream, req.socket.remoteAddress);
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
    if (req.method === 'OPTIONS' && this.#table.preflight !== undefined) {
      this.#table.preflight(req, res, target);
      return;
    }
    const route = Object.hasOwn(this.#table.routes, target.pathname)
      ? this.#table.routes[target.pathname]
      : this.#table.prefixes?.find(([prefix]) => target.pathname.startsWith(prefix))?.[1];
    if (route !== undefined) route(req, res, target);
    else sendText(res, 404, `${this.#table.notFound}\n`);
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const target = parseTarget(req.url);
    if (target === null) {
      socket.end(rawResponse('400 Bad Request', `${BAD_TARGET}\n`));
      return;
    }
    const upgrade = Object.hasOwn(this.#table.upgrades, target.pathname)
      ? this.#table.upgrades[target.pathname]
      : this.#table.upgradePrefixes?.find(([prefix]) => target.pathname.startsWith(prefix))?.[1];
    if (upgrade !== undefined) upgrade(req, socket, head, target);
    else socket.end(rawResponse('404 Not Found'));
  }
}
