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
  /** Removes `listener`; the channel is left when it was the last (why by listener: `RedisLink.unsubscribe`). */
  unsubscribe(channel: string, listener: (payload: string) => void): Promise<void>;
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

/** What a node-redis client and a cluster client both offer, the same way. */
interface NodeRedis {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (payload: string) => void): Promise<void>;
  unsubscribe(channel: string, listener: (payload: string) => void): Promise<void>;
  on(event: 'error' | 'ready', listener: (error: Error) => void): unknown;
  close(): Promise<unknown>;
  destroy(): void;
}

/** The calls made the same way on a single server and on a cluster; `command` and `duplicate` differ. */
abstract class NodeRedisConnection implements RedisConnection {
  readonly #redis: NodeRedis;

  constructor(redis: NodeRedis) {
    this.#redis = redis;
  }

  abstract command(firstKey: string | undefined, args: string[]): Promise<unknown>;
  abstract duplicate(): RedisConnection;

  get isReady(): boolean {
    return this.#redis.isReady;
  }

  async connect(): Promise<void> {
    await this.#redis.connect();
  }

  subscribe(channel: string, listener: (payload: string) => void): Promise<void> {
    return this.#redis.subscribe(channel, listener);
  }

  unsubscribe(channel: string, listener: (payload: string) => void): Promise<void> {
    return this.#redis.unsubscribe(channel, listener);
  }

  on(event: 'error' | 'ready', listener: (error: Error) => void): void {
    this.#redis.on(event, listener);
  }

  async close(): Promise<void> {
    await this.#redis.close();
  }

  destroy(): void {
    this.#redis.destroy();
  }
}

class SingleConnection extends NodeRedisConnection {
  readonly #client: RedisClientType;

  constructor(client: RedisClientType) {
    super(client as unknown as NodeRedis);
    this.#client = client;
  }

  command(_firstKey: string | undefined, args: string[]): Promise<unknown> {
    return this.#client.sendCommand(args);
  }

  duplicate(): RedisConnection {
    return new SingleConnection(this.#client.duplicate() as RedisClientType);
  }
}

class ClusterConnection extends NodeRedisConnection {
  readonly #cluster: RedisClusterType;
  readonly #timeoutMs: number;

  constructor(cluster: RedisClusterType, timeoutMs: number) {
    super(cluster as unknown as NodeRedis);
    this.#cluster = cluster;
    this.#timeoutMs = timeoutMs;
  }

  command(firstKey: string | undefined, args: string[]): Promise<unknown> {
    return this.#cluster.sendCommand(firstKey, false, args, { timeout: this.#timeoutMs });
  }

  duplicate(): RedisConnection {
    return new ClusterConnection(this.#cluster.duplicate() as RedisClusterType, this.#timeoutMs);
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
