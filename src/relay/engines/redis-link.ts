/**
 * The Redis engine's two connections kept alive: one for commands (scripts run by EVALSHA, EVAL when
 * Redis forgot them) and one for pub/sub, with every channel the engine listens to. Outages are
 * logged once each way; the connections reconnect for as long as it takes. Pub/sub can go silent
 * without closing (a half-dead connection): a probe the engine sends itself that never comes back
 * says so, and the pub/sub connection is replaced with every channel subscribed again; after that,
 * and after node-redis reconnects a dropped one, the engine re-reads what it may have missed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { REDIS_DEFAULTS } from '../constants.js';
import { connectRedis, type RedisConnection } from './redis-connection.js';

export interface RedisLinkOptions {
  url: string;
  /** The URL as logs and errors show it (password hidden). */
  where: string;
  /** Prefix of the probe's channel. */
  prefix: string;
  /** A command or connect with no answer in this long fails. */
  timeoutMs: number;
  /** How often a probe goes out over pub/sub. */
  probeMs: number;
  log: (line: string) => void;
  /** The pub/sub connection was replaced, or reconnected by itself: messages may have been missed meanwhile. */
  onResubscribed: () => void;
}

type ChannelHandler = (payload: string) => void;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export class RedisLink {
  #client!: RedisConnection;
  #subscriber!: RedisConnection;
  readonly #options: RedisLinkOptions;
  /** Every channel listened to, subscribed again on a new pub/sub connection. */
  readonly #channels = new Map<string, ChannelHandler>();
  readonly #probeChannel: string;
  #probeTimer: NodeJS.Timeout | null = null;
  #probesSent = 0;
  #probesSeen = 0;
  /** While the pub/sub connection is being replaced: settles once it is (or the old one stays). */
  #replacement: Promise<void> | null = null;
  /** Channels left while it was being replaced, to leave on whichever connection serves after. */
  #leftMeanwhile: Array<[string, ChannelHandler]> = [];
  #started = false;
  #closed = false;
  #down: string | null = null;

  /**
   * Connects both and subscribes to `channels`; rejects with `cannot reach Redis at <where>: <cause>`.
   */
  static async open(options: RedisLinkOptions, channels: Record<string, ChannelHandler>): Promise<RedisLink> {
    const link = new RedisLink(options);
    for (const [channel, handler] of Object.entries(channels)) link.#channels.set(channel, handler);
    await link.#start();
    return link;
  }

  private constructor(options: RedisLinkOptions) {
    this.#options = options;
    this.#probeChannel = `${options.prefix}probe:${randomBytes(6).toString('hex')}`;
  }

  /** Both connections are up. */
  get isReady(): boolean {
    if (!this.#client.isReady || !this.#subscriber.isReady) return false;
    if (this.#down !== null) this.#noteUp(); // a cluster client says nothing when it is back
    return true;
  }

  /** A command, routed by `firstKey` on a cluster. */
  command(firstKey: string | undefined, args: string[]): Promise<unknown> {
    return this.#client.command(firstKey, args);
  }

  /** EVALSHA, and EVAL when Redis does not know the script (a restart forgets scripts). */
  async eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.#client.command(keys[0], ['EVALSHA', sha1(script), ...rest]);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return await this.#client.command(keys[0], ['EVAL', script, ...rest]);
    }
  }

  /**
   * Listens to a channel (on this connection and every later one); a failed subscribe forgets it.
   * While the pub/sub connection is being replaced, it subscribes on the one that serves after.
   */
  subscribe(channel: string, handler: ChannelHandler): Promise<void> {
    this.#channels.set(channel, handler);
    const subscribed =
      this.#replacement === null
        ? this.#subscriber.subscribe(channel, handler)
        : this.#replacement.then(() =>
            // (Left again meanwhile: nothing to subscribe.)
            this.#channels.get(channel) === handler ? this.#subscriber.subscribe(channel, handler) : undefined,
          );
    subscribed.catch(() => {
      if (this.#channels.get(channel) === handler) this.#channels.delete(channel);
    });
    return subscribed;
  }

  /**
   * Stops `handler` hearing a channel. It names the handler, not the whole channel: node-redis then
   * marks the channel as leaving, so a subscribe before Redis answers sends its own SUBSCRIBE (a
   * whole-channel unsubscribe takes that subscriber down with it when Redis answers: deaf for good).
   */
  unsubscribe(channel: string, handler: ChannelHandler): void {
    if (this.#channels.get(channel) === handler) this.#channels.delete(channel);
    if (this.#closed) return;
    if (this.#replacement !== null) this.#leftMeanwhile.push([channel, handler]);
    else this.#subscriber.unsubscribe(channel, handler).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#probeTimer !== null) clearInterval(this.#probeTimer);
    this.#channels.clear();
    await Promise.allSettled([this.#subscriber.close(), this.#client.close()]);
  }

  /** At start a refused connection is an error to report; later, reconnect for as long as it takes. */
  #reconnectStrategy = (retries: number, cause: Error): false | number | Error =>
    this.#closed
      ? false
      : !this.#started
        ? cause
        : Math.min(100 * 2 ** Math.min(retries, 5), REDIS_DEFAULTS.maxReconnectDelayMs);

  async #start(): Promise<void> {
    const o = this.#options;
    try {
      this.#client = await connectRedis({
        url: o.url,
        timeoutMs: o.timeoutMs,
        reconnectStrategy: this.#reconnectStrategy,
      });
      this.#watch(this.#client, 'commands');
      this.#subscriber = this.#newSubscriber();
      await this.#subscriber.connect();
      await this.#subscribeAll(this.#subscriber);
    } catch (error) {
      this.#closed = true;
      await Promise.allSettled([this.#client?.destroy(), this.#subscriber?.destroy()]);
      const cause = error instanceof AggregateError ? error.errors[0] : error;
      throw new Error(`cannot reach Redis at ${o.where}: ${(cause as Error)?.message || String(cause)}`, {
        cause: error,
      });
    }
    this.#started = true;
    this.#probeTimer = setInterval(() => void this.#probe(), o.probeMs);
    this.#probeTimer.unref();
  }

  #watch(connection: RedisConnection, name: string): void {
    // An 'error' event without a listener would crash the process: report each outage once.
    connection.on('error', (error: Error) => this.#noteDown(`${name}: ${error.message}`));
    connection.on('ready', () => this.#noteUp());
  }

  #newSubscriber(): RedisConnection {
    const subscriber = this.#client.duplicate();
    this.#watch(subscriber, 'pub/sub');
    // node-redis reconnects a dropped connection and subscribes again before it says 'ready'; what
    // was published meanwhile never comes, and with no later message nothing would reveal it.
    let readyBefore = false;
    subscriber.on('ready', () => {
      if (readyBefore && subscriber === this.#subscriber && !this.#closed) this.#options.onResubscribed();
      readyBefore = true;
    });
    return subscriber;
  }

  async #subscribeAll(subscriber: RedisConnection): Promise<void> {
    await subscriber.subscribe(this.#probeChannel, (payload: string) => {
      this.#probesSeen = Math.max(this.#probesSeen, Number(payload) || 0);
    });
    for (const [channel, handler] of this.#channels) await subscriber.subscribe(channel, handler);
  }

  async #probe(): Promise<void> {
    if (this.#closed || this.#replacement !== null || !this.#client.isReady || !this.#subscriber.isReady) return;
    if (this.#probesSeen < this.#probesSent) {
      this.#options.log(
        `Redis pub/sub at ${this.#options.where} went silent (probe ${this.#probesSent} never came back); subscribing again`,
      );
      await this.#replaceSubscriber();
    }
    this.#probesSent++;
    await this.#client
      .command(undefined, ['PUBLISH', this.#probeChannel, String(this.#probesSent)])
      .catch(() => undefined);
  }

  /** A new pub/sub connection with every subscription; then the engine reads what was missed. */
  async #replaceSubscriber(): Promise<void> {
    let replaced!: () => void;
    this.#replacement = new Promise<void>((resolve) => (replaced = resolve));
    const fresh = this.#newSubscriber();
    let ok = true;
    try {
      await fresh.connect();
      await this.#subscribeAll(fresh);
    } catch (error) {
      this.#options.log(`could not subscribe again: ${(error as Error).message}`);
      fresh.destroy();
      ok = false;
    }
    if (ok) {
      const old = this.#subscriber;
      this.#subscriber = fresh;
      this.#probesSeen = this.#probesSent;
      old.destroy();
    }
    // Subscribes made meanwhile go on now (`subscribe` waits for this); channels left meanwhile
    // (possibly subscribed by `#subscribeAll` above) are left on the connection that serves.
    const left = this.#leftMeanwhile;
    this.#leftMeanwhile = [];
    this.#replacement = null;
    for (const [channel, handler] of left)
      if (this.#channels.get(channel) !== handler)
        this.#subscriber.unsubscribe(channel, handler).catch(() => undefined);
    replaced();
    if (ok) this.#options.onResubscribed();
  }

  #noteDown(reason: string): void {
    if (this.#closed || !this.#started || this.#down !== null) return;
    this.#down = reason;
    this.#options.log(`Redis at ${this.#options.where} is unreachable (${reason}); reconnecting`);
  }

  #noteUp(): void {
    if (this.#down === null || !this.#client.isReady || !this.#subscriber.isReady) return;
    this.#down = null;
    this.#options.log(`Redis at ${this.#options.where} is back`);
  }
}
