/**
 * A relay's life after it starts: whether it is shutting down (routes answer 503 then), the work it
 * repeats (heartbeats, sweeps of per-client state), and its shutdown, one step after another in the
 * order they were given, run once however often `close` is called;
 * a step that fails is reported after the others have run.
 */
export type ShutdownStep = () => void | Promise<void>;

export class Lifecycle {
  #closing = false;
  #closed: Promise<void> | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #steps: ShutdownStep[] = [];

  /** True once `close` was called. */
  readonly isClosing = (): boolean => this.#closing;

  /** Runs `task` every `ms` until shutdown (it does not keep the process alive); a throw is `onError`'s. */
  every(ms: number, task: () => void, onError: (error: unknown) => void): void {
    const timer = setInterval(() => {
      try {
        task();
      } catch (error) {
        onError(error);
      }
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  /** A step of the shutdown, after those added before it. */
  onClose(step: ShutdownStep): void {
    this.#steps.push(step);
  }

  /** Shuts down: repeated work stops, then each step in order. A second call gets the first's promise. */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    // A step that fails does not keep the later ones from releasing what they hold.
    const failures: unknown[] = [];
    for (const step of this.#steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
