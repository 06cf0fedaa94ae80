/**
 * Guards the relay's sockets before any request is read: a total cap (below the process's file
 * descriptor limit, so /healthz, viewers and producers keep working when someone opens thousands
 * of sockets), a cap per client address, and a deadline for a request's headers (slowloris), which
 * never touches an ingest whose body streams for days.
 *
 * HTTP/2 multiplexes: one socket carries many requests. Its streams count as connections too (a
 * session is one socket, each stream one more), against both caps; a session must open a stream
 * within the headers deadline, and one whose streams have all ended is closed after as long.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { ClientLimits } from './client-limits.js';
import { FD_RESERVE } from '../constants.js';
import { rawResponse } from '../http/http.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';

/** The soft limit on open files of this process (Linux), or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match && match[1] !== 'unlimited' ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The default total cap: what the file descriptor limit leaves after a reserve, at most 100 000. */
export function defaultMaxConnections(): number {
  const limit = openFileLimit();
  return limit === null ? 10_000 : Math.max(64, Math.min(100_000, limit - FD_RESERVE));
}

export interface ConnectionGuardOptions {
  /** Open connections in all (0: no limit). */
  maxConnections: number;
  /** Open connections per client address (loopback exempt; 0: no limit). */
  maxConnectionsPerClient: number;
  /** A connection must send a request's headers within this long (0: no deadline). */
  headersTimeoutMs: number;
}

export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #clients: ClientLimits;
  readonly #log: RelayLog;
  readonly #metrics: Metrics;
  /** Sockets that have not yet sent a complete request head, and their deadlines. */
  readonly #waiting = new Map<Socket, NodeJS.Timeout>();
  /** HTTP/2 sessions without an open stream, and when they are closed. */
  readonly #idleSessions = new Map<Http2Session, NodeJS.Timeout>();
  #open = 0;

  constructor(options: ConnectionGuardOptions, clients: ClientLimits, log: RelayLog, metrics: Metrics) {
    this.#options = options;
    this.#clients = clients;
    this.#log = log;
    this.#metrics = metrics;
  }

  /**
   * Listens for the server's connections; one guard may watch several servers (a TLS port and a plain
   * one), and its caps count them all. With TLS the headers deadline starts once the handshake is
   * done (the handshake has its own timeout), and not for HTTP/2, whose streams have no head to wait
   * for. On plain HTTP a refused socket is told why (429 / 503) before it closes; a TLS one is closed.
   */
  attach(server: Server, plain: boolean): void {
    server.on('connection', (socket: Socket) => this.#onConnection(socket, plain));
    server.on('secureConnection', (socket: Socket & { alpnProtocol?: string | false }) => {
      if (socket.alpnProtocol !== 'h2') this.#armHeadersDeadline(socket);
    });
    server.on('session', (session: Http2Session) => this.#watchSession(session));
    // A request head arrived: the deadline is met (the next request on a kept-alive socket has
    // Node's own headersTimeout and keepAliveTimeout).
    server.on('request', (req: { socket: Socket }) => this.headersArrived(req.socket));
    server.on('upgrade', (req: { socket: Socket }) => this.headersArrived(req.socket));
  }

  headersArrived(socket: Socket): void {
    const timer = this.#waiting.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#waiting.delete(socket);
  }

  #onConnection(socket: Socket, plain: boolean): void {
    const address = socket.remoteAddress;
    const o = this.#options;
    if (o.maxConnections > 0 && this.#open >= o.maxConnections) {
      this.#refuse(
        socket,
        'connections',
        '503 Service Unavailable',
        `the relay holds ${o.maxConnections} connections, its limit`,
        plain,
      );
      return;
    }
    if (!this.#clients.openConnection(address)) {
      this.#refuse(
        socket,
        'client-connections',
        '429 Too Many Requests',
        `${address} holds ${o.maxConnectionsPerClient} connections, the limit per client`,
        plain,
      );
      return;
    }
    this.#open++;
    socket.once('close', () => {
      this.#open--;
      this.#clients.closeConnection(address);
    });
    if (plain) this.#armHeadersDeadline(socket);
  }

  /**
   * An HTTP/2 stream asks to be served: null when it may be, else the answer that refuses it (the
   * caller sends it). A stream admitted counts as a connection until it closes.
   */
  admitStream(stream: ServerHttp2Stream, address: string | undefined): StreamRefusal | null {
    const o = this.#options;
    if (o.maxConnections > 0 && this.#open >= o.maxConnections) {
      return this.#refuseStream('connections', 503, `the relay holds ${o.maxConnections} connections, its limit`);
    }
    if (!this.#clients.openConnection(address)) {
      return this.#refuseStream(
        'client-connections',
        429,
        `${address} holds ${o.maxConnectionsPerClient} connections and streams, the limit per client`,
      );
    }
    this.#open++;
    stream.once('close', () => {
      this.#open--;
      this.#clients.closeConnection(address);
    });
    return null;
  }

  #refuseStream(reason: string, status: number, why: string): StreamRefusal {
    this.#metrics.refuse(reason);
    this.#log.line('refused', `HTTP/2 stream refused: ${why}`);
    return { status, text: `${why}; try again later\n`, retryAfter: 5 };
  }

  /** A session must open a stream within the deadline, and is closed that long after its last stream ends. */
  #watchSession(session: Http2Session): void {
    const o = this.#options;
    if (o.headersTimeoutMs <= 0) return;
    let open = 0;
    const arm = (what: string) => {
      const timer = setTimeout(() => {
        this.#idleSessions.delete(session);
        this.#metrics.refuse('headers-timeout');
        this.#log.line('refused', `${session.socket?.remoteAddress}: HTTP/2 session ${what}; closed`);
        session.close();
        // A peer that does not read its GOAWAY keeps the socket: gone a moment later.
        setTimeout(() => session.destroy(), 1000).unref();
      }, o.headersTimeoutMs);
      timer.unref();
      this.#idleSessions.set(session, timer);
    };
    const disarm = () => {
      clearTimeout(this.#idleSessions.get(session));
      this.#idleSessions.delete(session);
    };
    arm(`without a request within ${o.headersTimeoutMs / 1000} s`);
    session.on('stream', (stream: ServerHttp2Stream) => {
      open++;
      disarm();
      stream.once('close', () => {
        if (--open === 0 && !session.closed && !session.destroyed) arm(`idle for ${o.headersTimeoutMs / 1000} s`);
      });
    });
    session.once('close', disarm);
  }

  #armHeadersDeadline(socket: Socket): void {
    const o = this.#options;
    const address = socket.remoteAddress;
    if (o.headersTimeoutMs > 0) {
      socket.once('close', () => this.headersArrived(socket));
      const timer = setTimeout(() => {
        this.#waiting.delete(socket);
        this.#metrics.refuse('headers-timeout');
        this.#log.line('refused', `${address}: no request within ${o.headersTimeoutMs / 1000} s; closed`);
        if (socket.writable) socket.end(rawResponse('408 Request Timeout', 'no request in time\n'));
        socket.destroySoon();
        setTimeout(() => socket.destroy(), 1000).unref();
      }, o.headersTimeoutMs);
      timer.unref();
      this.#waiting.set(socket, timer);
    }
  }

  #refuse(socket: Socket, reason: string, status: string, why: string, plain: boolean): void {
    this.#metrics.refuse(reason);
    this.#log.line('refused', `connection refused: ${why}`);
    // Told why on plain HTTP (read before the request: the client sees it as the answer); then gone.
    if (plain) socket.end(rawResponse(status, `${why}; try again later\n`, 'text/plain', { 'retry-after': '5' }));
    socket.on('error', () => undefined);
    socket.destroySoon();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** Connections (and HTTP/2 streams) open now. */
  get open(): number {
    return this.#open;
  }

  /** Clears the deadlines (on close). */
  close(): void {
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    for (const timer of this.#idleSessions.values()) clearTimeout(timer);
    this.#idleSessions.clear();
  }
}

/** How the relay refuses an HTTP/2 stream past a connection cap. */
export interface StreamRefusal {
  status: 429 | 503 | number;
  text: string;
  retryAfter: number;
}
