/**
 * The Redis engine: history in a Redis Stream per token, live messages over pub/sub, the epoch and
 * offsets in Redis. Several relays on one Redis share every token, and a relay restart keeps each
 * token's epoch, so viewers resume exactly. Built the way Centrifugo's Redis engine is: one atomic
 * script gives a message its offset, stores it and publishes it; a subscriber listens before it
 * reads history and merges the two by offset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connectRedis, type RedisConnection } from './redis-connection.js';
import { MAX_PUBLISH_BATCH, REDIS_DEFAULTS } from '../constants.js';
import {
  newEpoch,
  type Engine,
  type EngineHealth,
  type History,
  type HistoryLimits,
  type Listening,
  type MessageListener,
  type StoredMessage,
} from './engine.js';
import { CLAIM_SCRIPT, HISTORY_SCRIPT, PUBLISH_SCRIPT } from './redis-scripts.js';

export interface RedisEngineOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS). */
  url: string;
  /** Prepended to every key and channel, so several deployments can share one Redis. Default `plotly-stream:`. */
  prefix?: string;
  limits: HistoryLimits;
  /** A command that gets no answer in this long fails (the ingest answers 503). Default 5000 ms. */
  commandTimeoutMs?: number;
  /**
   * How often the engine sends itself a probe over pub/sub. A probe that has not come back by the
   * next one means the pub/sub connection went silent without closing: it is replaced. Default 5000 ms.
   */
  probeMs?: number;
  /** Where log lines go (reconnects, errors). */
  log?: (line: string) => void;
}

interface LiveToken {
  channel: string;
  /** The pub/sub handler, kept to subscribe again on a new connection. */
  onMessage: (payload: string) => void;
  listeners: Set<MessageListener>;
  ready: Promise<void>;
  /** The last message delivered to the listeners (pub/sub is at-most-once: a skip is re-read). */
  epoch: string | null;
  offset: number;
  /** Messages that arrived while a gap is re-read from the stream; null when none is. */
  waiting: Array<{ epoch: string; message: StoredMessage }> | null;
}

interface PendingPublish {
  text: string;
  time: number;
  resolve(): void;
  reject(error: unknown): void;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return '(a URL that does not parse)';
  }
}

/** `epoch:offset:time:text`, as the publish script sends it. */
function parseLive(payload: string): { epoch: string; message: StoredMessage } | null {
  const a = payload.indexOf(':');
  const b = payload.indexOf(':', a + 1);
  const c = payload.indexOf(':', b + 1);
  if (a <= 0 || b < 0 || c < 0) return null;
  const offset = Number(payload.slice(a + 1, b));
  const time = Number(payload.slice(b + 1, c));
  if (!Number.isSafeInteger(offset) || !Number.isFinite(time)) return null;
  return { epoch: payload.slice(0, a), message: { offset, time, text: payload.slice(c + 1) } };
}

export class RedisEngine implements Engine {
  /** Every relay on the same Redis (and prefix) shares every token. */
  readonly shared = true;
  #client!: RedisConnection;
  #subscriber!: RedisConnection;
  readonly #url: string;
  readonly #prefix: string;
  readonly #limits: HistoryLimits;
  readonly #timeout: number;
  readonly #log: (line: string) => void;
  readonly #where: string;
  readonly #live = new Map<string, LiveToken>();
  readonly #claimListeners = new Set<(token: string, claim: number) => void>();
  /** Messages waiting for this tick's script calls, by token. */
  readonly #outgoing = new Map<string, PendingPublish[]>();
  #flushScheduled = false;
  #started = false;
  #closed = false;
  #down: string | null = null;
  readonly #probeChannel: string;
  readonly #probeMs: number;
  #probeTimer: NodeJS.Timeout | null = null;
  #probesSent = 0;
  #probesSeen = 0;
  #replacing = false;

  /**
   * Connects (a command connection and a pub/sub connection) and checks that Redis answers.
   * Rejects with one line that names the URL (password hidden) and the cause.
   */
  static async connect(options: RedisEngineOptions): Promise<RedisEngine> {
    // A typo is not an unreachable Redis: say what a URL should look like, before any connection.
    const url = URL.canParse(options.url) ? new URL(options.url) : null;
    if (url === null || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
      const got = url === null ? 'something that is not a URL' : `a ${url.protocol} URL`;
      throw new Error(`--redis needs a URL like redis://host:6379 (or rediss:// for TLS), got ${got}`);
    }
    const engine = new RedisEngine(options);
    await engine.#start();
    return engine;
  }

  private constructor(options: RedisEngineOptions) {
    this.#prefix = options.prefix ?? REDIS_DEFAULTS.prefix;
    this.#limits = options.limits;
    this.#timeout = options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs;
    this.#log = options.log ?? (() => undefined);
    this.#where = redactRedisUrl(options.url);
    this.#probeMs = options.probeMs ?? REDIS_DEFAULTS.probeMs;
    this.#probeChannel = `${this.#prefix}probe:${randomBytes(6).toString('hex')}`;
    this.#url = options.url;
  }

  /** At start a refused connection is an error to report; later, reconnect for as long as it takes. */
  #reconnectStrategy = (retries: number, cause: Error): false | number | Error =>
    this.#closed
      ? false
      : !this.#started
        ? cause
        : Math.min(100 * 2 ** Math.min(retries, 5), REDIS_DEFAULTS.maxReconnectDelayMs);

  #watch(connection: RedisConnection, name: string): void {
    // An 'error' event without a listener would crash the process: report each outage once.
    connection.on('error', (error: Error) => this.#noteDown(`${name}: ${error.message}`));
    connection.on('ready', () => this.#noteUp());
  }

  #newSubscriber(): RedisConnection {
    const subscriber = this.#client.duplicate();
    this.#watch(subscriber, 'pub/sub');
    return subscriber;
  }

  /** Subscribes a pub/sub connection to what this engine listens to: claims, its probe, live tokens. */
  async #subscribeAll(subscriber: RedisConnection): Promise<void> {
    await subscriber.subscribe(this.#producersChannel, (payload: string) => this.#onClaim(payload));
    await subscriber.subscribe(this.#probeChannel, (payload: string) => {
      this.#probesSeen = Math.max(this.#probesSeen, Number(payload) || 0);
    });
    for (const live of this.#live.values()) await subscriber.subscribe(live.channel, live.onMessage);
  }

  async #start(): Promise<void> {
    try {
      this.#client = await connectRedis({
        url: this.#url,
        timeoutMs: this.#timeout,
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
      throw new Error(`cannot reach Redis at ${this.#where}: ${(cause as Error)?.message || String(cause)}`, {
        cause: error,
      });
    }
    this.#started = true;
    this.#probeTimer = setInterval(() => void this.#probe(), this.#probeMs);
    this.#probeTimer.unref();
  }

  /** Pub/sub can go silent without closing (a half-dead connection): a probe that never comes back says so. */
  async #probe(): Promise<void> {
    if (this.#closed || this.#replacing || !this.#client.isReady || !this.#subscriber.isReady) return;
    if (this.#probesSeen < this.#probesSent) {
      this.#log(
        `Redis pub/sub at ${this.#where} went silent (probe ${this.#probesSent} never came back); subscribing again`,
      );
      await this.#replaceSubscriber();
    }
    this.#probesSent++;
    await this.#client
      .command(undefined, ['PUBLISH', this.#probeChannel, String(this.#probesSent)])
      .catch(() => undefined);
  }

  /** A new pub/sub connection with every subscription; then what was missed is read from the streams. */
  async #replaceSubscriber(): Promise<void> {
    this.#replacing = true;
    const fresh = this.#newSubscriber();
    try {
      await fresh.connect();
      await this.#subscribeAll(fresh);
    } catch (error) {
      this.#log(`could not subscribe again: ${(error as Error).message}`);
      fresh.destroy();
      this.#replacing = false;
      return;
    }
    const old = this.#subscriber;
    this.#subscriber = fresh;
    this.#probesSeen = this.#probesSent;
    this.#replacing = false;
    old.destroy();
    for (const [token, live] of this.#live) {
      if (live.epoch === null || live.waiting !== null) continue;
      live.waiting = [];
      void this.#refill(token, live);
    }
  }

  #noteDown(reason: string): void {
    if (this.#closed || !this.#started || this.#down !== null) return;
    this.#down = reason;
    this.#log(`Redis at ${this.#where} is unreachable (${reason}); reconnecting`);
  }

  #noteUp(): void {
    if (this.#down === null || !this.#client.isReady || !this.#subscriber.isReady) return;
    this.#down = null;
    this.#log(`Redis at ${this.#where} is back`);
  }

  get #producersChannel(): string {
    return `${this.#prefix}producers`;
  }

  /** The token TTL for the scripts, in ms ('0': keys do not expire). */
  get #ttl(): string {
    return String(Math.max(0, Math.round(this.#limits.tokenTtlMs ?? 0)));
  }

  #key(token: string, kind: 'meta' | 'history' | 'live' | 'producer'): string {
    // Tokens cannot hold braces: `{token}` is always a whole hash tag.
    return `${this.#prefix}{${token}}:${kind}`;
  }

  /** EVALSHA, and EVAL when Redis does not know the script (a restart forgets scripts). */
  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    const sha = sha1(script);
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.#client.command(keys[0], ['EVALSHA', sha, ...rest]);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return await this.#client.command(keys[0], ['EVAL', script, ...rest]);
    }
  }

  /**
   * Messages published to a token in one tick go to Redis as one script call (in order, up to
   * `MAX_PUBLISH_BATCH` each): a script call per line would cap ingest near 10k lines/s.
   */
  publish(token: string, text: string, time: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.#outgoing.get(token);
      if (batch === undefined) {
        batch = [];
        this.#outgoing.set(token, batch);
      }
      batch.push({ text, time, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flushOutgoing);
      }
    });
  }

  #flushOutgoing = (): void => {
    this.#flushScheduled = false;
    const outgoing = [...this.#outgoing];
    this.#outgoing.clear();
    for (const [token, pending] of outgoing) {
      for (let start = 0; start < pending.length; start += MAX_PUBLISH_BATCH) {
        void this.#store(token, pending.slice(start, start + MAX_PUBLISH_BATCH));
      }
    }
  };

  async #store(token: string, batch: PendingPublish[]): Promise<void> {
    const args = [
      newEpoch(),
      String(this.#limits.messages),
      String(this.#limits.bytes),
      this.#key(token, 'live'),
      this.#ttl,
    ];
    for (const message of batch) args.push(message.text, String(message.time));
    try {
      await this.#eval(
        PUBLISH_SCRIPT,
        [this.#key(token, 'meta'), this.#key(token, 'history'), this.#key(token, 'producer')],
        args,
      );
    } catch (error) {
      for (const message of batch) message.reject(error);
      return;
    }
    for (const message of batch) message.resolve();
  }

  async history(token: string, after = 0): Promise<History> {
    const reply = (await this.#eval(
      HISTORY_SCRIPT,
      [this.#key(token, 'meta'), this.#key(token, 'history')],
      [newEpoch(), String(after + 1), this.#ttl],
    )) as [string, number, Array<[string, string[]]>];
    const [epoch, lastOffset, rows] = reply;
    const entries = rows.map(([id, fields]): StoredMessage => {
      const values: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i] as string] = fields[i + 1] as string;
      return { offset: Number.parseInt(id, 10), time: Number(values['t']), text: values['d'] ?? '' };
    });
    return { epoch, entries, lastOffset: Number(lastOffset) };
  }

  listen(token: string, listener: MessageListener): Listening {
    let live = this.#live.get(token);
    if (live === undefined) {
      const channel = this.#key(token, 'live');
      const created: LiveToken = {
        channel,
        onMessage: (payload: string) => this.#onLive(token, created, payload),
        listeners: new Set(),
        ready: Promise.resolve(),
        epoch: null,
        offset: 0,
        waiting: null,
      };
      created.ready = this.#subscriber.subscribe(channel, created.onMessage);
      // A failed subscribe (Redis away) is reported by `ready` to whoever waits on it, and forgotten,
      // so the next listen subscribes again.
      created.ready.catch(() => {
        if (this.#live.get(token) === created) this.#live.delete(token);
      });
      this.#live.set(token, created);
      live = created;
    }
    live.listeners.add(listener);
    const state = live;
    return {
      ready: state.ready,
      stop: () => {
        if (!state.listeners.delete(listener) || state.listeners.size > 0) return;
        if (this.#live.get(token) === state) this.#live.delete(token);
        if (!this.#closed) this.#subscriber.unsubscribe(state.channel).catch(() => undefined);
      },
    };
  }

  #onLive(token: string, live: LiveToken, payload: string): void {
    const parsed = parseLive(payload);
    if (parsed === null) {
      this.#log(`ignored a malformed message on ${live.channel}`);
      return;
    }
    if (live.waiting !== null) live.waiting.push(parsed);
    else this.#accept(token, live, parsed.epoch, parsed.message, false);
  }

  /** Delivers in order; an offset that skips ahead in the same epoch is first re-read from the stream. */
  #accept(token: string, live: LiveToken, epoch: string, message: StoredMessage, afterRefill: boolean): void {
    if (live.epoch === epoch) {
      if (message.offset <= live.offset) return; // delivered already (re-read from the stream)
      if (message.offset > live.offset + 1 && !afterRefill) {
        live.waiting = [{ epoch, message }];
        void this.#refill(token, live);
        return;
      }
    }
    live.epoch = epoch;
    live.offset = message.offset;
    for (const listener of live.listeners) listener(epoch, message);
  }

  async #refill(token: string, live: LiveToken): Promise<void> {
    const from = live.offset;
    const epoch = live.epoch;
    try {
      const history = await this.history(token, from);
      if (history.epoch === epoch) {
        const next = live.waiting?.[0]?.message.offset ?? Infinity;
        for (const entry of history.entries) {
          if (entry.offset >= next) break;
          this.#accept(token, live, history.epoch, entry, true);
        }
      }
    } catch (error) {
      this.#log(`could not re-read ${token} after offset ${from}: ${(error as Error).message}`);
    }
    const waiting = live.waiting ?? [];
    live.waiting = null;
    // What the stream no longer holds is lost for good: deliver the rest without waiting for it.
    for (const item of waiting) this.#accept(token, live, item.epoch, item.message, true);
  }

  async claimProducer(token: string): Promise<number> {
    return Number(
      await this.#eval(CLAIM_SCRIPT, [this.#key(token, 'producer')], [this.#producersChannel, token, this.#ttl]),
    );
  }

  onProducerClaim(listener: (token: string, claim: number) => void): void {
    this.#claimListeners.add(listener);
  }

  #onClaim(payload: string): void {
    const colon = payload.indexOf(':');
    const claim = Number(payload.slice(0, colon));
    if (colon <= 0 || !Number.isSafeInteger(claim)) return;
    const token = payload.slice(colon + 1);
    for (const listener of this.#claimListeners) listener(token, claim);
  }

  health(): EngineHealth {
    if (this.#client.isReady && this.#subscriber.isReady) {
      if (this.#down !== null) this.#noteUp(); // a cluster client says nothing when it is back
      return { engine: 'redis', ok: true };
    }
    return { engine: 'redis', ok: false, reason: `Redis at ${this.#where} is unreachable` };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#probeTimer !== null) clearInterval(this.#probeTimer);
    this.#live.clear();
    await Promise.allSettled([this.#subscriber.close(), this.#client.close()]);
  }
}
