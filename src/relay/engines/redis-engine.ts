/**
 * The Redis engine: history in a Redis Stream per token, live messages over pub/sub, the epoch and
 * offsets in Redis. Several relays on one Redis share every token, and a relay restart keeps each
 * token's epoch, so viewers resume exactly. Built the way Centrifugo's Redis engine is: one atomic
 * script gives a message its offset, stores it and publishes it; a subscriber listens before it
 * reads history and merges the two by offset.
 */
import { MAX_PUBLISH_BATCH, REDIS_DEFAULTS } from '../constants.js';
import type { Engine, EngineHealth, History, HistoryLimits, Listening, MessageListener } from './engine.js';
import { newEpoch, type StoredMessage } from './engine.js';
import { DEFAULT_CHART_LIMITS, type ChartLimits } from './chart-store.js';
import { RedisChartStore } from './redis-chart-store.js';
import { RedisLink } from './redis-link.js';
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
  /** What hosted charts may hold. Default `DEFAULT_CHART_LIMITS`. */
  chartLimits?: ChartLimits;
}

interface LiveToken {
  channel: string;
  /** The pub/sub handler, kept to subscribe again on a new connection. */
  onMessage: (payload: string) => void;
  listeners: Set<MessageListener>;
  ready: Promise<void>;
  /**
   * The last message delivered to the listeners (pub/sub is at-most-once: a skip is re-read), or
   * before any, what the token held as it started being heard (`seeded`; epoch null: never written).
   */
  epoch: string | null;
  offset: number;
  seeded: boolean;
  /** Messages that arrived while a gap is re-read from the stream; null when none is. */
  waiting: Array<{ epoch: string; message: StoredMessage }> | null;
}

interface PendingPublish {
  text: string;
  time: number;
  resolve(): void;
  reject(error: unknown): void;
}

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
  #link!: RedisLink;
  /** Hosted charts, in Redis: every relay on it serves every chart. */
  charts!: RedisChartStore;
  readonly #prefix: string;
  readonly #limits: HistoryLimits;
  readonly #log: (line: string) => void;
  readonly #where: string;
  readonly #live = new Map<string, LiveToken>();
  readonly #claimListeners = new Set<(token: string, claim: number) => void>();
  /** Messages waiting for this tick's script calls, by token. */
  readonly #outgoing = new Map<string, PendingPublish[]>();
  #flushScheduled = false;
  #closed = false;

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
    engine.#link = await RedisLink.open(
      {
        url: options.url,
        where: engine.#where,
        prefix: engine.#prefix,
        timeoutMs: options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
        probeMs: options.probeMs ?? REDIS_DEFAULTS.probeMs,
        log: engine.#log,
        onResubscribed: () => engine.#reread(),
      },
      {
        [engine.#producersChannel]: (payload) => engine.#onClaim(payload),
        // (A chart edit heard while connecting has no viewer here yet.)
        [RedisChartStore.channel(engine.#prefix)]: (id) => (engine.charts as RedisChartStore | undefined)?.heard(id),
      },
    );
    engine.charts = new RedisChartStore(engine.#link, engine.#prefix, options.chartLimits ?? DEFAULT_CHART_LIMITS);
    return engine;
  }

  private constructor(options: RedisEngineOptions) {
    this.#prefix = options.prefix ?? REDIS_DEFAULTS.prefix;
    this.#limits = options.limits;
    this.#log = options.log ?? (() => undefined);
    this.#where = redactRedisUrl(options.url);
  }

  /** The pub/sub connection was replaced or reconnected: what each live token may have missed is read from its stream. */
  #reread(): void {
    for (const [token, live] of this.#live) {
      if ((live.epoch === null && !live.seeded) || live.waiting !== null) continue;
      live.waiting = [];
      void this.#refill(token, live);
    }
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
      await this.#link.eval(
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
    const reply = (await this.#link.eval(
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
        seeded: false,
        waiting: null,
      };
      // Listeners read history once this resolves: what they read is at or after the seed.
      created.ready = this.#link.subscribe(channel, created.onMessage).then(() => this.#seed(token, created));
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
        this.#link.unsubscribe(state.channel, state.onMessage);
      },
    };
  }

  /**
   * What the token holds as it starts being heard, so that a first message pub/sub skips is noticed
   * (and re-read) like any other. Unseeded when Redis does not answer: as before, the first message
   * delivered starts the count.
   */
  async #seed(token: string, live: LiveToken): Promise<void> {
    const meta = this.#key(token, 'meta');
    try {
      const [epoch, last] = (await this.#link.command(meta, ['HMGET', meta, 'e', 's'])) as [unknown, unknown];
      if (live.epoch !== null || live.waiting !== null) return; // a message came first
      live.epoch = typeof epoch === 'string' ? epoch : null;
      live.offset = live.epoch === null ? 0 : Number(last) || 0;
      live.seeded = true;
    } catch {
      // (Left unseeded.)
    }
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
    // (Seeded on a token never written: whatever epoch its first publish starts, from offset 1.)
    if (live.epoch === epoch || (live.epoch === null && live.seeded)) {
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
      if (history.epoch === epoch || epoch === null) {
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
      await this.#link.eval(CLAIM_SCRIPT, [this.#key(token, 'producer')], [this.#producersChannel, token, this.#ttl]),
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
    if (this.#link.isReady) return { engine: 'redis', ok: true };
    return { engine: 'redis', ok: false, reason: `Redis at ${this.#where} is unreachable` };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#live.clear();
    await this.#link.close();
  }
}
