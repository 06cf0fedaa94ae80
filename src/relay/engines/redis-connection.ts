/**
 * One connection to Redis, a single server or a Redis Cluster, reduced to the few calls the Redis
 * engine makes. On a cluster, a command goes to the node of its first key (a token's keys share
 * one slot: `{token}`), and pub/sub uses one node (Redis forwards PUBLISH to every node).
 */
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';

export type ReconnectStrategy = (retries: number, cause: Error) => false | number | Error;

export interface RedisConnectionOptions {
  url: string;
  /** Commands and connects that get no answer in this long fail. */
  timeoutMs: number;
  reconnectStrategy: ReconnectStrategy;
}

export interface RedisConnection {
  readonly isReady: boolean;
  connect(): Promise<void>;
  /** A command, routed by `firstKey` on a cluster (any node when there is none). */
  command(firstKey: string | undefined, args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (payload: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** A new connection of the same kind (the pub/sub one). */
  duplicate(): RedisConnection;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'ready', listener: () => void): void;
  close(): Promise<void>;
  destroy(): void;
}

function clientOptions(options: RedisConnectionOptions) {
  return {
    // While Redis is away, commands fail at once (an ingest answers 503) instead of queueing.
    disableOfflineQueue: true,
    commandOptions: { timeout: options.timeoutMs },
    socket: { connectTimeout: options.timeoutMs, reconnectStrategy: options.reconnectStrategy },
  };
}

class SingleConnection implements RedisConnection {
  readonly #client: RedisClientType;

  constructor(client: RedisClientType) {
    this.#client = client;
  }

  get isReady(): boolean {
    return this.#client.isReady;
  }

  async connect(): Promise<void> {
    await this.#client.connect();
  }

  command(_firstKey: string | undefined, args: string[]): Promise<unknown> {
    return this.#client.sendCommand(args);
  }

  subscribe(channel: string, listener: (payload: string) => void): Promise<void> {
    return this.#client.subscribe(channel, listener);
  }

  unsubscribe(channel: string): Promise<void> {
    return this.#client.unsubscribe(channel);
  }

  duplicate(): RedisConnection {
    return new SingleConnection(this.#client.duplicate() as RedisClientType);
  }

  on(event: 'error' | 'ready', listener: (error: Error) => void): void {
    this.#client.on(event, listener);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  destroy(): void {
    this.#client.destroy();
  }
}

class ClusterConnection implements RedisConnection {
  readonly #cluster: RedisClusterType;
  readonly #timeoutMs: number;

  constructor(cluster: RedisClusterType, timeoutMs: number) {
    this.#cluster = cluster;
    this.#timeoutMs = timeoutMs;
  }

  get isReady(): boolean {
    return this.#cluster.isReady;
  }

  async connect(): Promise<void> {
    await this.#cluster.connect();
  }

  command(firstKey: string | undefined, args: string[]): Promise<unknown> {
    return this.#cluster.sendCommand(firstKey, false, args, { timeout: this.#timeoutMs });
  }

  subscribe(channel: string, listener: (payload: string) => void): Promise<void> {
    return this.#cluster.subscribe(channel, listener);
  }

  unsubscribe(channel: string): Promise<void> {
    return this.#cluster.unsubscribe(channel);
  }

  duplicate(): RedisConnection {
    return new ClusterConnection(this.#cluster.duplicate() as RedisClusterType, this.#timeoutMs);
  }

  on(event: 'error' | 'ready', listener: (error: Error) => void): void {
    this.#cluster.on(event, listener);
  }

  async close(): Promise<void> {
    await this.#cluster.close();
  }

  destroy(): void {
    this.#cluster.destroy();
  }
}

/**
 * Connects to `url`; when that server says it is part of a cluster (`INFO cluster`), connects to
 * the cluster instead, discovering its nodes from it.
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const client = createClient({ url: options.url, ...clientOptions(options) }) as RedisClientType;
  client.on('error', () => undefined); // reported by connect() below
  await client.connect();
  let info: string;
  try {
    info = String(await client.sendCommand(['INFO', 'cluster']));
  } catch (error) {
    client.destroy();
    throw error;
  }
  if (!/cluster_enabled:1/.test(info)) return new SingleConnection(client);
  client.destroy();
  const url = new URL(options.url);
  const credentials = {
    ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
  };
  const cluster = createCluster({
    rootNodes: [{ url: options.url }],
    // Discovered nodes get these, not the root node's URL: credentials and timeouts go here.
    defaults: { ...clientOptions(options), ...credentials },
  }) as unknown as RedisClusterType;
  cluster.on('error', () => undefined);
  await cluster.connect();
  return new ClusterConnection(cluster, options.timeoutMs);
}
