import type { FrameScheduler } from '../../src/element/frame-loop.js';

/** A frame clock the test drives: `tick()` runs the frames requested so far at the next time. */
export class ManualFrames implements FrameScheduler {
  time = 0;
  #next = 1;
  #callbacks = new Map<number, (time: number) => void>();

  constructor(readonly frameMs = 1000 / 60) {}

  request(callback: (time: number) => void): number {
    const handle = this.#next++;
    this.#callbacks.set(handle, callback);
    return handle;
  }

  cancel(handle: number): void {
    this.#callbacks.delete(handle);
  }

  #tasks: ((time: number) => void)[] = [];

  soon(callback: (time: number) => void): () => void {
    this.#tasks.push(callback);
    return () => {
      this.#tasks = this.#tasks.filter((task) => task !== callback);
    };
  }

  /** Runs what `soon` was given (the current task is done), at the current time. */
  runTasks(): void {
    const tasks = this.#tasks;
    this.#tasks = [];
    for (const task of tasks) task(this.time);
  }

  get tasks(): number {
    return this.#tasks.length;
  }

  get pending(): number {
    return this.#callbacks.size;
  }

  /** Advances one display frame and runs what was requested before it. */
  tick(): void {
    this.time += this.frameMs;
    const callbacks = [...this.#callbacks.values()];
    this.#callbacks.clear();
    for (const callback of callbacks) callback(this.time);
  }

  ticks(count: number): void {
    for (let i = 0; i < count; i++) this.tick();
  }
}
