/**
 * The hub behind an interface: where each token's messages get their positions, are kept as a
 * bounded history, and reach live listeners. `MemoryEngine` is one relay's memory; a Redis engine
 * (Streams for history, pub/sub for live) can take its place when one relay is not enough.
 */
import { randomBytes } from 'node:crypto';

/** One message as stored: its offset and its JSON text, exactly as the producer sent it. */
export interface StoredMessage {
  readonly offset: number;
  readonly text: string;
}

export interface History {
  epoch: string;
  /** Oldest first. */
  entries: readonly StoredMessage[];
  /** Offset of the last message published in this epoch (0 when none). */
  lastOffset: number;
}

export type MessageListener = (epoch: string, message: StoredMessage) => void;

export interface Engine {
  /** Stores a message (one JSON object's text) and tells the token's listeners, in order. */
  publish(token: string, text: string): void | Promise<void>;
  /** The token's epoch and the history it still holds. */
  history(token: string): History | Promise<History>;
  /** Live messages of a token from now on; returns the unsubscribe function. */
  listen(token: string, listener: MessageListener): () => void;
  /** Tokens the engine holds something for. */
  tokens(): Iterable<string>;
  close(): void | Promise<void>;
}

export interface HistoryLimits {
  /** Messages kept per token. */
  messages: number;
  /** Bytes of message text kept per token. */
  bytes: number;
}

/** A new epoch: base-36 time and random, so a restarted relay never reuses one. */
export function newEpoch(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

class TokenLog {
  readonly epoch = newEpoch();
  lastOffset = 0;
  entries: StoredMessage[] = [];
  /** Index of the oldest kept entry in `entries` (dropped ones are compacted away in batches). */
  head = 0;
  bytes = 0;
  listeners = new Set<MessageListener>();
}

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

  publish(token: string, text: string): void {
    const log = this.#log(token);
    const message: StoredMessage = { offset: ++log.lastOffset, text };
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

  history(token: string): History {
    const log = this.#log(token);
    return { epoch: log.epoch, entries: log.entries.slice(log.head), lastOffset: log.lastOffset };
  }

  listen(token: string, listener: MessageListener): () => void {
    const log = this.#log(token);
    log.listeners.add(listener);
    return () => log.listeners.delete(listener);
  }

  tokens(): Iterable<string> {
    return this.#logs.keys();
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
