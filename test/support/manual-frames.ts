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
