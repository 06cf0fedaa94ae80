/**
 * The relay's listening sockets: plain HTTP/1.1, or with TLS HTTP/2 and HTTP/1.1 on one port (and,
 * when asked, plain HTTP/1.1 on a second port for clients without TLS); the connection caps and
 * header deadlines (`ConnectionGuard`, one for both ports) on every connection; and the end of every
 * connection on shutdown, gently first (open streams told why), then by force after a grace.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { ClientLimits } from '../access/client-limits.js';
import { ConnectionGuard, defaultMaxConnections } from '../access/connection-guard.js';
import { MAX_STREAMS_PER_SESSION, SHUTDOWN_GRACE_MS } from '../constants.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { HttpParseError } from './chart-studio-tail.js';
import type { InternalErrors } from './internal-errors.js';

export interface ListenerOptions {
  port: number;
  host: string;
  /** PEM certificate and key: https and wss, HTTP/2 beside HTTP/1.1. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** With `tls`: plain HTTP/1.1 on this port of `host` too, the same routes (0: any free port). */
  plainPort?: number | undefined;
  /** A connection must send its request's headers within this long (0: no deadline). */
  headersTimeoutMs: number;
  /** Open connections in all (default: the open-file limit less a reserve). */
  maxConnections?: number | undefined;
  /** Open connections per client address (loopback exempt; 0: no limit). */
  maxConnectionsPerClient: number;
  /** Passed to http.createServer (plain HTTP); `requestTimeout` is always 0. */
  httpServerOptions?: ServerOptions | undefined;
}

/** What the listener hands each request, upgrade and request Node's parser refused. */
export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
  clientError(error: HttpParseError, socket: Socket): void;
}

export class Listener {
  readonly server: Server;
  /** The plain HTTP server of `plainPort`, or null. */
  readonly plainServer: Server | null;
  /** The connection caps and header deadlines; HTTP/2 streams are admitted through it too. */
  readonly guard: ConnectionGuard;
  readonly #options: ListenerOptions;
  readonly #errors: InternalErrors;
  /** Every socket and HTTP/2 session, so a shutdown can end them: the HTTP/2 server has no closeAllConnections. */
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<Http2Session>();

  constructor(
    options: ListenerOptions,
    clients: ClientLimits,
    log: RelayLog,
    metrics: Metrics,
    errors: InternalErrors,
  ) {
    this.#options = options;
    this.#errors = errors;
    // Ingest streams stay open for days: no request timeout, no socket inactivity timeout (the ingest
    // has its own). The guard's header deadline comes first; Node's, a moment later, covers the next
    // request on a kept-alive connection.
    const headersTimeout = options.headersTimeoutMs > 0 ? options.headersTimeoutMs + 1000 : 0;
    this.server =
      options.tls !== undefined
        ? (createSecureServer({
            cert: options.tls.cert,
            key: options.tls.key,
            // HTTP/2 (SSE viewers of every tab share one connection) and HTTP/1.1 (WebSocket upgrades).
            allowHTTP1: true,
            handshakeTimeout: options.headersTimeoutMs > 0 ? options.headersTimeoutMs : 120_000,
            // Streams one session may hold at once; the peer is told, and nghttp2 refuses more.
            settings: { maxConcurrentStreams: MAX_STREAMS_PER_SESSION },
          }) as unknown as Server)
        : plainServer(options, headersTimeout);
    this.plainServer =
      options.tls !== undefined && options.plainPort !== undefined ? plainServer(options, headersTimeout) : null;
    this.server.setTimeout(0);
    this.server.headersTimeout = headersTimeout;
    this.server.requestTimeout = 0;
    for (const server of this.#servers)
      server.on('connection', (socket: Socket) => {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
      });
    this.server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
    this.guard = new ConnectionGuard(
      {
        maxConnections: options.maxConnections ?? defaultMaxConnections(),
        maxConnectionsPerClient: options.maxConnectionsPerClient,
        headersTimeoutMs: options.headersTimeoutMs,
      },
      clients,
      log,
      metrics,
    );
    this.guard.attach(this.server, options.tls === undefined);
    if (this.plainServer !== null) this.guard.attach(this.plainServer, true);
    // A TLS handshake that fails (a scanner, plain HTTP on the https port) is not the relay's error.
    this.server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
  }

  /** The servers: the main one, and the plain one when there is one. */
  get #servers(): Server[] {
    return this.plainServer === null ? [this.server] : [this.server, this.plainServer];
  }

  /**
   * Hands requests to `handlers` and listens; throws `cannot listen on host:port: ...` when it
   * cannot. Resolves to the main port's address (and the plain port's, or null).
   */
  async listen(handlers: ListenerHandlers): Promise<{ address: AddressInfo; plain: AddressInfo | null }> {
    for (const server of this.#servers) {
      server.on('request', handlers.request);
      server.on('upgrade', handlers.upgrade);
      server.on('clientError', (error: HttpParseError, socket: Socket) => {
        try {
          handlers.clientError(error, socket);
        } catch (thrown) {
          this.#errors.report('malformed request', thrown);
          socket.destroy();
        }
      });
    }
    await listen(this.server, this.#options.port, this.#options.host);
    if (this.plainServer !== null) await listen(this.plainServer, this.#options.plainPort ?? 0, this.#options.host);
    return {
      address: this.server.address() as AddressInfo,
      plain: (this.plainServer?.address() as AddressInfo | undefined) ?? null,
    };
  }

  /**
   * Stops listening, has `endStreams` end open ingests and viewers (each told why), closes idle
   * connections at once and destroys what is still open after the grace. Resolves once closed.
   */
  async close(endStreams: () => void): Promise<void> {
    this.guard.close();
    const stopped = Promise.all(
      this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    endStreams();
    const plainServers = this.#servers.filter(
      (server) => server === this.plainServer || this.#options.tls === undefined,
    );
    for (const server of plainServers) server.closeIdleConnections();
    for (const session of this.#sessions) session.close();
    const grace = setTimeout(() => {
      for (const server of plainServers) server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    }, SHUTDOWN_GRACE_MS);
    await stopped;
    clearTimeout(grace);
  }
}

/** A plain HTTP/1.1 server: no request timeout (ingests stream for days), Node's header deadline. */
function plainServer(options: ListenerOptions, headersTimeout: number): Server {
  const server = createServer({ ...options.httpServerOptions, requestTimeout: 0, headersTimeout });
  server.setTimeout(0);
  return server;
}

/** A server of its own on 127.0.0.1 for `/metrics` (`--metrics-port`), for a scraper on the same host. */
export async function listenForMetrics(
  port: number,
  request: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer(request);
  await listen(server, port, '127.0.0.1');
  return { server, port: (server.address() as AddressInfo).port };
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
