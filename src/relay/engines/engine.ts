/**
 * The hub behind an interface: where each token's messages get their positions, are kept as a
 * bounded history, and reach live listeners. `MemoryEngine` (one relay's memory) is the default;
 * `RedisEngine` (Streams for history, pub/sub for live) lets several relays share tokens and
 * survive restarts. docs/architecture.md says what a new engine must keep.
 */
import { randomBytes } from 'node:crypto';
import type { ChartStore } from './chart-store.js';

/** One message as stored: its offset, when the relay accepted it, and its JSON text as the producer sent it. */
export interface StoredMessage {
  readonly offset: number;
  /** When the relay accepted the message, in ms since the Unix epoch. */
  readonly time: number;
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

/** A live listener on a token. */
export interface Listening {
  /** Resolves once every message published from now on will reach the listener. */
  readonly ready: Promise<void>;
  stop(): void;
}

export interface EngineHealth {
  /** `memory` or `redis`: named by `/healthz` and in logs. */
  engine: string;
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
}

export interface Engine {
  /**
   * Stores a message (one JSON object's text) accepted at `time` and tells the token's listeners,
   * in publish order. A promise that rejects means the message was not stored.
   */
  publish(token: string, text: string, time: number): void | Promise<void>;
  /** The token's epoch and the history it still holds, all of it or only the messages after `after`. */
  history(token: string, after?: number): History | Promise<History>;
  /** Live messages of a token from `ready` on, in order, until `stop()`. */
  listen(token: string, listener: MessageListener): Listening;
  /** Whether the engine can store and deliver now. */
  health(): EngineHealth;
  /**
   * For engines shared by several relays: a number for a new ingest of `token`, larger than any
   * earlier one's, told to every relay's `onProducerClaim` listener (its own too). The relay whose
   * producer holds a smaller number ends it (409): the newest ingest wins, wherever it is.
   */
  claimProducer?(token: string): Promise<number>;
  onProducerClaim?(listener: (token: string, claim: number) => void): void;
  /** True when several relays (`--workers`) can share tokens through this engine (default: not). */
  readonly shared?: boolean;
  /** Where hosted charts live (charts shareable by a link), when the engine keeps them. */
  readonly charts?: ChartStore;
  /** What a token holds now, when the engine can say at once (for `/metrics`; Redis cannot). */
  size?(token: string): { messages: number; bytes: number };
  close(): void | Promise<void>;
}

export interface HistoryLimits {
  /** Messages kept per token. */
  messages: number;
  /** Bytes of message text kept per token. */
  bytes: number;
  /**
   * Bytes of message text kept across all tokens (the memory engine): past it, the history of the
   * token written least recently goes first. Default: no total limit. (Redis: its own `maxmemory`.)
   */
  totalBytes?: number;
  /**
   * A token nobody has written or read for this long is forgotten: its history, epoch and offsets
   * (a viewer that comes back later gets `reset`). Default: never.
   */
  tokenTtlMs?: number;
}

/** A new epoch: base-36 time and random, so a restarted relay (or Redis) never reuses one. */
export function newEpoch(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}
