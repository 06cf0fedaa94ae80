/**
 * The default engine: one relay's memory. A restart starts every token over (a new epoch).
 *
 * Memory is bounded whatever clients do: a token's log exists while someone writes or reads it (a
 * token only subscribed to leaves nothing once its viewers go), is forgotten after `tokenTtlMs`
 * without a write or a read, and all tokens share `totalBytes`: their histories and what each token
 * costs to hold at all (`TOKEN_OVERHEAD_BYTES`), so a flood of tiny tokens is bounded as a flood of
 * big messages is (the least recently written token goes first).
 */
import { TOKEN_OVERHEAD_BYTES, TOKEN_SWEEP_MAX_MS } from '../constants.js';
import { DEFAULT_CHART_LIMITS, type ChartLimits } from './chart-store.js';
import { MemoryChartStore } from './memory-chart-store.js';
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

class TokenLog {
  readonly epoch = newEpoch();
  lastOffset = 0;
  entries: StoredMessage[] = [];
  /** Index of the oldest kept entry in `entries` (dropped ones are compacted away in batches). */
  head = 0;
  bytes = 0;
  listeners = new Set<MessageListener>();
  /** Last publish or history read (ms, `Date.now()`). */
  usedAt = Date.now();
}

const READY = Promise.resolve();

export class MemoryEngine implements Engine {
  /** One relay's memory: other relays cannot share it. */
  readonly shared = false;
  readonly #limits: HistoryLimits;
  /** Least recently written first (a write moves its token to the end). */
  readonly #logs = new Map<string, TokenLog>();
  #newest: string | null = null;
  #totalBytes = 0;
  #sweeper: NodeJS.Timeout | null = null;

  /** Hosted charts, in this relay's memory too. */
  readonly charts: MemoryChartStore;

  constructor(limits: HistoryLimits, chartLimits: ChartLimits = DEFAULT_CHART_LIMITS) {
    this.charts = new MemoryChartStore(chartLimits);
    this.#limits = limits;
    const ttl = limits.tokenTtlMs ?? Infinity;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(TOKEN_SWEEP_MAX_MS, Math.max(10, ttl / 4)));
    this.#sweeper.unref();
  }

  #log(token: string): TokenLog {
    let log = this.#logs.get(token);
    if (log === undefined) {
      log = new TokenLog();
      this.#logs.set(token, log);
      this.#totalBytes += TOKEN_OVERHEAD_BYTES;
    }
    return log;
  }

  /** Forgets a token whole: its history and what holding it cost. */
  #forget(token: string, log: TokenLog): void {
    this.#totalBytes -= log.bytes + TOKEN_OVERHEAD_BYTES;
    this.#logs.delete(token);
    if (this.#newest === token) this.#newest = null;
  }

  publish(token: string, text: string, time: number): void {
    let log = this.#logs.get(token);
    if (log === undefined) log = this.#log(token);
    else if (token !== this.#newest) {
      // Keep the map in write order (cheap: only when the token written changes).
      this.#logs.delete(token);
      this.#logs.set(token, log);
    }
    this.#newest = token;
    log.usedAt = time;
    const message: StoredMessage = { offset: ++log.lastOffset, time, text };
    log.entries.push(message);
    const size = Buffer.byteLength(text);
    log.bytes += size;
    this.#totalBytes += size;
    const limits = this.#limits;
    while (
      log.entries.length - log.head > limits.messages ||
      (log.bytes > limits.bytes && log.entries.length - log.head > 1)
    ) {
      this.#dropOldest(log);
    }
    if (limits.totalBytes !== undefined && this.#totalBytes > limits.totalBytes) this.#evict(token);
    for (const listener of log.listeners) listener(log.epoch, message);
  }

  #dropOldest(log: TokenLog): void {
    const size = Buffer.byteLength((log.entries[log.head] as StoredMessage).text);
    log.bytes -= size;
    this.#totalBytes -= size;
    log.head++;
    // Compact once the dropped prefix is as long as what is kept: amortised O(1) per message.
    if (log.head > 1024 && log.head * 2 > log.entries.length) {
      log.entries = log.entries.slice(log.head);
      log.head = 0;
    }
  }

  /** Over the total: the histories of the least recently written tokens go, then the oldest of this one's. */
  #evict(writing: string): void {
    const total = this.#limits.totalBytes as number;
    for (const [token, log] of this.#logs) {
      if (this.#totalBytes <= total) return;
      if (token === writing) break;
      // Nobody watches it: forget it whole. Its viewers (if any) keep its epoch and offsets.
      if (log.listeners.size === 0) {
        this.#forget(token, log);
        continue;
      }
      this.#totalBytes -= log.bytes;
      log.entries = [];
      log.head = 0;
      log.bytes = 0;
    }
    const log = this.#logs.get(writing) as TokenLog;
    while (this.#totalBytes > total && log.entries.length - log.head > 1) this.#dropOldest(log);
  }

  history(token: string, after = 0): History {
    const log = this.#logs.get(token);
    // A token nobody writes or watches is not made by a read: an epoch of its own, nothing held.
    if (log === undefined) return { epoch: newEpoch(), entries: [], lastOffset: 0 };
    log.usedAt = Date.now();
    // Offsets are consecutive: the entry after `after` is at a known index.
    const first = log.entries[log.head]?.offset ?? log.lastOffset + 1;
    const start = log.head + Math.max(0, after + 1 - first);
    return { epoch: log.epoch, entries: log.entries.slice(start), lastOffset: log.lastOffset };
  }

  listen(token: string, listener: MessageListener): Listening {
    const log = this.#log(token);
    log.listeners.add(listener);
    return {
      ready: READY,
      stop: () => {
        log.listeners.delete(listener);
        // A token only subscribed to (never written) leaves nothing behind.
        if (log.listeners.size === 0 && log.lastOffset === 0 && this.#logs.get(token) === log) this.#forget(token, log);
      },
    };
  }

  /**
   * Forgets tokens nobody has written or read for `tokenTtlMs`, and tokens never written that nobody
   * watches (runs on a timer; tests call it).
   */
  sweep(now = Date.now()): void {
    const ttl = this.#limits.tokenTtlMs ?? Infinity;
    for (const [token, log] of this.#logs) {
      if (log.listeners.size > 0 || (now - log.usedAt < ttl && log.lastOffset > 0)) continue;
      this.#forget(token, log);
    }
  }

  health(): EngineHealth {
    return { engine: 'memory', ok: true };
  }

  /** Tokens held (with history, or watched). */
  get tokenCount(): number {
    return this.#logs.size;
  }

  /** What all tokens hold against `totalBytes`: their histories' bytes and each token's overhead. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Held messages and bytes of a token (for metrics). */
  size(token: string): { messages: number; bytes: number } {
    const log = this.#logs.get(token);
    return log === undefined
      ? { messages: 0, bytes: 0 }
      : { messages: log.entries.length - log.head, bytes: log.bytes };
  }

  close(): void {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    for (const log of this.#logs.values()) log.listeners.clear();
  }
}
