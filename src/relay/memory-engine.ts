/** The default engine: one relay's memory. A restart starts every token over (a new epoch). */
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
}

const READY = Promise.resolve();

export class MemoryEngine implements Engine {
  readonly #limits: HistoryLimits;
  readonly #logs = new Map<string, TokenLog>();

  constructor(limits: HistoryLimits) {
    this.#limits = limits;
  }

  #log(token: string): TokenLog {
    let log = this.#logs.get(token);
    if (log === undefined) {
      log = new TokenLog();
      this.#logs.set(token, log);
    }
    return log;
  }

  publish(token: string, text: string, time: number): void {
    const log = this.#log(token);
    const message: StoredMessage = { offset: ++log.lastOffset, time, text };
    log.entries.push(message);
    log.bytes += Buffer.byteLength(text);
    const limits = this.#limits;
    while (
      log.entries.length - log.head > limits.messages ||
      (log.bytes > limits.bytes && log.entries.length - log.head > 1)
    ) {
      log.bytes -= Buffer.byteLength((log.entries[log.head] as StoredMessage).text);
      log.head++;
    }
    // Compact once the dropped prefix is as long as what is kept: amortised O(1) per message.
    if (log.head > 1024 && log.head * 2 > log.entries.length) {
      log.entries = log.entries.slice(log.head);
      log.head = 0;
    }
    for (const listener of log.listeners) listener(log.epoch, message);
  }

  history(token: string, after = 0): History {
    const log = this.#log(token);
    // Offsets are consecutive: the entry after `after` is at a known index.
    const first = log.entries[log.head]?.offset ?? log.lastOffset + 1;
    const start = log.head + Math.max(0, after + 1 - first);
    return { epoch: log.epoch, entries: log.entries.slice(start), lastOffset: log.lastOffset };
  }

  listen(token: string, listener: MessageListener): Listening {
    const log = this.#log(token);
    log.listeners.add(listener);
    return { ready: READY, stop: () => log.listeners.delete(listener) };
  }

  health(): EngineHealth {
    return { engine: 'memory', ok: true };
  }

  /** Held messages and bytes of a token (for metrics). */
  size(token: string): { messages: number; bytes: number } {
    const log = this.#logs.get(token);
    return log === undefined
      ? { messages: 0, bytes: 0 }
      : { messages: log.entries.length - log.head, bytes: log.bytes };
  }

  close(): void {
    for (const log of this.#logs.values()) log.listeners.clear();
  }
}
