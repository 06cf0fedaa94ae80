/**
 * What a request must pass before the relay serves it: its page's origin, the client's subscribe
 * rate, and (with private streams) a read token covering what it asks for. Each refusal is counted
 * in /metrics and logged (within the log's budget) without the token or the query string.
 */
import type { IncomingMessage } from 'node:http';
import { SubscribeParam, originRefusalReason } from '../../shared/protocol.js';
import type { ClientLimits } from './client-limits.js';
import { bearerToken, headerValue, type Headers, type RequestTarget } from '../http/http.js';
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { OriginPolicy } from './origins.js';
import { ReadAccess, isRefusal, type ReadGrant, type ReadRefusal } from './read-access.js';

export class RequestGate {
  readonly origins: OriginPolicy;
  readonly readAccess: ReadAccess | null;
  readonly #clients: ClientLimits;
  readonly #metrics: Metrics;
  readonly #log: RelayLog;

  constructor(
    origins: OriginPolicy,
    readAccess: ReadAccess | null,
    clients: ClientLimits,
    metrics: Metrics,
    log: RelayLog,
  ) {
    this.origins = origins;
    this.readAccess = readAccess;
    this.#clients = clients;
    this.#metrics = metrics;
    this.#log = log;
  }

  /** CORS headers for a response: the page's origin echoed when it is allowed (never `*`), else none. */
  cors(req: IncomingMessage): Headers {
    const origin = headerValue(req, 'origin');
    return origin !== undefined && this.origins.allows(origin)
      ? { 'access-control-allow-origin': origin, vary: 'Origin' }
      : { vary: 'Origin' };
  }

  /**
   * Null when the request's page may use the relay (or it comes from no page), else why not: what to
   * start the relay with, for the person who reads it in the chart's badge.
   */
  checkOrigin(req: IncomingMessage, what: string): string | null {
    const origin = headerValue(req, 'origin');
    if (this.origins.allows(origin)) return null;
    this.#metrics.refuse('origin');
    this.#log.line('refused', `${what} from a page at ${origin} refused: its origin is not allowed (--allow-origin)`);
    return originRefusalReason(origin);
  }

  /**
   * Headers for a refusal of the page's origin: the page may read why (the body is only the reason),
   * though it may not use the relay. Without them a browser hides the status from the page.
   */
  refusalCors(req: IncomingMessage): Headers {
    const origin = headerValue(req, 'origin');
    return origin === undefined ? { vary: 'Origin' } : { 'access-control-allow-origin': origin, vary: 'Origin' };
  }

  /** 0 when the client may subscribe now, else the seconds it should wait. */
  checkSubscribeRate(req: IncomingMessage): number {
    const wait = this.#clients.subscribe(req.socket.remoteAddress);
    if (wait > 0) {
      this.#metrics.refuse('subscribe-rate');
      this.#log.line('refused', `subscribe from ${req.socket.remoteAddress} refused: too many a second`);
    }
    return wait;
  }

  /**
   * With private streams: the grant of the request's read token if it covers every token, else the
   * refusal. Without: null (anyone may read).
   */
  async checkRead(
    req: IncomingMessage,
    target: RequestTarget,
    tokens: readonly string[],
  ): Promise<ReadGrant | ReadRefusal | null> {
    if (this.readAccess === null) return null;
    const result = await this.readAccess.verify(presentedReadToken(req, target));
    const refusal = isRefusal(result) ? result : ReadAccess.check(result, tokens);
    if (refusal === null) return result;
    this.#metrics.refuse(refusal.code === 'forbidden' ? 'read-forbidden' : 'read-unauthorized');
    this.#log.line(
      'refused',
      `subscription from ${req.socket.remoteAddress} refused (${refusal.status}): ${refusal.reason}`,
    );
    return refusal;
  }
}

/** The read token of a request: `Authorization: Bearer`, else the `access_token` query parameter. */
export function presentedReadToken(req: IncomingMessage, target: RequestTarget): string | undefined {
  return bearerToken(req) ?? target.searchParams.get(SubscribeParam.accessToken) ?? undefined;
}
