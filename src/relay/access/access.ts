/**
 * Who may use the relay, made from its options before anything is opened (a bad origin list or a
 * short read secret refuses to start): the pages (origins), readers (read tokens), writers (write
 * keys), and what each client address may hold; the gate requests pass through.
 */
import type { RelayLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import { ClientLimits } from './client-limits.js';
import type { WriteKeys } from './keys.js';
import { OriginPolicy } from './origins.js';
import { ReadAccess } from './read-access.js';
import { RequestGate } from './request-gate.js';

export interface Access {
  readonly origins: OriginPolicy;
  readonly readAccess: ReadAccess | null;
  /** Write keys by token, or null when ingest is open. */
  readonly keys: WriteKeys | null;
  readonly clients: ClientLimits;
  readonly gate: RequestGate;
}

/** The relay's options about access (`RelayOptions`, defaults filled in where the relay has them). */
export interface AccessOptions {
  keys?: WriteKeys | Record<string, string> | null | undefined;
  allowOrigin?: string | readonly string[] | undefined;
  readSecret?: string | undefined;
  readPublicKey?: string | Buffer | undefined;
  maxConnectionsPerClient: number;
  subscribeRate: number;
}

/** Reads the access options; throws (one line) on one that cannot be used. */
export function createAccess(o: AccessOptions, metrics: Metrics, log: RelayLog): Access {
  const keys: WriteKeys | null =
    o.keys == null ? null : o.keys instanceof Map ? o.keys : new Map(Object.entries(o.keys));
  const origins = new OriginPolicy(o.allowOrigin);
  if (o.readSecret !== undefined && o.readPublicKey !== undefined)
    throw new Error('give readSecret or readPublicKey, not both');
  const readAccess =
    o.readSecret !== undefined
      ? ReadAccess.fromSecret(o.readSecret)
      : o.readPublicKey !== undefined
        ? ReadAccess.fromPublicKey(o.readPublicKey)
        : null;
  const clients = new ClientLimits({
    connections: o.maxConnectionsPerClient,
    subscribesPerSecond: o.subscribeRate,
    subscribeBurst: 3 * o.subscribeRate,
  });
  return { origins, readAccess, keys, clients, gate: new RequestGate(origins, readAccess, clients, metrics, log) };
}
