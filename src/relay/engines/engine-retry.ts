/**
 * Work that waits for the engine: what could not start while it was away (a subscription whose
 * history could not be read while Redis was down) runs again once the engine says it can store.
 */
import { ENGINE_RETRY_MS } from '../constants.js';
import type { Engine } from './engine.js';

export class EngineRetry<K> {
  readonly #engine: Engine;
  readonly #waiting = new Map<K, () => void>();
  #timer: NodeJS.Timeout | null = null;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** Runs `task` once the engine is back (a second call for the same key replaces the first). */
  wait(key: K, task: () => void): void {
    this.#waiting.set(key, task);
    this.#timer ??= setInterval(() => this.#retry(), ENGINE_RETRY_MS);
  }

  /** Forgets a key's task (it ended). */
  forget(key: K): void {
    this.#waiting.delete(key);
  }

  /** Tasks waiting. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Stops looking (on close); waiting tasks are dropped. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#waiting.clear();
  }

  #retry(): void {
    if (!this.#engine.health().ok) return;
    const tasks = [...this.#waiting.values()];
    this.#waiting.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const task of tasks) task();
  }
}
