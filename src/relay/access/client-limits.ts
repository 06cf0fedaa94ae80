/**
 * What one client (a remote address) may hold: open connections, and subscribe requests a second.
 * Loopback peers are not limited: they are this machine's own tools, or a reverse proxy on it that
 * carries every client's connections (limit per client there: nginx `limit_conn`, `limit_req`).
 */
import { isIP } from 'node:net';

/** Loopback addresses, as Node reports them (IPv4, IPv6, IPv4-mapped IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export interface ClientLimitOptions {
  /** Open connections one address may hold (0: no limit). */
  connections: number;
  /** Subscribe requests one address may make a second, on average (0: no limit). */
  subscribesPerSecond: number;
  /** Subscribe requests one address may make at once before the rate applies. */
  subscribeBurst: number;
}

interface Client {
  connections: number;
  /** Subscribe tokens left in the bucket, and when it was last filled. */
  tokens: number;
  filledAt: number;
}

export class ClientLimits {
  readonly #options: ClientLimitOptions;
  readonly #clients = new Map<string, Client>();

  constructor(options: ClientLimitOptions) {
    this.#options = options;
  }

  /** Clients with state held (open connections, or a bucket not yet full). */
  get size(): number {
    return this.#clients.size;
  }

  #client(address: string): Client {
    let client = this.#clients.get(address);
    if (client === undefined) {
      client = { connections: 0, tokens: this.#options.subscribeBurst, filledAt: performance.now() };
      this.#clients.set(address, client);
    }
    return client;
  }

  /** A new connection from `address`: false when it would pass the limit (the caller refuses it). */
  openConnection(address: string | undefined): boolean {
    if (this.#options.connections === 0 || address === undefined || isLoopback(address)) return true;
    const client = this.#client(address);
    if (client.connections >= this.#options.connections) return false;
    client.connections++;
    return true;
  }

  /** A connection `openConnection` let in has closed. */
  closeConnection(address: string | undefined): void {
    if (this.#options.connections === 0 || address === undefined || isLoopback(address)) return;
    const client = this.#clients.get(address);
    if (client === undefined) return;
    client.connections--;
    this.#forgetIfIdle(address, client);
  }

  /**
   * A subscribe request from `address`: 0 when it may go on, else the seconds to wait (for
   * `Retry-After`). A token bucket: `subscribeBurst` at once, then `subscribesPerSecond`.
   */
  subscribe(address: string | undefined): number {
    const rate = this.#options.subscribesPerSecond;
    if (rate === 0 || address === undefined || isLoopback(address)) return 0;
    const client = this.#client(address);
    const now = performance.now();
    client.tokens = Math.min(this.#options.subscribeBurst, this.#tokensAt(client, now));
    client.filledAt = now;
    if (client.tokens >= 1) {
      client.tokens--;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - client.tokens) / rate));
  }

  /** Drops buckets that have filled up again and hold no connection (call now and then). */
  sweep(): void {
    for (const [address, client] of this.#clients) this.#forgetIfIdle(address, client);
  }

  /** The client's bucket at `now`, refilled at the rate since it was last filled (not capped). */
  #tokensAt(client: Client, now: number): number {
    return client.tokens + ((now - client.filledAt) / 1000) * this.#options.subscribesPerSecond;
  }

  #forgetIfIdle(address: string, client: Client): void {
    if (client.connections > 0) return;
    const full =
      this.#options.subscribesPerSecond === 0 ||
      this.#tokensAt(client, performance.now()) >= this.#options.subscribeBurst;
    if (full) this.#clients.delete(address);
  }
}
